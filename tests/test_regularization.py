"""L1 and L2 penalties: values, gradients, and the seed's (1 - lr alpha) w weight decay."""

from __future__ import annotations

import numpy as np
import pytest

from microgrid import Value, gradcheck, no_grad
from microgrid.nn import MLP
from microgrid.regularization import l1_penalty, l2_penalty

W = [0.5, -1.25, 2.0, -0.1, 0.0]


def test_values_against_numpy():
    w = np.array(W)
    assert l2_penalty([Value(x) for x in W], 0.3).data == pytest.approx(0.15 * np.sum(w**2))
    assert l1_penalty([Value(x) for x in W], 0.3).data == pytest.approx(0.3 * np.sum(np.abs(w)))


def test_gradients():
    ws = [Value(x) for x in W]
    l2_penalty(ws, 0.3).backward()
    assert [w.grad for w in ws] == pytest.approx([0.3 * x for x in W])
    ws = [Value(x) for x in W]
    l1_penalty(ws, 0.3).backward()
    assert [w.grad for w in ws] == pytest.approx([0.3 * np.sign(x) for x in W])
    nonzero = [x for x in W if x != 0.0]  # |w| has a kink at 0
    for penalty in (l1_penalty, l2_penalty):
        result = gradcheck(lambda *ps, f=penalty: f(list(ps), 0.7), nonzero)
        assert result, str(result)


def test_l2_gradient_step_is_weight_decay():
    """Seed 004 Q2: w <- w - lr (dJ/dw + alpha w) = (1 - lr alpha) w - lr dJ/dw."""
    lr, alpha = 0.1, 0.5
    w = Value(3.0)
    data_loss = (w - 1.0) ** 2  # dJ/dw = 2 (w - 1) = 4
    (data_loss + l2_penalty([w], alpha)).backward()
    with no_grad():
        new_w = w.data - lr * w.grad
    assert new_w == pytest.approx((1 - lr * alpha) * 3.0 - lr * 4.0, rel=1e-15)


def test_micrograd_convention_is_twice_alpha():
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    micrograd = 1e-4 * sum(p.data * p.data for p in params)
    assert l2_penalty(params, 2e-4).data == pytest.approx(micrograd, rel=1e-14)


def test_empty_list_is_zero_and_bad_input_is_refused():
    assert l2_penalty([], 0.1).data == 0.0
    assert l1_penalty([], 0.1).data == 0.0
    with pytest.raises(TypeError, match="one Value"):
        l2_penalty(Value(1.0), 0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        l1_penalty([Value(1.0), 2.0], 0.1)
    with pytest.raises(ValueError, match="alpha must be"):
        l2_penalty([Value(1.0)], -1.0)
