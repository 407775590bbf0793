"""Gradient clipping (by norm, by value) and Adam with and without the bias correction.

Reference numbers are recomputed here with plain float math from the formulas in the
docstrings; torch parity of the clipping is in test_grid_torch.py.
"""

from __future__ import annotations

import math

import pytest

from microgrid import Value
from microgrid.optim import Adam, clip_grad_norm, clip_grad_value


def with_grads(grads):
    params = [Value(1.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_clip_grad_norm_scales_all_gradients_together_and_keeps_the_direction():
    params = with_grads([3.0, -4.0])  # norm 5
    total = clip_grad_norm(params, 1.0)
    assert total == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    assert [p.grad for p in params] == [3.0 * scale, -4.0 * scale]
    assert math.hypot(*(p.grad for p in params)) < 1.0


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = with_grads([0.3, 0.4])
    assert clip_grad_norm(params, 1.0) == pytest.approx(0.5, abs=1e-15)
    assert [p.grad for p in params] == [0.3, 0.4]


def test_clip_grad_norm_max_and_l1_norms():
    assert clip_grad_norm(with_grads([1.0, -7.0, 2.0]), 100.0, math.inf) == 7.0
    assert clip_grad_norm(with_grads([1.0, -7.0, 2.0]), 100.0, 1.0) == 10.0


def test_clip_grad_value_clamps_each_gradient_on_its_own():
    params = with_grads([5.0, -0.5, -3.0])
    clip_grad_value(params, 1.0)
    assert [p.grad for p in params] == [1.0, -0.5, -1.0]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: clip_grad_norm(with_grads([1.0]), -1.0), "max_norm must be >= 0"),
        (lambda: clip_grad_norm(with_grads([1.0]), 1.0, 0.0), "norm_type must be > 0"),
        (lambda: clip_grad_value(with_grads([1.0]), float("nan")), "clip_value must be finite"),
        (lambda: clip_grad_value([1.0], 1.0), "params\\[0\\] is a float, not a Value"),
    ],
)
def test_clipping_refuses_bad_arguments(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def _adam_by_hand(grads, lr, b1, b2, eps, corrected):
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if corrected:
            w -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        else:
            w -= lr * m / (math.sqrt(v) + eps)
    return w


@pytest.mark.parametrize("corrected", [True, False])
def test_adam_with_and_without_bias_correction_follows_its_formula(corrected):
    grads = [0.5, -1.0, 2.0, 0.25]
    p = Value(1.0)
    opt = Adam([p], lr=0.1, bias_correction=corrected)
    for g in grads:
        p.grad = g
        opt.step()
    assert p.data == pytest.approx(
        _adam_by_hand(grads, 0.1, 0.9, 0.999, 1e-8, corrected), abs=1e-15
    )


def test_adam_first_step_without_correction_is_about_three_times_larger():
    steps = {}
    for corrected in (True, False):
        p = Value(0.0)
        p.grad = 1.0
        Adam([p], lr=0.01, bias_correction=corrected).step()
        steps[corrected] = -p.data
    assert steps[True] == pytest.approx(0.01, rel=1e-6)
    assert steps[False] == pytest.approx(0.01 * 0.1 / math.sqrt(0.001), rel=1e-6)


def test_adam_bias_correction_must_be_a_bool():
    with pytest.raises(TypeError, match="bias_correction must be True or False"):
        Adam([Value(0.0)], bias_correction="no")
