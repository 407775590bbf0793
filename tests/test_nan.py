"""NaN is never hidden: every op passes it on and fit stops on it; edge cases of inf and pow."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import microgrid
from microgrid import Value, nn, no_grad, ops

NAN = math.nan

#: One way to call every computed op of the table with a first operand ``a`` (and a second
#: operand 0.5 for binary ops); the test below keeps this in step with ``ops.COMPUTED``.
CALLS: dict[str, Callable[[Value], Value]] = {
    "+": lambda a: a + 0.5,
    "-": lambda a: a - 0.5,
    "*": lambda a: a * 0.5,
    "/": lambda a: a / 0.5,
    "**": lambda a: a ** Value(0.5),
    "pow": lambda a: a**2,
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "abs": lambda a: a.abs(),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(0.1),
    "elu": lambda a: a.elu(),
    "softplus": lambda a: a.softplus(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "max": lambda a: microgrid.maximum(a, 0.5),
    "min": lambda a: microgrid.minimum(a, 0.5),
}
#: The same ops with the NaN in the *second* operand, for the binary ones.
SECOND: dict[str, Callable[[Value], Value]] = {
    "+": lambda b: 0.5 + b,
    "-": lambda b: 0.5 - b,
    "*": lambda b: 0.5 * b,
    "/": lambda b: 0.5 / b,
    "**": lambda b: Value(0.5) ** b,
    "max": lambda b: microgrid.maximum(0.5, b),
    "min": lambda b: microgrid.minimum(0.5, b),
}


def test_every_op_of_the_table_is_covered() -> None:
    assert set(CALLS) == {op.name for op in ops.COMPUTED}
    assert set(SECOND) == {op.name for op in ops.COMPUTED if op.arity == 2}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_nan_passes_through_every_op(name: str) -> None:
    out = CALLS[name](Value(NAN, label="x"))
    assert out.op.name == name
    assert math.isnan(out.data), f"{name}(nan) = {out.data!r}"


@pytest.mark.parametrize("name", sorted(SECOND))
def test_nan_passes_through_every_binary_op_as_second_operand(name: str) -> None:
    out = SECOND[name](Value(NAN))
    assert out.op.name == name and math.isnan(out.data)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "abs", "max", "min"])
def test_ops_with_a_branch_give_nan_gradient_at_nan(name: str) -> None:
    # These ops pick a branch by comparing x; NaN compares False, which used to pick 0.
    x = Value(NAN, label="x")
    CALLS[name](x).backward()
    assert math.isnan(x.grad)


@pytest.mark.parametrize(
    ("name", "x", "value", "grad"),
    [
        ("relu", 2.0, 2.0, 1.0),
        ("relu", -2.0, 0.0, 0.0),
        ("abs", -2.0, 2.0, -1.0),
        ("abs", 0.0, 0.0, 0.0),
        ("leaky_relu", -2.0, -0.2, 0.1),
        ("max", -2.0, 0.5, 0.0),
        ("min", -2.0, -2.0, 1.0),
    ],
)
def test_finite_inputs_keep_their_values_and_derivatives(name, x, value, grad) -> None:
    v = Value(x)
    out = CALLS[name](v)
    out.backward()
    assert (out.data, v.grad) == (value, grad)


def test_a_nan_weight_no_longer_trains_silently_through_relu() -> None:
    model = nn.MLP(2, [4, 1], activation="relu", seed=0)
    dict(model.named_parameters())["layer0.neuron2.w0"].data = NAN
    assert math.isnan(model([0.3, -0.2]).data)


# ------------------------------------------------------------------------------ sin, cos, pow


@pytest.mark.parametrize("x", [math.inf, -math.inf])
@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_and_cos_of_infinity_are_nan_as_in_torch(name: str, x: float) -> None:
    torch = pytest.importorskip("torch")
    v = Value(x)
    out = CALLS[name](v)
    expected = getattr(torch, name)(torch.tensor(x, dtype=torch.float64)).item()
    assert math.isnan(out.data) and math.isnan(expected)
    out.backward()
    assert math.isnan(v.grad)


def test_a_power_whose_derivative_overflows_still_computes() -> None:
    x = Value(1e-170)
    y = x**-1
    assert y.data == 1.0 / 1e-170 == (1 / x).data
    assert y.local_grads == (-math.inf,)  # -1 * 1e-170 ** -2 = -1e340: beyond a float
    with no_grad():
        assert (Value(1e-170) ** -1).data == 1e170
    z = Value(-1e-110) ** -2  # result 1e220 fits; slope -2 * (-1e-110) ** -3 = +2e330 does not
    assert z.data == pytest.approx(1e220) and z.local_grads == (math.inf,)
    w = Value(-1e-160) ** -1  # slope -1 * (-1e-160) ** -2 = -1e320
    assert w.data == pytest.approx(-1e160) and w.local_grads == (-math.inf,)


def test_a_power_whose_result_overflows_still_says_so() -> None:
    with pytest.raises(OverflowError, match=r"pow: .* overflows a float"):
        Value(1e-170) ** -2


def test_a_value_exponent_with_an_overflowing_slope() -> None:
    base, p = Value(1e-170), Value(-1.0)
    out = base**p
    assert out.data == 1e170
    assert out.local_grads[0] == -math.inf
    assert out.local_grads[1] == pytest.approx(1e170 * math.log(1e-170))


# ------------------------------------------------------------------------------ fit


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.5, -0.3], [0.1, 0.8], [-0.6, 0.2], [0.9, 0.4]])
    return X, X[:, 0] - 0.5 * X[:, 1]


def test_fit_stops_at_a_non_finite_gradient_and_names_the_parameter() -> None:
    # The loss sqrt(|p - t|) is 0 where the prediction is exact: finite, with an infinite slope.
    model = nn.MLP(2, [1], activation=None, seed=0)
    for p in model.parameters():
        p.data = 0.0
    X = np.zeros((3, 2))
    y = np.zeros(3)

    def root_loss(p: Value, t: float) -> Value:
        return (p - t).abs().sqrt()

    with pytest.raises(FloatingPointError) as info:
        microgrid.fit(model, X, y, loss=root_loss, optimizer="sgd", lr=0.1, epochs=2)
    text = str(info.value)
    assert "the gradient of layer0.neuron0.w0 became nan in epoch 0, batch 0" in text
    assert "detect_anomaly" in text


def test_fit_stops_when_a_step_makes_a_parameter_infinite() -> None:
    X, y = _data()
    model = nn.MLP(2, [1], activation=None, seed=0)
    after_step = r"became -?inf after the optimizer step in epoch 0"
    with pytest.raises(FloatingPointError, match=after_step):
        microgrid.fit(model, X, y * 1e3, loss="mse", optimizer="sgd", lr=1e306, epochs=3)


def test_fit_with_a_nan_weight_stops_at_once() -> None:
    X, y = _data()
    model = nn.MLP(2, [3, 1], activation="relu", seed=1)
    model.parameters()[0].data = NAN
    with pytest.raises(FloatingPointError, match="loss became nan in epoch 0, batch 0"):
        microgrid.fit(model, X, y, loss="mse", optimizer="sgd", lr=0.1, epochs=50)


def test_fit_still_trains_when_everything_is_finite() -> None:
    X, y = _data()
    model = nn.MLP(2, [3, 1], seed=2)
    history = microgrid.fit(model, X, y, loss="mse", optimizer="adam", lr=0.05, epochs=30)
    assert history.epochs == 30 and history.loss[-1] < history.loss[0]
    assert all(math.isfinite(p.data) for p in model.parameters())
