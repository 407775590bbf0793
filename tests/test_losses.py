"""Losses: each against an independent numpy computation, gradcheck, torch where it has the same."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, gradcheck
from microgrid import losses as L

RNG = np.random.default_rng(5)
Y = RNG.normal(size=7)  # predictions
T = RNG.normal(size=7)  # regression targets
P = 1 / (1 + np.exp(-RNG.normal(size=7)))  # probabilities
B = np.array([0, 1, 1, 0, 1, 0, 1.0])  # 0/1 labels
PM = 2 * B - 1  # -1/+1 labels


def vals(xs) -> list[Value]:
    return [Value(float(x)) for x in xs]


def check_grad(loss, preds, targets, **kw):
    """backward() of loss(preds, targets) agrees with central differences in every prediction."""
    result = gradcheck(lambda *ps: loss(list(ps), targets, **kw), list(preds), eps=1e-6)
    assert result, str(result)


# ------------------------------------------------------------------------ regression losses


def test_mse_mae_sum_against_numpy():
    assert L.mse(vals(Y), T).data == pytest.approx(np.mean((Y - T) ** 2), rel=1e-13)
    assert L.mse(vals(Y), T, reduction="sum").data == pytest.approx(np.sum((Y - T) ** 2))
    assert L.mae(vals(Y), T).data == pytest.approx(np.mean(np.abs(Y - T)), rel=1e-13)
    assert L.half_sum_squared_error(vals(Y), T).data == pytest.approx(
        np.sum(0.5 * (T - Y) ** 2), rel=1e-13
    )


def test_half_sum_squared_error_is_the_seeds_e_total():
    """E_total of the worked example: targets 0.01 / 0.99, outputs out_o1 / out_o2."""
    out = [Value(0.7513650695523157), Value(0.7729284653214625)]
    e_total = L.half_sum_squared_error(out, [0.01, 0.99])
    assert e_total.data == pytest.approx(0.2983711087600027, rel=1e-14)
    e_total.backward()
    # dE_total/dout_o1 = -(target_o1 - out_o1) = 0.74136507 (the seed's number)
    assert out[0].grad == pytest.approx(0.7413650695523157, rel=1e-14)


@pytest.mark.parametrize("delta", [0.3, 1.0, 5.0])
def test_huber_against_numpy(delta):
    r = Y - T
    ref = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)).mean()
    assert L.huber(vals(Y), T, delta=delta).data == pytest.approx(ref, rel=1e-13)


@pytest.mark.parametrize(
    "loss, kw",
    [(L.mse, {}), (L.mae, {}), (L.huber, {"delta": 0.4}), (L.half_sum_squared_error, {})],
)
def test_regression_gradients(loss, kw):
    check_grad(loss, Y, T.tolist(), **kw)


def test_nested_multi_output_batches_flatten():
    preds = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    assert L.mse(preds, [[0.0, 2.0], [1.0, 1.0]]).data == pytest.approx((1 + 0 + 1 + 4) / 4)
    single = L.mse(Value(3.0), 1.0)  # one prediction, one target
    assert single.data == 4.0
    assert single.op == "**2"  # the mean of one term is the term: no "/ 1" node to draw


# ------------------------------------------------------------------------ binary losses


def test_binary_cross_entropy_against_numpy():
    ref = -np.mean(B * np.log(P) + (1 - B) * np.log(1 - P))
    assert L.binary_cross_entropy(vals(P), B).data == pytest.approx(ref, rel=1e-13)
    soft = np.array([0.2, 0.5, 0.9, 0.0, 1.0, 0.3, 0.7])
    ref_soft = -np.mean(soft * np.log(P) + (1 - soft) * np.log(1 - P))
    assert L.binary_cross_entropy(vals(P), soft).data == pytest.approx(ref_soft, rel=1e-13)
    check_grad(L.binary_cross_entropy, P, soft.tolist())


def test_binary_cross_entropy_clips_at_zero_and_one():
    p = [Value(0.0), Value(1.0)]
    loss = L.binary_cross_entropy(p, [1.0, 0.0], eps=1e-7)
    assert loss.data == pytest.approx(-math.log(1e-7), rel=1e-9)
    loss.backward()
    assert [v.grad for v in p] == [0.0, 0.0]  # a clipped probability gets no gradient
    with pytest.raises(ValueError, match="prediction 1 is 1.5.*with_logits"):
        L.binary_cross_entropy([0.5, 1.5], [0, 1])


def test_bce_with_logits_matches_bce_of_sigmoid_and_is_stable():
    z = RNG.normal(size=7) * 3
    s = 1 / (1 + np.exp(-z))
    ref = -np.mean(B * np.log(s) + (1 - B) * np.log(1 - s))
    assert L.binary_cross_entropy_with_logits(vals(z), B).data == pytest.approx(ref, rel=1e-12)
    check_grad(L.binary_cross_entropy_with_logits, z, B.tolist())
    # Gradient is (sigmoid(z) - t) / n.
    zs = vals(z)
    L.binary_cross_entropy_with_logits(zs, B).backward()
    np.testing.assert_allclose([v.grad for v in zs], (s - B) / len(z), rtol=1e-12)
    # Logits of +-1000: the loss is exactly the margin lost, never inf or nan.
    far = L.binary_cross_entropy_with_logits([Value(1000.0), Value(-1000.0)], [0.0, 1.0])
    assert far.data == pytest.approx(1000.0)
    near = L.binary_cross_entropy_with_logits([Value(1000.0), Value(-1000.0)], [1.0, 0.0])
    assert near.data == 0.0


def test_hinge_and_exponential_against_numpy():
    assert L.hinge(vals(Y), PM).data == pytest.approx(np.mean(np.maximum(0, 1 - PM * Y)))
    assert L.hinge(vals(Y), PM, margin=0.5, reduction="sum").data == pytest.approx(
        np.sum(np.maximum(0, 0.5 - PM * Y))
    )
    assert L.exponential_loss(vals(Y), PM).data == pytest.approx(np.mean(np.exp(-PM * Y)))
    check_grad(L.hinge, Y, PM.tolist())  # no sample sits exactly on the kink here
    check_grad(L.exponential_loss, Y, PM.tolist())


def test_hinge_is_micrograds_moons_loss():
    """micrograd: losses = [(1 + -yi*scorei).relu() ...]; data_loss = sum(losses) / len."""
    scores = vals(Y)
    mine = L.hinge(scores, PM)
    theirs = sum((1 + -yi * si).relu() for yi, si in zip(PM.tolist(), vals(Y))) * (1.0 / len(Y))
    assert mine.data == pytest.approx(theirs.data, rel=1e-14)


# ------------------------------------------------------------------------ class losses

LOGITS = RNG.normal(size=(4, 3)) * 2
CLASSES = [2, 0, 1, 2]


def test_softmax_cross_entropy_against_numpy():
    z = LOGITS
    lse = z.max(1) + np.log(np.exp(z - z.max(1, keepdims=True)).sum(1))
    ref = np.mean(lse - z[np.arange(4), CLASSES])
    batch = [vals(row) for row in z]
    assert L.softmax_cross_entropy(batch, CLASSES).data == pytest.approx(ref, rel=1e-13)
    one_hot = np.eye(3)[CLASSES].tolist()
    assert L.softmax_cross_entropy(batch, one_hot).data == pytest.approx(ref, rel=1e-13)


def test_softmax_cross_entropy_gradient_is_a_minus_y():
    """The seed's derivation: dC/dz_i = a_i - y_i, with a_i computed here in plain floats."""
    for z, k in zip(LOGITS, CLASSES):
        zs = vals(z)
        L.softmax_cross_entropy(zs, k).backward()
        e = [math.exp(x - max(z)) for x in z]
        a = [ei / sum(e) for ei in e]
        y = [1.0 if i == k else 0.0 for i in range(3)]
        for v, ai, yi in zip(zs, a, y):
            assert v.grad == pytest.approx(ai - yi, rel=1e-12, abs=1e-15)
    # soft targets too
    soft = [0.2, 0.5, 0.3]
    zs = vals(LOGITS[0])
    L.softmax_cross_entropy(zs, soft).backward()
    a = np.exp(LOGITS[0]) / np.exp(LOGITS[0]).sum()
    np.testing.assert_allclose([v.grad for v in zs], a - soft, rtol=1e-12)


