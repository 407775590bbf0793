"""Functions of a whole list of Values: softmax, log_softmax, logsumexp, numerically stable.

softmax turns a layer's raw outputs (logits) z_1..z_N into probabilities that sum to 1:

    a_i = e^{z_i} / sum_k e^{z_k}

e^{1000} overflows a float, so every function here first subtracts c = max(z), exactly as the
seed's numpy code does (``exp_z = np.exp(z - c)  # 溢出对策``). The result is the same, since
e^{z_i - c} / sum_k e^{z_k - c} = a_i, and the largest exponent is e^0 = 1. The shift c is a
plain number, not part of the graph: the gradient does not depend on it.

Each function is composed of engine ops, so a drawing shows every exp, sum and division, and
backward() applies the chain rule through them (giving d a_i / d z_i = a_i (1 - a_i) and
d a_j / d z_i = -a_i a_j, as the seed derives).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING

from microgrid.engine import Value, as_float, constant

Scalar = Value | int | float


def as_values(xs: Sequence[Scalar], what: str = "input") -> list[Value]:
    """The entries of ``xs`` as Values (plain numbers become constants); refuses an empty list."""
    if isinstance(xs, Value | str | bytes) or not hasattr(xs, "__len__"):
        raise TypeError(f"{what} must be a list of Values or numbers, got {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{what} is empty: need at least one value")
    out = []
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            out.append(x)
        else:
            out.append(constant(as_float(x, f"{what}[{i}]")))
    return out


def value_sum(values: Sequence[Value]) -> Value:
    """v_0 + v_1 + ... without the extra ``0 +`` node that ``sum()`` would add to the graph."""
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def logsumexp(xs: Sequence[Scalar]) -> Value:
    """log sum_i e^{x_i}, computed as c + log sum_i e^{x_i - c} with c = max(x).

    d/dx_i = softmax(x)_i. Stable for any finite inputs: logsumexp([1000, -1000]) = 1000.
    """
    values = as_values(xs, "logsumexp input")
    c = builtins.max(v.data for v in values)
    return value_sum([(v - c).exp() for v in values]).log() + c


def softmax(xs: Sequence[Scalar]) -> list[Value]:
    """a_i = e^{x_i - c} / sum_k e^{x_k - c} with c = max(x): probabilities summing to 1."""
    values = as_values(xs, "softmax input")
    c = builtins.max(v.data for v in values)
    exps = [(v - c).exp() for v in values]
    total = value_sum(exps)
    return [e / total for e in exps]


def log_softmax(xs: Sequence[Scalar]) -> list[Value]:
    """log a_i = x_i - logsumexp(x): the log-probabilities, never log(0) even for x = -1000."""
    values = as_values(xs, "log_softmax input")
    lse = logsumexp(values)
    return [v - lse for v in values]


# The layers on grids of Values (convolution, pooling, normalization, maxout) live in their own
# modules; they are re-exported here and load on first use (they bring numpy, and they import
# ``value_sum`` from this module, so importing them here at load time would be circular).
if TYPE_CHECKING:
    from microgrid.convolution import conv2d  # noqa: F401 - re-exported
    from microgrid.maxout import maxout  # noqa: F401
    from microgrid.normalization import (  # noqa: F401
        batch_norm,
        group_norm,
        instance_norm,
        layer_norm,
    )
    from microgrid.pooling import (  # noqa: F401
        avg_pool2d,
        global_avg_pool2d,
        max_pool2d,
        stochastic_pool2d,
    )


_GRID_OPS = {
    "conv2d": "microgrid.convolution",
    "max_pool2d": "microgrid.pooling",
    "avg_pool2d": "microgrid.pooling",
    "global_avg_pool2d": "microgrid.pooling",
    "stochastic_pool2d": "microgrid.pooling",
    "batch_norm": "microgrid.normalization",
    "layer_norm": "microgrid.normalization",
    "instance_norm": "microgrid.normalization",
    "group_norm": "microgrid.normalization",
    "maxout": "microgrid.maxout",
}


def __getattr__(name: str) -> object:
    if name in _GRID_OPS:
        import importlib

        return getattr(importlib.import_module(_GRID_OPS[name]), name)
    raise AttributeError(f"module 'microgrid.functional' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_GRID_OPS))
