"""Loss functions on Values: how far a network's outputs are from the targets, as one Value.

Every loss is called ``loss(predictions, targets)`` and returns a single Value to call
``backward()`` on. Predictions are Values (or plain numbers); targets are plain numbers.

Shapes (the same rule for every loss):

* Element-wise losses (``mse``, ``mae``, ``huber``, ``half_sum_squared_error``,
  ``binary_cross_entropy``, ``binary_cross_entropy_with_logits``, ``hinge``,
  ``exponential_loss``) take one prediction and target, or lists of them, nested alike (a batch
  of multi-output predictions is a list of lists). They are compared entry by entry and averaged
  over all entries (``reduction="mean"``, the default) or summed (``reduction="sum"``).
* Class losses (``softmax_cross_entropy``, ``categorical_cross_entropy``, ``multiclass_hinge``)
  take one sample's scores (a list of Values) with its target, or a batch: a list of score lists
  with a list of targets. A target is a class index (0..N-1) or a one-hot / probability list of
  length N. They are averaged over samples (or summed).

Bad input is refused before any arithmetic, with a ValueError naming the problem: lengths that
differ, empty lists, labels outside what the loss accepts.

``get_loss(name)`` looks a loss up by name, including Keras' spellings (``"mse"``,
``"binary_crossentropy"``, ``"categorical_crossentropy"``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from microgrid._checks import lookup
from microgrid.engine import Value, as_float, constant, maximum, minimum
from microgrid.functional import logsumexp, value_sum

# ------------------------------------------------------------------------------ pairing inputs


def _is_seq(x: object) -> bool:
    return hasattr(x, "__len__") and not isinstance(x, str | bytes | Value)


def pair_up(predictions: Any, targets: Any, who: str) -> tuple[list[Any], list[float]]:
    """Flatten predictions and targets of the same nested shape into two equal-length lists.

    Predictions stay as given (Values or numbers); targets become floats and must be finite.
    """
    preds: list[Any] = []
    targs: list[float] = []
    # An explicit stack, not a recursive inner function: a closure that calls itself is a
    # reference cycle, and it would keep every prediction (and its graph) alive until gc runs.
    stack: list[tuple[Any, Any, str]] = [(predictions, targets, "")]
    while stack:
        p, t, where = stack.pop()
        if _is_seq(p) or _is_seq(t):
            if not (_is_seq(p) and _is_seq(t)):
                kind_p = f"a list of {len(p)}" if _is_seq(p) else "one value"
                kind_t = f"a list of {len(t)}" if _is_seq(t) else "one value"
                raise ValueError(
                    f"{who}: predictions{where} is {kind_p} but targets{where} is {kind_t}"
                )
            if len(p) != len(t):
                raise ValueError(
                    f"{who}: predictions{where} has {len(p)} entries but targets{where} "
                    f"has {len(t)}"
                )
            pairs = [(pi, ti, f"{where}[{i}]") for i, (pi, ti) in enumerate(zip(p, t))]
            stack.extend(reversed(pairs))  # popped first to last: entry 0 first
            continue
        if not isinstance(p, Value):
            as_float(p, f"{who}: predictions{where}")
        t = as_float(t, f"{who}: targets{where}")
        if not math.isfinite(t):
            raise ValueError(f"{who}: targets{where} is {t!r}, not a finite number")
        preds.append(p)
        targs.append(t)
    if not preds:
        raise ValueError(f"{who}: predictions and targets are empty")
    return preds, targs


def _value(p: Any) -> Value:
    return p if isinstance(p, Value) else constant(p)


def _scaled(c: float, v: Value) -> Value:
    """c * v, leaving out a "* 1" node when c is 1 (one-hot targets, hard labels)."""
    return v if c == 1.0 else c * v


def _reduce(terms: list[Value], reduction: str, who: str) -> Value:
    """Average (``"mean"``) or add up (``"sum"``) the per-entry or per-sample terms."""
    _check_reduction(reduction, who)
    total = value_sum(terms)
    # a mean of one term is that term: no "/ 1" node cluttering the drawing
    return total / len(terms) if reduction == "mean" and len(terms) > 1 else total


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{who}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _check_pm1(targets: list[float], who: str) -> None:
    for i, t in enumerate(targets):
        if t not in (-1.0, 1.0):
            hint = " (for 0/1 labels use y = 2 t - 1)" if t == 0.0 else ""
            raise ValueError(f"{who} needs labels -1 or +1; target {i} is {t!r}{hint}")


def _check_unit(targets: list[float], who: str) -> None:
    for i, t in enumerate(targets):
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"{who} needs targets in [0, 1]; target {i} is {t!r}")


# ------------------------------------------------------------------------------ regression


def mse(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error: (1/n) sum_i (y_i - t_i)^2. Gradient 2 (y_i - t_i) / n."""
    _check_reduction(reduction, "mse")
    preds, targs = pair_up(predictions, targets, "mse")
    return _reduce([(_value(p) - t) ** 2 for p, t in zip(preds, targs)], reduction, "mse")