def test_softmax_cross_entropy_is_stable_at_1000():
    loss = L.softmax_cross_entropy([Value(1000.0), Value(-1000.0)], 1)
    assert loss.data == pytest.approx(2000.0)
    assert L.softmax_cross_entropy([Value(1000.0), Value(-1000.0)], 0).data == 0.0


def test_categorical_cross_entropy_from_probabilities():
    a = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    ref = -np.mean(np.log(a[np.arange(4), CLASSES]))
    batch = [vals(row) for row in a]
    assert L.categorical_cross_entropy(batch, CLASSES).data == pytest.approx(ref, rel=1e-13)
    check_grad(L.categorical_cross_entropy, a[0], 2)
    with pytest.raises(ValueError, match="class 1 is 1.2"):
        L.categorical_cross_entropy([0.1, 1.2], 0)


def test_multiclass_hinge_against_numpy():
    s = LOGITS
    ref = np.mean(
        [
            sum(max(0.0, s[i, j] - s[i, k] + 1.0) for j in range(3) if j != k)
            for i, k in enumerate(CLASSES)
        ]
    )
    batch = [vals(row) for row in s]
    assert L.multiclass_hinge(batch, CLASSES).data == pytest.approx(ref, rel=1e-13)
    check_grad(L.multiclass_hinge, s[0], 2)


