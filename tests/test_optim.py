"""Optimizers: each update against a hand computation of its formula, and against torch.optim."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value
from microgrid.optim import SGD, Adagrad, Adam, Optimizer, RMSprop

GRADS = [1.0, -2.0, 0.5, 3.0, -0.25]  # a fixed gradient sequence fed by hand


def feed(opt: Optimizer, p: Value, grads: list[float]) -> list[float]:
    """Set p.grad to each gradient in turn, step, and record p.data after every step."""
    out = []
    for g in grads:
        p.grad = g
        opt.step()
        out.append(p.data)
    return out


# ------------------------------------------------------------------ hand computations
def test_vanilla_sgd_is_theta_minus_lr_grad():
    p = Value(1.0)
    got = feed(SGD([p], lr=0.1), p, GRADS)
    w, expected = 1.0, []
    for g in GRADS:
        w = w - 0.1 * g
        expected.append(w)
    assert got == pytest.approx(expected, abs=1e-15)


def test_momentum_matches_the_seeds_velocity_form():
    # seed 002: v = mu*v - lr*dx; x = x + v (a different bookkeeping, same path at constant lr)
    p = Value(1.0)
    got = feed(SGD([p], lr=0.1, momentum=0.9), p, GRADS)
    x, v, expected = 1.0, 0.0, []
    for g in GRADS:
        v = 0.9 * v - 0.1 * g
        x = x + v
        expected.append(x)
    assert got == pytest.approx(expected, abs=1e-14)


def test_dampening_scales_later_gradients_but_not_the_first():
    p = Value(0.0)
    got = feed(SGD([p], lr=0.5, momentum=0.5, dampening=0.25), p, [2.0, 2.0])
    b1 = 2.0
    w1 = 0.0 - 0.5 * b1
    b2 = 0.5 * b1 + 0.75 * 2.0
    w2 = w1 - 0.5 * b2
    assert got == pytest.approx([w1, w2], abs=1e-15)


def test_nesterov_holds_the_seeds_look_ahead_point():
    # seed 002's Nesterov on f(x) = x^2: x_ahead = x + mu*v; v = mu*v - lr*f'(x_ahead); x += v.
    # The re-parameterized update keeps w = x + mu*v; check that after every step.
    mu, lr = 0.9, 0.05
    p = Value(2.0)
    opt = SGD([p], lr=lr, momentum=mu, nesterov=True)
    x, v = 2.0, 0.0
    for _ in range(8):
        p.grad = 2.0 * p.data  # f'(w) at the held point
        opt.step()
        x_ahead = x + mu * v
        v = mu * v - lr * 2.0 * x_ahead
        x = x + v
        assert p.data == pytest.approx(x + mu * v, abs=1e-14)


def test_weight_decay_is_the_seeds_shrink():
    # seed 004: w = (1 - eta*alpha) w - eta * dJ/dw
    eta, alpha = 0.1, 0.3
    p = Value(2.0)
    opt = SGD([p], lr=eta, weight_decay=alpha)
    w = 2.0
    for g in GRADS:
        p.grad = g
        opt.step()
        w = (1 - eta * alpha) * w - eta * g
        assert p.data == pytest.approx(w, abs=1e-15)


def test_weight_decay_alone_shrinks_geometrically():
    p = Value(5.0)
    opt = SGD([p], lr=0.1, weight_decay=0.5)
    for k in range(1, 11):
        p.grad = 0.0
        opt.step()
        assert p.data == pytest.approx(5.0 * (1 - 0.1 * 0.5) ** k, rel=1e-14)


def test_adagrad_matches_the_seeds_cache_formula():
    # seed 002: cache += dx**2; x += -lr * dx / (np.sqrt(cache) + eps)
    p = Value(1.0)
    got = feed(Adagrad([p], lr=0.3, eps=1e-6), p, GRADS)
    x, cache, expected = 1.0, 0.0, []
    for dx in GRADS:
        cache += dx**2
        x += -0.3 * dx / (math.sqrt(cache) + 1e-6)
        expected.append(x)
    assert got == pytest.approx(expected, abs=1e-14)


def test_adagrad_first_step_is_lr_times_sign():
    p = Value(0.0)
    feed(Adagrad([p], lr=0.25, eps=0.0), p, [-7.0])
    assert p.data == 0.25


def test_rmsprop_running_average():
    p = Value(1.0)
    got = feed(RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8), p, GRADS)
    x, s, expected = 1.0, 0.0, []
    for g in GRADS:
        s = 0.9 * s + 0.1 * g * g
        x = x - 0.01 * g / (math.sqrt(s) + 1e-8)
        expected.append(x)
    assert got == pytest.approx(expected, abs=1e-15)


def test_rmsprop_momentum_and_centered():
    p = Value(1.0)
    got = feed(RMSprop([p], lr=0.01, alpha=0.8, momentum=0.5, centered=True), p, GRADS)
    x, s, m, b, expected = 1.0, 0.0, 0.0, 0.0, []
    for g in GRADS:
        s = 0.8 * s + 0.2 * g * g
        m = 0.8 * m + 0.2 * g
        b = 0.5 * b + g / (math.sqrt(s - m * m) + 1e-8)
        x = x - 0.01 * b
        expected.append(x)
    assert got == pytest.approx(expected, abs=1e-14)


def test_adam_bias_corrected():
    p = Value(1.0)
    got = feed(Adam([p], lr=0.1, betas=(0.8, 0.95), eps=1e-8), p, GRADS)
    x, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g * g
        m_hat = m / (1 - 0.8**t)
        v_hat = v / (1 - 0.95**t)
        x = x - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
        expected.append(x)
    assert got == pytest.approx(expected, abs=1e-14)


def test_adam_first_step_is_about_lr():
    # bias correction makes the first step lr * g/|g| whatever the gradient's size
    for g in (1e-3, 5.0, -40.0):
        p = Value(0.0)
        feed(Adam([p], lr=0.01), p, [g])
        assert p.data == pytest.approx(-0.01 * math.copysign(1.0, g), rel=1e-4)


# ------------------------------------------------------------------ mechanics
def test_state_is_kept_per_parameter_in_order():
    ps = [Value(0.0), Value(0.0), Value(0.0)]
    opt = Adagrad(ps, lr=0.1)
    for p, g in zip(ps, (1.0, 2.0, 3.0)):
        p.grad = g
    opt.step()
    assert [s["sum"] for s in opt.state] == [1.0, 4.0, 9.0]
    assert opt.params == ps


def test_zero_grad_clears_every_parameter():
    ps = [Value(1.0), Value(2.0)]
    loss = ps[0] * ps[1]
    loss.backward()
    opt = SGD(ps, lr=0.1)
    assert [p.grad for p in ps] == [2.0, 1.0]
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_step_runs_under_no_grad():
    seen = []

    class Probe(Optimizer):
        def _update(self, w, g, state):
            seen.append(microgrid.is_grad_enabled())
            return w

    Probe([Value(1.0)], lr=0.1).step()
    assert seen == [False]
    assert microgrid.is_grad_enabled()


def test_parameters_stay_leaves_after_step():
    w = Value(1.0, label="w")
    (w * w).backward()
    SGD([w], lr=0.1).step()
    assert w.is_leaf and w.label == "w" and w.data == pytest.approx(0.8)


def test_nonfinite_gradient_is_refused_and_nothing_changes():
    a, b = Value(1.0), Value(2.0, label="w5")
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(FloatingPointError, match=r"params\[1\] \('w5'\)"):
        opt.step()
    assert (a.data, b.data, opt.steps, opt.state[0]) == (1.0, 2.0, 0, {})


def test_lr_can_be_changed_and_is_validated():
    opt = SGD([Value(0.0)], lr=0.1)
    opt.lr = 0.05
    assert opt.lr == 0.05
    with pytest.raises(ValueError, match="lr must be >= 0"):
        opt.lr = -1.0
    assert opt.lr == 0.05


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), "lr must be >= 0"),
        (lambda p: SGD(p, lr=math.nan), "lr must be finite"),
        (lambda p: SGD(p, lr=math.inf), "lr must be finite"),
        (lambda p: SGD(p, lr="0.1"), "lr must be a real number"),
        (lambda p: SGD(p, lr=True), "lr must be a real number"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), "momentum must be < 1"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum must be >= 0"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda p: SGD(p, lr=0.1, nesterov=1), "nesterov must be True or False"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), "weight_decay must be >= 0"),
        (lambda p: Adagrad(p, eps=-1e-10), "eps must be >= 0"),
        (lambda p: RMSprop(p, alpha=1.0), "alpha must be < 1"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), "beta2 must be < 1"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), "beta1 must be >= 0"),
        (lambda p: Adam(p, betas=0.9), "betas must be a pair"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make([Value(1.0)])


def test_bad_parameter_lists_are_refused():
    v = Value(1.0)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="not one Value"):
        SGD(v, lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is a float"):
        SGD([v, 2.0], lr=0.1)
    with pytest.raises(ValueError, match=r"params\[1\] is the same Value as params\[0\]"):
        SGD([v, v], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Values"):
        SGD(3, lr=0.1)


def test_generator_of_parameters_is_accepted():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD((p for p in ps), lr=0.1)
    assert opt.params == ps


# ------------------------------------------------------------------ against torch.optim
def _problem(x, y):
    """A bent valley (Rosenbrock-like) with a cross term: works for Values and torch tensors."""
    return (1 - x) ** 2 + 5 * (y - x * x) ** 2 + 0.1 * x * y


CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.01, momentum=0.5, dampening=0.3)),
    ("SGD", dict(lr=0.01, momentum=0.8, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.7, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.3)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.02)),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_matches_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    start = (-1.2, 1.0)
    ours = [Value(start[0]), Value(start[1])]
    opt = getattr(microgrid.optim, name)(ours, **kwargs)
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(30):
        if step == 20:  # a schedule changing lr mid-run must agree too
            opt.lr = kwargs["lr"] / 2
            for group in topt.param_groups:
                group["lr"] = kwargs["lr"] / 2
        opt.zero_grad()
        _problem(*ours).backward()
        opt.step()
        topt.zero_grad()
        _problem(*theirs).backward()
        topt.step()
        for a, b in zip(ours, theirs):
            assert a.data == pytest.approx(b.item(), abs=1e-9), f"step {step}"
    assert ours[0].data != start[0]  # it actually moved


@settings(max_examples=25, deadline=None)
@given(
    grads=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=8),
    start=st.floats(-10, 10),
    config=st.sampled_from(CONFIGS),
)
def test_matches_torch_on_any_gradient_sequence(grads, start, config):
    torch = pytest.importorskip("torch")
    name, kwargs = config
    p = Value(start)
    opt = getattr(microgrid.optim, name)([p], **kwargs)
    t = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([t], **kwargs)
    for g in grads:
        p.grad = g
        opt.step()
        t.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        assert p.data == pytest.approx(t.item(), rel=1e-9, abs=1e-9)
