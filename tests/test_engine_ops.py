"""Every op of ``Value``: forward value against ``math``, gradient against central differences.

Each op gets its own domain, chosen away from kinks and domain edges, so the tolerances stay
tight (rtol 1e-5, atol 1e-6 against differences with eps 1e-6). The derivative used *at* a kink
is tested separately, as documented in the engine's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import nonzero_reals, reals, separated_pairs

import microgrid
from microgrid import Value, numerical_gradient

RTOL, ATOL = 1e-5, 1e-6


def close_grad(analytic: float, numeric: float) -> bool:
    return abs(analytic - numeric) <= ATOL + RTOL * abs(numeric)


def close_value(got: float, expected: float) -> bool:
    return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-300)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------------------ unary ops
@dataclass(frozen=True)
class Unary:
    """An op of one Value: how to call it, its math twin, its op name and a safe domain."""

    name: str
    op: Callable[[Value], Value]
    math: Callable[[float], float]
    domain: st.SearchStrategy[float]


UNARY = [
    Unary("neg", lambda v: -v, lambda x: -x, reals(-100, 100)),
    Unary("exp", Value.exp, math.exp, reals(-30, 30)),
    Unary("log", Value.log, math.log, reals(0.01, 1000)),
    Unary("sqrt", Value.sqrt, math.sqrt, reals(0.01, 1000)),
    Unary("abs", Value.abs, abs, nonzero_reals(1e-3, 100)),
    Unary("tanh", Value.tanh, math.tanh, reals(-20, 20)),
    Unary("sigmoid", Value.sigmoid, sigmoid, reals(-30, 30)),
    Unary("relu", Value.relu, lambda x: x if x > 0 else 0.0, nonzero_reals(1e-3, 100)),
    Unary(
        "leaky_relu",
        Value.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,
        nonzero_reals(1e-3, 100),
    ),
    Unary("elu", Value.elu, lambda x: x if x > 0 else math.expm1(x), nonzero_reals(1e-3, 30)),
    Unary("softplus", Value.softplus, lambda x: math.log1p(math.exp(x)), reals(-30, 30)),
    Unary("sin", Value.sin, math.sin, reals(-10, 10)),
    Unary("cos", Value.cos, math.cos, reals(-10, 10)),
    Unary("**2", lambda v: v**2, lambda x: x**2, reals(-100, 100)),
    Unary("**3", lambda v: v**3, lambda x: x**3, reals(-20, 20)),
    Unary("**-1", lambda v: v**-1, lambda x: x**-1, nonzero_reals(0.1, 100)),
    Unary("**-2", lambda v: v**-2, lambda x: x**-2, nonzero_reals(0.1, 100)),
    Unary("**0.5", lambda v: v**0.5, math.sqrt, reals(0.01, 1000)),
    Unary("**1.5", lambda v: v**1.5, lambda x: x**1.5, reals(0.01, 100)),
    Unary("**-0.5", lambda v: v**-0.5, lambda x: x**-0.5, reals(0.01, 100)),
    Unary("**0", lambda v: v**0, lambda x: 1.0, reals(-100, 100)),
]


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
@given(data=st.data())
def test_unary_forward_and_gradient(case: Unary, data: st.DataObject) -> None:
    x = data.draw(case.domain, label="x")
    v = Value(x)
    y = case.op(v)
    assert close_value(y.data, case.math(x))
    assert type(y.data) is float
    assert y.op == case.name
    assert y.children == (v,) and len(y.local_grads) == 1
    y.backward()
    [numeric] = numerical_gradient(case.math, [x])
    assert close_grad(v.grad, numeric), (x, v.grad, numeric)
    assert v.grad == y.local_grads[0]  # the seed is 1, so the leaf gets the edge's derivative


@given(x=nonzero_reals(1e-3, 30), alpha=reals(0.0, 2.0))
def test_leaky_relu_and_elu_with_any_alpha(x: float, alpha: float) -> None:
    for method, f in [
        (Value.leaky_relu, lambda t: t if t > 0 else alpha * t),
        (Value.elu, lambda t: t if t > 0 else alpha * math.expm1(t)),
    ]:
        v = Value(x)
        y = method(v, alpha)
        assert close_value(y.data, f(x))
        y.backward()
        assert close_grad(v.grad, numerical_gradient(f, [x])[0])


@given(x=reals(0.05, 10), p=reals(-3, 3))
def test_pow_with_any_real_exponent_of_a_positive_base(x: float, p: float) -> None:
    v = Value(x)
    y = v**p
    assert y.data == x**p
    y.backward()
    assert close_grad(v.grad, numerical_gradient(lambda t: t**p, [x])[0])


@given(x=nonzero_reals(0.1, 10), p=st.integers(-4, 4))
def test_pow_with_an_integer_exponent_of_any_base(x: float, p: int) -> None:
    v = Value(x)
    y = v**p
    assert y.op == f"**{p}"
    assert close_value(y.data, x**p)
    y.backward()
    assert close_grad(v.grad, numerical_gradient(lambda t: t**p, [x])[0])


# ----------------------------------------------------------------------------- binary ops
@dataclass(frozen=True)
class Binary:
    name: str
    op: Callable[[Value, Value], Value]
    math: Callable[[float, float], float]
    domain: st.SearchStrategy[tuple[float, float]]


def _pairs(a: st.SearchStrategy[float], b: st.SearchStrategy[float]) -> st.SearchStrategy:
    return st.tuples(a, b)


BINARY = [
    Binary("+", lambda a, b: a + b, lambda a, b: a + b, _pairs(reals(-100, 100), reals(-100, 100))),
    Binary("-", lambda a, b: a - b, lambda a, b: a - b, _pairs(reals(-100, 100), reals(-100, 100))),
    Binary("*", lambda a, b: a * b, lambda a, b: a * b, _pairs(reals(-10, 10), reals(-10, 10))),
    Binary(
        "/", lambda a, b: a / b, lambda a, b: a / b, _pairs(reals(-10, 10), nonzero_reals(0.1, 10))
    ),
    Binary("**", lambda a, b: a**b, lambda a, b: a**b, _pairs(reals(0.05, 10), reals(-3, 3))),
    Binary(
        "max", microgrid.maximum, lambda a, b: a if a >= b else b, separated_pairs(-100, 100, 1e-3)
    ),
    Binary(
        "min", microgrid.minimum, lambda a, b: a if a <= b else b, separated_pairs(-100, 100, 1e-3)
    ),
]


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
@given(data=st.data())
def test_binary_forward_and_gradient(case: Binary, data: st.DataObject) -> None:
    a, b = data.draw(case.domain, label="(a, b)")
    va, vb = Value(a), Value(b)
    y = case.op(va, vb)
    assert y.data == case.math(a, b)  # the same float operation: bit for bit
    assert y.op == case.name
    assert y.children == (va, vb) and len(y.local_grads) == 2
    y.backward()
    numeric = numerical_gradient(case.math, [a, b])
    assert close_grad(va.grad, numeric[0]), ("d/da", a, b, va.grad, numeric[0])
    assert close_grad(vb.grad, numeric[1]), ("d/db", a, b, vb.grad, numeric[1])


# ------------------------------------------------------------- numbers on either side of an op
CONSTANT_SIDE = [
    ("x + c", lambda v, c: v + c, lambda x, c: x + c, "+"),
    ("c + x", lambda v, c: c + v, lambda x, c: c + x, "+"),
    ("x - c", lambda v, c: v - c, lambda x, c: x - c, "-"),
    ("c - x (rsub)", lambda v, c: c - v, lambda x, c: c - x, "-"),
    ("x * c", lambda v, c: v * c, lambda x, c: x * c, "*"),
    ("c * x", lambda v, c: c * v, lambda x, c: c * x, "*"),
    ("x / c", lambda v, c: v / c, lambda x, c: x / c, "/"),
    ("c / x (rtruediv)", lambda v, c: c / v, lambda x, c: c / x, "/"),
    ("c ** x (number ** Value)", lambda v, c: abs(c) ** v, lambda x, c: abs(c) ** x, "**"),
    ("max(x, c)", lambda v, c: microgrid.maximum(v, c), lambda x, c: x if x >= c else c, "max"),
    ("min(c, x)", lambda v, c: microgrid.minimum(c, v), lambda x, c: c if c <= x else x, "min"),
]


@pytest.mark.parametrize("name, op, f, op_name", CONSTANT_SIDE, ids=[c[0] for c in CONSTANT_SIDE])
@given(x=nonzero_reals(0.1, 5), c=nonzero_reals(0.1, 5))
def test_a_number_on_either_side_is_wrapped_as_a_constant(name, op, f, op_name, x, c) -> None:
    assume(op_name not in ("max", "min") or abs(x - c) >= 1e-3)  # a tie is the kink; see below
    v = Value(x)
    y = op(v, c)
    assert y.op == op_name
    assert close_value(y.data, f(x, c))
    constants = [child for child in y.children if child is not v]
    assert len(constants) == 1 and constants[0].op == "const" and constants[0].is_leaf
    y.backward()
    assert close_grad(v.grad, numerical_gradient(lambda t: f(t, c), [x])[0])


def test_number_operand_order_in_children() -> None:
    x = Value(3.0, label="x")
    assert (2 - x).children[1] is x and (2 - x).children[0].data == 2.0
    assert (2 / x).children[1] is x
    assert (2**x).children[1] is x and (2**x).children[0].data == 2.0
    assert (x - 2).children[0] is x


def test_numpy_scalars_work_as_operands() -> None:
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    y = x * np.float64(3.0) + np.int64(1) - np.float32(0.5)
    assert y.data == 6.5 and type(y.data) is float
    y.backward()
    assert x.grad == 3.0


# ---------------------------------------------------------------- derivatives at the kinks
def grad_at(op: Callable[[Value], Value], x: float) -> float:
    v = Value(x)
    op(v).backward()
    return v.grad


def test_relu_derivative_at_zero_is_zero() -> None:
    assert Value(0.0).relu().data == 0.0
    assert grad_at(Value.relu, 0.0) == 0.0
    assert grad_at(Value.relu, -0.0) == 0.0


def test_leaky_relu_derivative_at_zero_is_alpha() -> None:
    assert grad_at(Value.leaky_relu, 0.0) == 0.01
    assert grad_at(lambda v: v.leaky_relu(0.2), 0.0) == 0.2


def test_elu_derivative_at_zero_is_alpha() -> None:
    assert grad_at(Value.elu, 0.0) == 1.0
    assert grad_at(lambda v: v.elu(0.5), 0.0) == 0.5


def test_abs_derivative_at_zero_is_zero() -> None:
    assert Value(0.0).abs().data == 0.0
    assert grad_at(Value.abs, 0.0) == 0.0
    assert abs(Value(-2.0)).data == 2.0  # the builtin abs() works too


@pytest.mark.parametrize("pick", [microgrid.maximum, microgrid.minimum], ids=["max", "min"])
def test_a_tie_routes_the_whole_gradient_to_the_first_operand(pick) -> None:
    a, b = Value(1.5, label="a"), Value(1.5, label="b")
    y = pick(a, b)
    assert y.data == 1.5 and y.local_grads == (1.0, 0.0)
    y.backward()
    assert (a.grad, b.grad) == (1.0, 0.0)


@pytest.mark.parametrize("pick", [microgrid.maximum, microgrid.minimum], ids=["max", "min"])
def test_a_tie_with_itself_keeps_both_edges(pick) -> None:
    a = Value(2.0)
    y = pick(a, a)
    assert y.children == (a, a)
    y.backward()
    assert a.grad == 1.0


def test_sqrt_and_fractional_powers_have_a_vertical_slope_at_zero() -> None:
    assert grad_at(Value.sqrt, 0.0) == math.inf
    assert grad_at(lambda v: v**0.5, 0.0) == math.inf
    assert grad_at(lambda v: v**1.5, 0.0) == 0.0
    assert grad_at(lambda v: v**1, 0.0) == 1.0


def test_zero_exponent_has_zero_derivative_everywhere() -> None:
    for x in (-2.0, 0.0, 3.0):
        v = Value(x)
        y = v**0
        assert y.data == 1.0
        y.backward()
        assert v.grad == 0.0


def test_zero_base_to_a_positive_value_exponent() -> None:
    base, p = Value(0.0), Value(2.0)
    y = base**p
    assert y.data == 0.0
    y.backward()
    assert (base.grad, p.grad) == (0.0, 0.0)


@given(x=reals(-50, 50))
def test_derivatives_from_the_output_match_their_formulas(x: float) -> None:
    """tanh' = 1 - t^2, sigmoid' = s (1 - s), softplus' = sigmoid: checked at any x, kinks too."""
    t, s, sp = Value(x).tanh(), Value(x).sigmoid(), Value(x).softplus()
    assert t.local_grads[0] == 1.0 - t.data**2
    assert s.local_grads[0] == s.data * (1.0 - s.data)
    assert math.isclose(sp.local_grads[0], s.data, rel_tol=1e-12, abs_tol=1e-300)