@pytest.mark.parametrize("loss", [L.softmax_cross_entropy, L.multiclass_hinge])
def test_class_loss_gradients(loss):
    for z, k in zip(LOGITS, CLASSES):
        check_grad(loss, z, k)


# ------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: L.mse([1.0, 2.0], [1.0]), "2 entries but targets has 1"),
        (lambda: L.mse([], []), "empty"),
        (lambda: L.mae([[1.0, 2.0]], [[1.0]]), r"predictions\[0\] has 2 entries"),
        (lambda: L.mse([1.0], [float("nan")]), "not a finite number"),
        (lambda: L.mse([1.0], [1.0], reduction="avg"), "reduction"),
        (lambda: L.hinge([0.5], [0]), "labels -1 or \\+1.*2 t - 1"),
        (lambda: L.exponential_loss([0.5], [2]), "labels -1 or \\+1"),
        (lambda: L.binary_cross_entropy([0.5], [2.0]), "targets in \\[0, 1\\]"),
        (lambda: L.softmax_cross_entropy([1.0, 2.0], 2), "index target = 2 is not in 0..1"),
        (lambda: L.softmax_cross_entropy([1.0, 2.0], 0.5), "not an integer"),
        (lambda: L.softmax_cross_entropy([1.0, 2.0], [0.5, 0.6]), "summing to 1"),
        (lambda: L.softmax_cross_entropy([[1.0, 2.0]], [0, 1]), "1 samples but 2"),
        (lambda: L.softmax_cross_entropy([], 0), "non-empty"),
        (lambda: L.multiclass_hinge([1.0, 2.0], [0.5, 0.5]), "must be one class"),
        (lambda: L.huber([1.0], [1.0], delta=0), "delta must be > 0"),
        (lambda: L.get_loss("nope"), "unknown loss 'nope'; known: .*mse"),
    ],
)
def test_bad_input_is_refused_with_a_named_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_get_loss_names():
    assert L.get_loss("MSE") is L.mse
    assert L.get_loss("categorical_crossentropy") is L.categorical_cross_entropy
    assert L.get_loss(L.hinge) is L.hinge


# ------------------------------------------------------------------------ torch parity


def test_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional

    def both(ours, theirs, preds, targets, torch_targets=None):
        vs = [[Value(float(x)) for x in row] for row in preds] if preds.ndim == 2 else vals(preds)
        out = ours(vs, targets)
        out.backward()
        t = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
        tt = torch_targets if torch_targets is not None else torch.tensor(np.asarray(targets))
        ref = theirs(t, tt)
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-15)
        flat = [v.grad for row in vs for v in row] if preds.ndim == 2 else [v.grad for v in vs]
        np.testing.assert_allclose(flat, t.grad.numpy().ravel(), rtol=1e-10, atol=1e-15)

    both(L.mse, F.mse_loss, Y, T)
    both(L.mae, F.l1_loss, Y, T)
    both(lambda p, t: L.huber(p, t, delta=0.7), lambda p, t: F.huber_loss(p, t, delta=0.7), Y, T)
    both(L.binary_cross_entropy, F.binary_cross_entropy, P, B)
    both(L.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, Y, B)
    classes = torch.tensor(CLASSES)
    both(L.softmax_cross_entropy, F.cross_entropy, LOGITS, CLASSES, classes)
    # torch's multi_margin_loss divides the SVM sum by the number of classes
    both(
        lambda p, t: L.multiclass_hinge(p, t) / 3,
        F.multi_margin_loss,
        LOGITS,
        CLASSES,
        classes,
    )


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-20, 20, allow_nan=False), min_size=2, max_size=6),
    st.integers(min_value=0, max_value=5),
)
def test_softmax_cross_entropy_gradient_property(z, k):
    k = k % len(z)
    zs = vals(z)
    loss = L.softmax_cross_entropy(zs, k)
    loss.backward()
    e = np.exp(np.array(z) - max(z))
    a = e / e.sum()
    lse = max(z) + math.log(e.sum())  # -log a_k = lse - z_k, exact even when a_k underflows
    assert loss.data == pytest.approx(lse - z[k], rel=1e-12, abs=1e-12)
    np.testing.assert_allclose([v.grad for v in zs], a - np.eye(len(z))[k], atol=1e-12)
