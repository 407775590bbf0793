"""Metrics: plain-float scores of predictions against targets, for reports and not for training.

A metric never builds a graph: predictions may be Values or numbers, and the result is a float.
Shapes follow ``microgrid.losses``: one prediction and target, or lists nested alike.

Regression (the seed's list): MAE, MSE, RMSE, MAPE. Classification: accuracy and the 0-1 loss
(1 for a wrong prediction, 0 for a right one; the seed's "gold standard" loss, not
differentiable, so it is only a metric). ``get_metric(name)`` looks one up by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from microgrid._checks import lookup
from microgrid.engine import Value
from microgrid.losses import _is_seq, class_batch, pair_up


def _floats(predictions: Any, targets: Any, who: str) -> tuple[list[float], list[float]]:
    preds, targs = pair_up(predictions, targets, who)
    return [p.data if isinstance(p, Value) else float(p) for p in preds], targs


def mae(predictions: Any, targets: Any) -> float:
    """Mean absolute error (1/n) sum |t_i - y_i|."""
    ys, ts = _floats(predictions, targets, "mae")
    return sum(abs(t - y) for y, t in zip(ys, ts)) / len(ys)


def mse(predictions: Any, targets: Any) -> float:
    """Mean squared error (1/n) sum (t_i - y_i)^2."""
    ys, ts = _floats(predictions, targets, "mse")
    return sum((t - y) ** 2 for y, t in zip(ys, ts)) / len(ys)


def rmse(predictions: Any, targets: Any) -> float:
    """Root mean squared error sqrt(MSE): in the targets' own units."""
    return math.sqrt(mse(predictions, targets))


def mape(predictions: Any, targets: Any) -> float:
    """Mean absolute percentage error, in percent: (100 / n) sum |(t_i - y_i) / t_i|.

    Undefined when a target is 0 (it divides by the target): raises ValueError naming it.
    """
    ys, ts = _floats(predictions, targets, "mape")
    zeros = [i for i, t in enumerate(ts) if t == 0.0]
    if zeros:
        shown = ", ".join(map(str, zeros[:10])) + (" ..." if len(zeros) > 10 else "")
        raise ValueError(
            f"mape divides by each target, and {len(zeros)} target(s) are 0 (at index {shown}); "
            "use mae or rmse for such data"
        )
    return 100.0 * sum(abs((t - y) / t) for y, t in zip(ys, ts)) / len(ys)


def _labels(ys: list[float], ts: list[float], threshold: float | None) -> list[bool]:
    """Right/wrong per scalar prediction: by sign for +-1 labels, by threshold for 0/1 labels."""
    label_set = set(ts)
    if label_set <= {-1.0, 1.0}:
        cut = 0.0 if threshold is None else threshold
        return [(y > cut) == (t > 0.0) for y, t in zip(ys, ts)]
    if label_set <= {0.0, 1.0}:
        cut = 0.5 if threshold is None else threshold
        return [(y >= cut) == (t == 1.0) for y, t in zip(ys, ts)]
    if threshold is not None:
        raise ValueError("accuracy: threshold applies to 0/1 or -1/+1 labels only")
    return [y == t for y, t in zip(ys, ts)]


def _correct(predictions: Any, targets: Any, threshold: float | None, who: str) -> list[bool]:
    multiclass = _is_seq(predictions) and len(predictions) > 0
    multiclass = multiclass and (_is_seq(predictions[0]) or not _is_seq(targets))
    if multiclass and _is_seq(predictions[0]) and all(len(p) == 1 for p in predictions):
        # one output per sample, given as width-1 lists: judge it as a scalar score
        predictions = [p[0] for p in predictions]
        if _is_seq(targets):
            targets = [t[0] if _is_seq(t) and len(t) == 1 else t for t in targets]
        multiclass = False
    if multiclass:
        right = []
        for scores, y in class_batch(predictions, targets, who):
            data = [s.data for s in scores]
            right.append(data.index(max(data)) == y.index(max(y)))
        return right
    ys, ts = _floats(predictions, targets, who)
    return _labels(ys, ts, threshold)


def accuracy(predictions: Any, targets: Any, threshold: float | None = None) -> float:
    """The fraction of samples predicted right, in [0, 1].

    * Score lists per sample (a multi-class output): the predicted class is the highest score
      (argmax; the first on a tie), compared with a class index or a one-hot target's argmax.
    * One score per sample with labels -1/+1: right when ``score > 0`` matches ``label > 0``
      (micrograd's moons demo). With labels 0/1: right when ``score >= 0.5`` matches the label
      (probabilities; pass ``threshold=0.0`` for logits).
    * Otherwise predictions are compared with targets for equality (predicted class indices).
    """
    right = _correct(predictions, targets, threshold, "accuracy")
    return sum(right) / len(right)


def zero_one_loss(
    predictions: Any,
    targets: Any,
    threshold: float | None = None,
    tolerance: float | None = None,
    normalize: bool = True,
) -> float:
    """The 0-1 loss: 1 per wrong prediction, averaged (or counted with ``normalize=False``).

    Right and wrong are decided as in ``accuracy``. With ``tolerance=T`` (the seed's relaxed
    form for numbers), a prediction counts as right when |t - y| < T.
    """
    if tolerance is not None:
        if not tolerance > 0:
            raise ValueError(f"zero_one_loss: tolerance must be > 0, got {tolerance!r}")
        ys, ts = _floats(predictions, targets, "zero_one_loss")
        right = [abs(t - y) < tolerance for y, t in zip(ys, ts)]
    else:
        right = _correct(predictions, targets, threshold, "zero_one_loss")
    wrong = float(len(right) - sum(right))
    return wrong / len(right) if normalize else wrong


METRICS: dict[str, Callable[..., float]] = {
    "mae": mae,
    "mean_absolute_error": mae,
    "mse": mse,
    "mean_squared_error": mse,
    "rmse": rmse,
    "mape": mape,
    "accuracy": accuracy,
    "acc": accuracy,
    "zero_one_loss": zero_one_loss,
}


def get_metric(metric: str | Callable[..., float]) -> Callable[..., float]:
    """A metric by name (or a callable passed through); unknown names list the known ones."""
    return lookup("metric", METRICS, metric)
