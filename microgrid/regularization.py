"""L1 and L2 penalties: terms added to the loss so that large weights cost something.

Seed 004 (Q2): with the L2 term, J'(w) = J(w) + (alpha / 2) w^T w, and gradient descent becomes

    w <- w - lr (dJ/dw + alpha w) = (1 - lr alpha) w - lr dJ/dw

so every step first shrinks each weight by the factor (1 - lr alpha): "weight decay". This module
uses the seed's convention, with the 1/2: ``l2_penalty(params, alpha)`` = (alpha/2) sum w^2,
whose gradient is alpha w, exactly ``SGD(..., weight_decay=alpha)``'s shrink. (micrograd's moons
demo adds ``1e-4 * sum(p*p)`` without the 1/2: that is ``l2_penalty(params, alpha=2e-4)``.)

L1, alpha sum |w|, has gradient alpha sign(w): a constant pull toward 0 that makes weights
exactly 0 (sparse features), while L2's pull fades as w shrinks.

Pass the Values to penalize, e.g. ``model.parameters()``, or only the weights:
``[p for name, p in model.named_parameters() if not name.endswith(".b")]``.
"""

from __future__ import annotations

from collections.abc import Iterable

from microgrid._checks import finite_real
from microgrid.engine import Value, constant
from microgrid.functional import value_sum


def _params(params: Iterable[Value], who: str) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(f"{who} takes a list of Values (e.g. model.parameters()), got one Value")
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: params[{i}] is {type(p).__name__}, not a Value")
    return out


def _alpha(alpha: float, who: str) -> float:
    return finite_real(f"{who}: alpha", alpha)


def l2_penalty(params: Iterable[Value], alpha: float) -> Value:
    """(alpha / 2) sum_w w^2; gradient alpha w, the (1 - lr alpha) w shrink of weight decay."""
    alpha = _alpha(alpha, "l2_penalty")
    values = _params(params, "l2_penalty")
    if not values:
        return constant(0.0)
    return (0.5 * alpha) * value_sum([p * p for p in values])


def l1_penalty(params: Iterable[Value], alpha: float) -> Value:
    """alpha sum_w |w|; gradient alpha sign(w) (0 at w = 0)."""
    alpha = _alpha(alpha, "l1_penalty")
    values = _params(params, "l1_penalty")
    if not values:
        return constant(0.0)
    return alpha * value_sum([p.abs() for p in values])
