"""``numerical_gradient`` and ``gradcheck``: right answers pass, wrong gradients are caught."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from strategies import reals

import microgrid
from microgrid import GradcheckResult, Value, gradcheck, numerical_gradient


def wrong_square(x: Value) -> Value:
    """x^2 built by hand with a deliberately wrong local derivative: x instead of 2x."""
    out = Value(x.data * x.data)
    if microgrid.is_grad_enabled():
        out.children = (x,)
        out.local_grads = (x.data,)
        out.op = "**2"
    return out


def scaled_derivative(factor: float):
    """f(x) = x^3 whose recorded derivative is ``factor`` times the true 3x^2."""

    def f(x: Value) -> Value:
        out = Value(x.data**3)
        out.children = (x,)
        out.local_grads = (factor * 3.0 * x.data**2,)
        return out

    return f


# ----------------------------------------------------------------------- numerical_gradient
def test_numerical_gradient_of_a_plain_function() -> None:
    grads = numerical_gradient(lambda a, b: a * a * b + math.sin(b), [1.5, -0.5])
    assert grads == pytest.approx([2 * 1.5 * -0.5, 1.5**2 + math.cos(-0.5)], rel=1e-8)


def test_numerical_gradient_accepts_a_function_returning_a_value() -> None:
    [g] = numerical_gradient(lambda x: Value(x).tanh(), [0.3])
    assert g == pytest.approx(1 - math.tanh(0.3) ** 2, rel=1e-8)


@given(x=reals(-3, 3))
def test_numerical_gradient_is_accurate_to_eps_squared(x: float) -> None:
    [g] = numerical_gradient(math.exp, [x], eps=1e-5)
    assert g == pytest.approx(math.exp(x), rel=1e-8)


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan])
def test_numerical_gradient_refuses_a_bad_eps(eps: float) -> None:
    with pytest.raises(ValueError, match="eps must be > 0"):
        numerical_gradient(math.sin, [1.0], eps=eps)


def test_numerical_gradient_refuses_non_numbers() -> None:
    with pytest.raises(TypeError, match=r"gradient point must be a real number .*got str"):
        numerical_gradient(math.sin, ["1"])
    with pytest.raises(TypeError, match=r"result must be a real number .*got str"):
        numerical_gradient(lambda x: "no", [1.0])


# -------------------------------------------------------------------------------- gradcheck
def test_gradcheck_passes_a_correct_function_and_reports_every_input() -> None:
    result = gradcheck(lambda a, b: (a * b + a.tanh()).sigmoid(), [0.5, -2.0])
    assert isinstance(result, GradcheckResult)
    assert result and result.passed and result.failures == ()
    assert [row.name for row in result.rows] == ["x0", "x1"]
    assert [row.x for row in result.rows] == [0.5, -2.0]
    for row in result.rows:
        assert row.ok
        assert row.error == abs(row.analytic - row.numeric)
        assert row.error <= result.atol + result.rtol * abs(row.numeric)
    # the analytic column is what backward() gives
    a, b = Value(0.5), Value(-2.0)
    (a * b + a.tanh()).sigmoid().backward()
    assert [row.analytic for row in result.rows] == [a.grad, b.grad]
    text = str(result)
    assert "gradcheck passed" in text and "FAIL" not in text
    assert repr(result) == text


def test_gradcheck_catches_a_wrong_gradient() -> None:
    result = gradcheck(lambda x, y: wrong_square(x) + y * 3, [1.5, 2.0], names=["w1", "b1"])
    assert not result and not result.passed
    assert [row.name for row in result.failures] == ["w1"]
    w1, b1 = result.rows
    assert w1.analytic == 1.5 and w1.numeric == pytest.approx(3.0, rel=1e-8)
    assert w1.error == pytest.approx(1.5, rel=1e-8) and not w1.ok
    assert b1.ok and b1.analytic == 3.0
    text = str(result)
    assert "FAIL" in text and "FAILED on 1 input(s)" in text
    failing_line = next(line for line in text.splitlines() if line.startswith("w1"))
    assert failing_line.rstrip().endswith("FAIL")


def test_gradcheck_tolerances_decide_a_small_error() -> None:
    off_by_1e_4 = scaled_derivative(1.0 + 1e-4)
    assert not gradcheck(off_by_1e_4, [1.2])  # default rtol 1e-5
    assert gradcheck(off_by_1e_4, [1.2], rtol=1e-3)
    assert gradcheck(scaled_derivative(1.0), [1.2])


def test_a_nan_gradient_never_passes() -> None:
    def nan_grad(x: Value) -> Value:
        out = x * 1.0
        out.local_grads = (math.nan, 0.0)
        return out

    result = gradcheck(nan_grad, [1.0], atol=1e9, rtol=1e9)
    assert not result and math.isnan(result.rows[0].analytic)


def test_gradcheck_names_label_the_table() -> None:
    result = gradcheck(lambda w5, out_h1: w5 * out_h1, [0.4, 0.59], names=["w5", "out_h1"])
    assert [row.name for row in result.rows] == ["w5", "out_h1"]
    lines = str(result).splitlines()
    assert lines[2].startswith("w5") and lines[3].startswith("out_h1")


def test_gradcheck_leaves_grad_mode_on() -> None:
    gradcheck(lambda x: x.exp(), [0.1])
    assert microgrid.is_grad_enabled()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"f": lambda x: 3.0, "xs": [1.0]}, TypeError, "f must return a Value, got float"),
        ({"f": 42, "xs": [1.0]}, TypeError, "f must be a function"),
        ({"f": lambda x: x, "xs": 1.0}, TypeError, "xs must be a sequence of numbers"),
        ({"f": lambda x: x, "xs": "1"}, TypeError, "xs must be a sequence of numbers"),
        ({"f": lambda x: x, "xs": ["1"]}, TypeError, "gradcheck input must be a real number"),
        ({"f": lambda x: x, "xs": [True]}, TypeError, "got bool"),
        ({"f": lambda: Value(1.0), "xs": []}, ValueError, "at least one input"),
        ({"f": lambda x: x, "xs": [1.0], "eps": 0.0}, ValueError, "eps must be > 0"),
        ({"f": lambda x: x, "xs": [1.0], "atol": -1.0}, ValueError, "atol and rtol must be >= 0"),
        ({"f": lambda x: x, "xs": [1.0], "rtol": -1.0}, ValueError, "atol and rtol must be >= 0"),
        ({"f": lambda x: x, "xs": [1.0], "names": ["a", "b"]}, ValueError, "2 names for 1 inputs"),
        ({"f": lambda x: x, "xs": [1.0], "names": [7]}, TypeError, "label must be a str"),
    ],
)
def test_gradcheck_refuses_bad_input(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        gradcheck(**kwargs)