def half_sum_squared_error(predictions: Any, targets: Any) -> Value:
    """The seed's E_total = sum_i 1/2 (target_i - out_i)^2; the 1/2 cancels in the derivative.

    dE_total/dout_i = -(target_i - out_i) = out_i - target_i. Summed, never averaged.
    """
    preds, targs = pair_up(predictions, targets, "half_sum_squared_error")
    return value_sum([0.5 * (t - _value(p)) ** 2 for p, t in zip(preds, targs)])


def mae(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean absolute error: (1/n) sum_i |y_i - t_i|; gradient sign(y_i - t_i) / n (0 at a tie)."""
    _check_reduction(reduction, "mae")
    preds, targs = pair_up(predictions, targets, "mae")
    return _reduce([(_value(p) - t).abs() for p, t in zip(preds, targs)], reduction, "mae")


def huber(predictions: Any, targets: Any, delta: float = 1.0, reduction: str = "mean") -> Value:
    """Huber loss: 1/2 r^2 for |r| <= delta, else delta (|r| - delta/2), with r = y - t.

    Quadratic near the target (like MSE), linear far away (like MAE): outliers pull less.
    """
    _check_reduction(reduction, "huber")
    delta = as_float(delta, "huber delta")
    if not delta > 0:
        raise ValueError(f"huber: delta must be > 0, got {delta!r}")
    preds, targs = pair_up(predictions, targets, "huber")
    terms = []
    for p, t in zip(preds, targs):
        r = _value(p) - t
        if abs(r.data) <= delta:
            terms.append(0.5 * r**2)
        else:
            terms.append(delta * (r.abs() - 0.5 * delta))
    return _reduce(terms, reduction, "huber")


# ------------------------------------------------------------------------------ binary


def binary_cross_entropy(
    predictions: Any, targets: Any, eps: float = 1e-12, reduction: str = "mean"
) -> Value:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p (a sigmoid output) and t in [0, 1].

    A p outside [0, 1] is refused (raw scores belong in ``binary_cross_entropy_with_logits``).
    A p within ``eps`` of 0 or 1 is clipped to [eps, 1 - eps], as the seed's
    ``tf.clip_by_value`` does, so log(0) never happens; a clipped p gets no gradient.
    """
    who = "binary_cross_entropy"
    _check_reduction(reduction, who)
    preds, targs = pair_up(predictions, targets, who)
    _check_unit(targs, who)
    terms = []
    for i, (p, t) in enumerate(zip(preds, targs)):
        p = _value(p)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{who} needs probabilities in [0, 1]; prediction {i} is {p.data!r} "
                "(for raw scores use binary_cross_entropy_with_logits)"
            )
        if p.data < eps:
            p = maximum(p, eps)
        elif p.data > 1.0 - eps:
            p = minimum(p, 1.0 - eps)
        parts = []
        if t != 0.0:
            parts.append(_scaled(t, p.log()))
        if t != 1.0:
            parts.append(_scaled(1.0 - t, (1.0 - p).log()))
        terms.append(-value_sum(parts))
    return _reduce(terms, reduction, who)


