"""Bad input gets a clear error at the op, naming the op and the operand; extremes stay finite."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from strategies import reals

import microgrid
from microgrid import Value


# ------------------------------------------------------------------------ what a Value holds
@pytest.mark.parametrize(
    "data, type_name",
    [
        (True, "bool"),
        (False, "bool"),
        ("1", "str"),
        (None, "NoneType"),
        ([1], "list"),
        (1j, "complex"),
    ],
)
def test_value_refuses_non_real_data_naming_what_was_given(data, type_name) -> None:
    with pytest.raises(TypeError) as err:
        Value(data)
    message = str(err.value)
    assert "real number" in message
    assert f"got {type_name}" in message and repr(data) in message


def test_numpy_bool_is_refused_too() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="got bool"):
        Value(np.bool_(True))


@pytest.mark.parametrize("label, type_name", [(3, "int"), (None, "NoneType"), (b"w1", "bytes")])
def test_label_must_be_a_str(label, type_name) -> None:
    with pytest.raises(TypeError, match=f"label must be a str, got {type_name}"):
        Value(1.0, label=label)


@pytest.mark.parametrize(
    "build, op",
    [
        (lambda x: x + "a", "+"),
        (lambda x: "a" + x, "+"),
        (lambda x: x - [1], "-"),
        (lambda x: "a" - x, "-"),
        (lambda x: x * None, "*"),
        (lambda x: x / "2", "/"),
        (lambda x: "2" / x, "/"),
        (lambda x: x ** "2", "exponent"),
        (lambda x: x**True, "exponent"),
        (lambda x: "2" ** x, "**"),
        (lambda x: microgrid.maximum(x, "a"), "max"),
        (lambda x: microgrid.minimum(None, x), "min"),
        (lambda x: x.leaky_relu("0.1"), "leaky_relu alpha"),
        (lambda x: x.elu(None), "elu alpha"),
    ],
)
def test_a_non_number_operand_is_refused_naming_the_op(build, op) -> None:
    with pytest.raises(TypeError) as err:
        build(Value(2.0))
    assert op in str(err.value) and "real number" in str(err.value)


# -------------------------------------------------------------------------- domain errors
def _raises(error: type, build, *needles: str) -> None:
    with pytest.raises(error) as err:
        build()
    message = str(err.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


def test_log_of_zero_and_of_a_negative_number() -> None:
    _raises(ValueError, lambda: Value(0.0).log(), "log(0.0000)", "x > 0")
    _raises(ValueError, lambda: Value(-1.0).log(), "log(-1.0000)")


def test_sqrt_of_a_negative_number() -> None:
    _raises(ValueError, lambda: Value(-1.0).sqrt(), "sqrt(-1.0000)", "x >= 0")


@pytest.mark.parametrize(
    "build",
    [lambda: Value(1.0) / 0, lambda: Value(1.0) / Value(0.0), lambda: 1.0 / Value(-0.0)],
    ids=["Value / 0", "Value / Value(0)", "1 / Value(-0)"],
)
def test_division_by_zero(build) -> None:
    _raises(ZeroDivisionError, build, "division by zero", "1.0000 /")


def test_negative_base_to_a_fractional_power_is_never_a_silent_complex_number() -> None:
    _raises(ValueError, lambda: Value(-8.0) ** 0.5, "pow", "-8.0000", "0.5", "complex")
    _raises(ValueError, lambda: Value(-8.0) ** Value(0.5), "pow", "-8.0000", "base > 0")
    _raises(ValueError, lambda: (-2) ** Value(3.0), "pow", "-2.0000")


def test_zero_to_a_negative_power() -> None:
    _raises(ZeroDivisionError, lambda: Value(0.0) ** -1, "pow", "0 ** -1")
    _raises(ZeroDivisionError, lambda: Value(0.0) ** Value(-1.0), "pow", "0 ** -1")
    _raises(ZeroDivisionError, lambda: Value(0.0) ** Value(0.0), "pow", "0 ** 0")


def test_exp_of_a_too_large_number_names_exp_and_the_operand() -> None:
    _raises(OverflowError, lambda: Value(1000.0).exp(), "exp", "1000")
    _raises(OverflowError, lambda: Value(710.0).exp(), "exp", "710")
    assert Value(709.0).exp().data == math.exp(709.0)
    assert Value(-1000.0).exp().data == 0.0


def test_pow_overflow_names_pow_and_the_operands() -> None:
    _raises(OverflowError, lambda: Value(1e200) ** 2, "pow", "1.000e+200")


def test_an_error_at_an_op_leaves_nothing_half_recorded() -> None:
    x = Value(-1.0, label="x")
    y = x * 2
    with pytest.raises(ValueError):
        y.log()
    y.backward()
    assert x.grad == 2.0


# -------------------------------------------------------------------- numerical stability
def test_sigmoid_saturates_exactly() -> None:
    low, high = Value(-1000.0).sigmoid(), Value(1000.0).sigmoid()
    assert low.data == 0.0 and high.data == 1.0
    assert low.local_grads == (0.0,) and high.local_grads == (0.0,)


def test_tanh_and_softplus_at_extremes_are_finite_and_right() -> None:
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(1000.0).softplus().local_grads == (1.0,)
    assert Value(-1000.0).softplus().data == 0.0  # e^-1000 underflows: 0.0 is the nearest float
    assert Value(-1000.0).softplus().local_grads == (0.0,)
    # just inside the range where the naive ln(1 + e^x) overflows
    assert Value(800.0).softplus().data == 800.0


@given(x=reals(-1e6, 1e6))
def test_sigmoid_tanh_softplus_never_overflow(x: float) -> None:
    for method in (Value.sigmoid, Value.tanh, Value.softplus):
        y = method(Value(x))
        assert math.isfinite(y.data) and math.isfinite(y.local_grads[0])
    s = Value(x).sigmoid().data
    assert 0.0 <= s <= 1.0
    assert Value(x).softplus().data >= max(x, 0.0)


@given(x=reals(-700, 700))
def test_sigmoid_matches_its_definition_where_that_is_representable(x: float) -> None:
    expected = 1.0 / (1.0 + math.exp(-x))
    assert math.isclose(Value(x).sigmoid().data, expected, rel_tol=1e-14, abs_tol=1e-300)


@given(x=reals(-30, 700))
def test_softplus_matches_its_definition_where_that_is_representable(x: float) -> None:
    expected = math.log1p(math.exp(x))
    assert math.isclose(Value(x).softplus().data, expected, rel_tol=1e-14)


def test_error_messages_do_not_hide_the_operand_in_a_deep_traceback() -> None:
    # the error is raised by the op the user called, not inside backward()
    x = Value(-3.0)
    with pytest.raises(ValueError) as err:
        (x * x - 10).sqrt()
    assert re.search(r"sqrt\(-1\.0000\)", str(err.value))
    assert err.traceback[-1].name == "sqrt"
