"""The tape's array kernels against the engine's scalar ops: same values, same local grads.

Every op of ``microgrid.tape_ops.KERNELS`` is run on arrays of points (kinks and domain edges
included) and compared, point by point, with the engine op on the same floats: the value and
each local derivative the engine stores on its edges. Inputs the engine refuses must be refused
by the kernel with the same kind of error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value, tape_ops
from microgrid.maxout import maxout
from microgrid.pooling import avg_pool2d, max_pool2d

POINTS = [-3.0, -1.0, -0.5, -1e-9, 0.0, 1e-9, 0.25, 0.5, 1.0, 2.0, 3.5, math.nan]
POSITIVE = [1e-6, 0.1, 0.5, 1.0, 2.0, 7.5]

# op name -> (engine call on Values, the points to try, parameter)
UNARY = {
    "neg": (lambda x, p: -x, POINTS, None),
    "exp": (lambda x, p: x.exp(), POINTS, None),
    "log": (lambda x, p: x.log(), POSITIVE, None),
    "sqrt": (lambda x, p: x.sqrt(), [0.0, *POSITIVE], None),
    "abs": (lambda x, p: x.abs(), POINTS, None),
    "tanh": (lambda x, p: x.tanh(), POINTS, None),
    "sigmoid": (lambda x, p: x.sigmoid(), [-800.0, *POINTS, 800.0], None),
    "relu": (lambda x, p: x.relu(), POINTS, None),
    "leaky_relu": (lambda x, p: x.leaky_relu(p), POINTS, 0.2),
    "elu": (lambda x, p: x.elu(p), POINTS, 0.7),
    "softplus": (lambda x, p: x.softplus(), [-800.0, *POINTS, 800.0], None),
    "sin": (lambda x, p: x.sin(), [*POINTS, math.inf, -math.inf], None),
    "cos": (lambda x, p: x.cos(), [*POINTS, math.inf, -math.inf], None),
    "pow": (lambda x, p: x**p, POINTS, 2.0),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "max": lambda a, b: microgrid.max(a, b),
    "min": lambda a, b: microgrid.min(a, b),
}


def _close(got: np.ndarray, want: list[float], rtol: float = 1e-14, atol: float = 1e-300) -> bool:
    """Equal to rounding: numpy's tanh, exp, ... may differ from libm's in the last bit."""
    want_arr = np.asarray(want, dtype=float)
    got = np.broadcast_to(np.asarray(got, dtype=float), want_arr.shape)
    same_inf = np.isinf(want_arr) == np.isinf(got)
    same_nan = np.isnan(want_arr) == np.isnan(got)  # a NaN must stay a NaN, never be hidden
    finite = np.isfinite(want_arr)
    infinite = np.isinf(want_arr)
    return bool(
        same_inf.all()
        and same_nan.all()
        and np.all(got[infinite] == want_arr[infinite])
        and np.allclose(got[finite], want_arr[finite], rtol=rtol, atol=atol)
    )


def test_every_engine_op_has_a_kernel() -> None:
    assert set(UNARY) | set(BINARY) | {"**"} | set(tape_ops.LAYER_KERNELS) == set(tape_ops.KERNELS)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_kernel_matches_engine(name: str) -> None:
    op, points, param = UNARY[name]
    outs = [op(Value(x), param) for x in points]
    out, local = tape_ops.KERNELS[name](np.asarray(points), param)
    assert _close(out, [o.data for o in outs]), name
    assert _close(local, [o.local_grads[0] for o in outs]), name


@pytest.mark.parametrize("p", [0.0, 1.0, 3.0, -1.0, -2.0, 0.5, 1.5])
def test_power_kernel_matches_engine_for_each_exponent(p: float) -> None:
    points = [x for x in [0.0, *POSITIVE, -2.0, -0.5] if (x >= 0 or p.is_integer())]
    points = [x for x in points if not (x == 0.0 and p < 0)]
    outs = [Value(x) ** p for x in points]
    out, local = tape_ops.power(np.asarray(points), p)
    assert _close(out, [o.data for o in outs])
    assert _close(local, [o.local_grads[0] for o in outs])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_kernel_matches_engine(name: str) -> None:
    pairs = [(a, b) for a in POINTS for b in POINTS if not (name == "/" and b == 0.0)]
    a, b = (np.asarray(side) for side in zip(*pairs))
    outs = [BINARY[name](Value(x), Value(y)) for x, y in pairs]
    out, local_a, local_b = tape_ops.KERNELS[name](a, b)
    assert _close(out, [o.data for o in outs])
    assert _close(local_a, [o.local_grads[0] for o in outs])
    assert _close(local_b, [o.local_grads[1] for o in outs])


def test_value_power_kernel_matches_engine() -> None:
    pairs = [(a, b) for a in [0.0, 0.3, 1.0, 2.5] for b in [-1.5, 0.5, 1.0, 2.0, 3.0]]
    pairs = [(a, b) for a, b in pairs if not (a == 0.0 and b <= 0.0)]
    a, b = (np.asarray(side) for side in zip(*pairs))
    outs = [Value(x) ** Value(y) for x, y in pairs]
    out, d_base, d_exp = tape_ops.power_value(a, b)
    assert _close(out, [o.data for o in outs])
    assert _close(d_base, [o.local_grads[0] for o in outs])
    assert _close(d_exp, [o.local_grads[1] for o in outs])


@pytest.mark.parametrize(
    ("name", "args", "engine"),
    [
        ("log", ([1.0, -0.5],), lambda: Value(-0.5).log()),
        ("log", ([0.0],), lambda: Value(0.0).log()),
        ("sqrt", ([4.0, -1.0],), lambda: Value(-1.0).sqrt()),
        ("exp", ([1.0, 800.0],), lambda: Value(800.0).exp()),
        ("/", ([1.0, 2.0], [3.0, 0.0]), lambda: Value(2.0) / Value(0.0)),
        ("**", ([-1.0], [2.0]), lambda: Value(-1.0) ** Value(2.0)),
    ],
)
def test_kernel_refuses_what_the_engine_refuses(name: str, args: tuple, engine) -> None:
    with pytest.raises(Exception) as scalar:
        engine()
    with pytest.raises(tape_ops.DomainError) as array:
        tape_ops.KERNELS[name](*(np.asarray([x]) for x in args))
    assert array.value.kind is type(scalar.value)
    assert array.value.sample == 0 or array.value.value_index[-1] == len(args[0]) - 1


def test_fractional_power_of_negative_base_is_refused_like_the_engine() -> None:
    with pytest.raises(ValueError):
        Value(-2.0) ** 0.5
    with pytest.raises(tape_ops.DomainError) as info:
        tape_ops.power(np.asarray([[4.0, -2.0]]), 0.5)
    assert info.value.kind is ValueError and info.value.sample == 1
    assert math.isinf(tape_ops.power(np.asarray([0.0]), 0.5)[1][0])


@settings(max_examples=200)
@given(x=st.floats(-50, 50), y=st.floats(-50, 50), name=st.sampled_from(sorted(UNARY | BINARY)))
def test_kernels_match_the_engine_on_random_numbers(x: float, y: float, name: str) -> None:
    """The drift guard: any number, any op, the same value and local derivatives."""
    if name in BINARY:
        if name == "/" and y == 0.0:
            return
        out = BINARY[name](Value(x), Value(y))
        with np.errstate(over="ignore"):  # 1 / 1e-310 is inf, silently, as for floats
            got = tape_ops.KERNELS[name](np.asarray([x]), np.asarray([y]))
    else:
        op, _, param = UNARY[name]
        if (name in ("log", "sqrt") and x <= 0.0) or (name == "exp" and x > 700):
            return
        out = op(Value(x), param)
        got = tape_ops.KERNELS[name](np.asarray([x]), param)
    # numpy's tanh may differ from libm's in the last bit; 1 - tanh^2 near saturation keeps
    # that absolute difference (~1e-16) but not its relative size: compare both ways, to 1e-12
    assert _close(got[0], [out.data], rtol=1e-12, atol=1e-15)
    for local, want in zip(got[1:], out.local_grads):
        assert _close(local, [want], rtol=1e-12, atol=1e-15)


# the layer ops: one n-ary node per window (pooling) or unit (maxout), built by these functions
LAYER_ENGINE = {
    "max_pool": lambda vs: max_pool2d([[vs]], (1, len(vs)))[0][0][0],
    "avg_pool": lambda vs: avg_pool2d([[vs]], (1, len(vs)))[0][0][0],
    "maxout": lambda vs: maxout(vs, len(vs))[0],
}


@settings(max_examples=200, deadline=None)
@given(
    window=st.lists(
        st.sampled_from([-1.0, 0.0, 0.5, 2.0, math.nan, -math.inf]) | st.floats(-5, 5),
        min_size=1,
        max_size=6,
    ),
    name=st.sampled_from(sorted(LAYER_ENGINE)),
)
def test_layer_kernels_match_the_engine(window: list[float], name: str) -> None:
    """Ties (repeated values), NaN and -inf included: the same winner, the same local grads."""
    node = LAYER_ENGINE[name]([Value(v) for v in window])
    assert node.op == name
    with np.errstate(invalid="ignore"):
        got = tape_ops.KERNELS[name](*(np.asarray([[v]]) for v in window), None)
    assert len(got) == 1 + len(window)
    assert _close(np.ravel(got[0]), [node.data], rtol=0.0, atol=0.0)
    for local, want in zip(got[1:], node.local_grads):
        assert _close(np.ravel(np.broadcast_to(local, (1, 1))), [want], rtol=0.0, atol=0.0)


def test_layer_kernels_work_column_by_column_with_broadcast_operands() -> None:
    """Two nodes x three samples, one operand uniform (one column): each column on its own."""
    a = np.array([[1.0, 5.0, 2.0], [0.0, 0.0, math.nan]])
    b = np.array([[3.0], [0.0]])
    out, la, lb = tape_ops.KERNELS["max_pool"](a, b, None)
    np.testing.assert_array_equal(out, [[3.0, 5.0, 3.0], [0.0, 0.0, math.nan]])
    np.testing.assert_array_equal(la, [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])  # tie: the first
    np.testing.assert_array_equal(lb, 1.0 - la)