def binary_cross_entropy_with_logits(
    predictions: Any, targets: Any, reduction: str = "mean"
) -> Value:
    """Binary cross-entropy of sigmoid(z), computed stably from the logit z: softplus(z) - t z.

    Equal to -(t log s + (1 - t) log(1 - s)) with s = sigmoid(z), but never takes log of 0:
    softplus(z) = log(1 + e^z) is computed without overflow. Gradient: sigmoid(z) - t.
    """
    who = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, who)
    preds, targs = pair_up(predictions, targets, who)
    _check_unit(targs, who)
    terms = []
    for p, t in zip(preds, targs):
        z = _value(p)
        terms.append(_softplus(z) - t * z if t != 0.0 else _softplus(z))
    return _reduce(terms, reduction, who)


def _softplus(z: Value) -> Value:
    """log(1 + e^z) as the engine's one ``softplus`` node (derivative sigmoid(z)): it cannot
    overflow, and its graph has the same shape for every z, so the tape can replay it."""
    return z.softplus()


def hinge(predictions: Any, targets: Any, margin: float = 1.0, reduction: str = "mean") -> Value:
    """SVM hinge loss max(0, margin - t y) for a score y and a label t in {-1, +1}.

    Zero once the sample is on the right side by at least the margin: it does not reward
    over-confidence (the seed). micrograd's moons demo trains with exactly this (margin 1).
    """
    who = "hinge"
    _check_reduction(reduction, who)
    margin = as_float(margin, "hinge margin")
    preds, targs = pair_up(predictions, targets, who)
    _check_pm1(targs, who)
    terms = [(margin - t * _value(p)).relu() for p, t in zip(preds, targs)]
    return _reduce(terms, reduction, who)


