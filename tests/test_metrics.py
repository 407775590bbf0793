"""Metrics: plain floats against numpy, from numbers or Values, with clear refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgrid import Value
from microgrid import metrics as M

RNG = np.random.default_rng(11)
Y = RNG.normal(size=9)
T = RNG.normal(size=9) + 3.0  # no zero targets, so MAPE is defined


def test_regression_metrics_against_numpy():
    assert M.mae(Y, T) == pytest.approx(np.mean(np.abs(T - Y)), rel=1e-14)
    assert M.mse(Y, T) == pytest.approx(np.mean((T - Y) ** 2), rel=1e-14)
    assert M.rmse(Y, T) == pytest.approx(math.sqrt(np.mean((T - Y) ** 2)), rel=1e-14)
    assert M.mape(Y, T) == pytest.approx(100 * np.mean(np.abs((T - Y) / T)), rel=1e-14)


def test_values_give_plain_floats():
    values = [Value(float(y)) for y in Y]
    for metric in (M.mae, M.mse, M.rmse, M.mape):
        out = metric(values, T)
        assert type(out) is float
        assert out == pytest.approx(metric(Y.tolist(), T.tolist()), rel=1e-15)


def test_mape_refuses_zero_targets_by_index():
    with pytest.raises(ValueError, match=r"1 target\(s\) are 0 \(at index 2\)"):
        M.mape([1.0, 2.0, 3.0], [1.0, 2.0, 0.0])


def test_accuracy_multiclass_argmax():
    scores = RNG.normal(size=(20, 4))
    labels = RNG.integers(0, 4, size=20)
    ref = float(np.mean(scores.argmax(1) == labels))
    assert M.accuracy(scores.tolist(), labels.tolist()) == pytest.approx(ref)
    one_hot = np.eye(4)[labels].tolist()
    assert M.accuracy([[Value(x) for x in row] for row in scores], one_hot) == pytest.approx(ref)
    assert M.accuracy([0.1, 0.7, 0.2], 1) == 1.0  # one sample's scores and its class


def test_accuracy_binary_labels():
    scores = RNG.normal(size=30)
    pm = np.where(RNG.random(30) < 0.5, -1.0, 1.0)
    assert M.accuracy(scores, pm) == pytest.approx(np.mean((scores > 0) == (pm > 0)))
    probs = 1 / (1 + np.exp(-scores))
    b = (pm + 1) / 2
    assert M.accuracy(probs, b) == pytest.approx(np.mean((probs >= 0.5) == (b == 1)))
    assert M.accuracy(scores, b, threshold=0.0) == pytest.approx(np.mean((scores >= 0) == (b == 1)))
    # width-1 outputs given as lists are judged as scalars
    assert M.accuracy([[0.9], [0.2], [0.6]], [[1], [0], [0]]) == pytest.approx(2 / 3)
    # predicted class indices compare by equality
    assert M.accuracy([0, 2, 1, 2], [0, 2, 2, 2]) == 0.75


def test_zero_one_loss():
    assert M.zero_one_loss([0.9, -0.2, 0.3], [1, 1, -1]) == pytest.approx(2 / 3)
    assert M.zero_one_loss([0.9, -0.2, 0.3], [1, 1, -1], normalize=False) == 2.0
    # the seed's relaxed form: |Y - f(X)| < T counts as equal
    assert M.zero_one_loss([1.05, 2.5, 3.0], [1.0, 2.0, 3.0], tolerance=0.1) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: M.mae([1.0, 2.0], [1.0]), "2 entries but targets has 1"),
        (lambda: M.mse([], []), "empty"),
        (lambda: M.accuracy([[0.1, 0.9]], [3]), "not in 0..1"),
        (lambda: M.accuracy([[0.1, 0.9], [0.3, 0.1]], [1]), "2 samples but 1"),
        (lambda: M.zero_one_loss([1.0], [1.0], tolerance=0), "tolerance must be > 0"),
        (lambda: M.get_metric("f1"), "unknown metric 'f1'"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_get_metric():
    assert M.get_metric("accuracy") is M.accuracy
    assert M.get_metric("RMSE") is M.rmse