def exponential_loss(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """AdaBoost's exponential loss e^{-t y} for a score y and a label t in {-1, +1}."""
    who = "exponential_loss"
    _check_reduction(reduction, who)
    preds, targs = pair_up(predictions, targets, who)
    _check_pm1(targs, who)
    return _reduce([(-t * _value(p)).exp() for p, t in zip(preds, targs)], reduction, who)


# ------------------------------------------------------------------------------ classes


def _class_target(t: Any, n: int, who: str, where: str) -> list[float]:
    """A class index or a probability vector over n classes, as a list of n floats."""
    if _is_seq(t):
        if len(t) != n:
            raise ValueError(f"{who}: target{where} has {len(t)} entries for {n} classes")
        y = [as_float(v, f"{who}: target{where}") for v in t]
        if any(not (0.0 <= v <= 1.0) for v in y) or abs(sum(y) - 1.0) > 1e-6:
            raise ValueError(
                f"{who}: target{where} must be one-hot or probabilities summing to 1, got {y}"
            )
        return y
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise ValueError(f"{who}: target{where} must be a class index or a list, got {t!r}")
    if isinstance(t, numbers.Integral) or float(t).is_integer():
        k = int(t) if isinstance(t, numbers.Integral) else int(float(t))
        if 0 <= k < n:
            y = [0.0] * n
            y[k] = 1.0
            return y
        raise ValueError(f"{who}: class index target{where} = {k} is not in 0..{n - 1}")
    raise ValueError(f"{who}: class index target{where} = {t!r} is not an integer")


def class_batch(predictions: Any, targets: Any, who: str) -> list[tuple[list[Value], list[float]]]:
    """Pair each sample's score list with its target distribution; one sample or a batch."""
    if not _is_seq(predictions) or len(predictions) == 0:
        raise ValueError(f"{who}: predictions must be a non-empty list of scores (or of lists)")
    if not _is_seq(predictions[0]):
        samples, sample_targets = [predictions], [targets]
        single = True
    else:
        samples, sample_targets = list(predictions), targets
        single = False
        if not _is_seq(sample_targets) or len(sample_targets) != len(samples):
            got = len(sample_targets) if _is_seq(sample_targets) else "one"
            raise ValueError(f"{who}: {len(samples)} samples but {got} target(s)")
    out = []
    for i, (scores, t) in enumerate(zip(samples, sample_targets)):
        where = "" if single else f"[{i}]"
        if not _is_seq(scores) or len(scores) == 0:
            raise ValueError(f"{who}: predictions{where} must be a non-empty list of scores")
        values = [_value(s) for s in scores]
        out.append((values, _class_target(t, len(values), who, where)))
    return out


def softmax_cross_entropy(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Cross-entropy of softmax(z) against y, from the logits z: C = -sum_i y_i ln a_i.

    Computed as sum_i y_i (logsumexp(z) - z_i), stable for any logits. Its gradient is the
    seed's result dC/dz_i = a_i - y_i (for y summing to 1).
    """
    who = "softmax_cross_entropy"
    _check_reduction(reduction, who)
    terms = []
    for z, y in class_batch(predictions, targets, who):
        lse = logsumexp(z)
        terms.append(value_sum([_scaled(yi, lse - zi) for zi, yi in zip(z, y) if yi != 0.0]))
    return _reduce(terms, reduction, who)


def categorical_cross_entropy(
    predictions: Any, targets: Any, eps: float = 1e-12, reduction: str = "mean"
) -> Value:
    """C = -sum_i y_i ln a_i from probabilities a (a softmax layer's output), Keras' loss.

    Probabilities outside [0, 1] are refused; those below ``eps`` are clipped to ``eps`` (no
    gradient), as the seed's ``tf.clip_by_value``. From logits, prefer softmax_cross_entropy.
    """
    who = "categorical_cross_entropy"
    _check_reduction(reduction, who)
    terms = []
    for i, (a, y) in enumerate(class_batch(predictions, targets, who)):
        parts = []
        for j, (ai, yi) in enumerate(zip(a, y)):
            if not 0.0 <= ai.data <= 1.0:
                raise ValueError(
                    f"{who} needs probabilities in [0, 1]; sample {i} class {j} is {ai.data!r} "
                    "(for logits use softmax_cross_entropy)"
                )
            if yi != 0.0:
                parts.append(_scaled(yi, (maximum(ai, eps) if ai.data < eps else ai).log()))
        terms.append(-value_sum(parts))
    return _reduce(terms, reduction, who)


def multiclass_hinge(
    predictions: Any, targets: Any, margin: float = 1.0, reduction: str = "mean"
) -> Value:
    """Multiclass SVM loss: sum over wrong classes j of max(0, s_j - s_y + margin).

    The correct class y must outscore every other class by ``margin``. (PyTorch's
    MultiMarginLoss is this divided by the number of classes.) Targets are class indices.
    """
    who = "multiclass_hinge"
    _check_reduction(reduction, who)
    margin = as_float(margin, "multiclass_hinge margin")
    terms = []
    for i, (s, y) in enumerate(class_batch(predictions, targets, who)):
        if sorted(y) != [0.0] * (len(y) - 1) + [1.0]:
            raise ValueError(f"{who}: target {i} must be one class, got probabilities {y}")
        k = y.index(1.0)
        wrong = [(s[j] - s[k] + margin).relu() for j in range(len(s)) if j != k]
        terms.append(value_sum(wrong) if wrong else constant(0.0))
    return _reduce(terms, reduction, who)


# ------------------------------------------------------------------------------ lookup

LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "mean_squared_error": mse,
    "half_sum_squared_error": half_sum_squared_error,
    "e_total": half_sum_squared_error,
    "mae": mae,
    "mean_absolute_error": mae,
    "huber": huber,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_crossentropy": binary_cross_entropy,
    "bce": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "bce_with_logits": binary_cross_entropy_with_logits,
    "softmax_cross_entropy": softmax_cross_entropy,
    "cross_entropy": softmax_cross_entropy,
    "categorical_cross_entropy": categorical_cross_entropy,
    "categorical_crossentropy": categorical_cross_entropy,
    "hinge": hinge,
    "multiclass_hinge": multiclass_hinge,
    "exponential": exponential_loss,
    "exponential_loss": exponential_loss,
}


def get_loss(loss: str | Callable[..., Value]) -> Callable[..., Value]:
    """A loss function by name (or a callable passed through); unknown names list the known."""
    return lookup("loss", LOSSES, loss)
