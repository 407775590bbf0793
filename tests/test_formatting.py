"""Number formatting: one rule per form, checked against the number it stands for."""

import math

import pytest

from microgrid.formatting import LARGE, SMALL, as_given, exact, fixed, padded, short, signed_sum

NUMBERS = [0.5, -0.25, 1.0, 0.0123, 0.000438568, -7.5e-9, 123.456, 99999.0, 2.5e6, -3.2e17]


@pytest.mark.parametrize("digits", [3, 4, 6, 9])
@pytest.mark.parametrize("x", NUMBERS)
def test_fixed_keeps_three_significant_digits_and_reads_back(x, digits):
    text = fixed(x, digits)
    assert float(text) == pytest.approx(x, rel=10.0 ** (-min(digits, 3) + 1))
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    assert len(mantissa) >= 3, text  # never 0.0000 or 0.0012 for a small number
    scientific = "e" in text
    assert scientific == (abs(x) < max(SMALL, 10.0 ** (2 - digits)) or abs(x) >= LARGE), text


def test_fixed_writes_digits_decimals_in_the_normal_range():
    assert fixed(0.5) == "0.5000"
    assert fixed(-0.2913, 4) == "-0.2913"
    assert fixed(0.0, 3) == "0.000" and fixed(-0.0, 3) == "0.000"
    assert fixed(math.nan) == "nan" and fixed(-math.inf) == "-inf"


@pytest.mark.parametrize("width", [7, 9, 12])
@pytest.mark.parametrize("x", [*NUMBERS, 0.0, -0.0, 1e300, 5e-324])
def test_padded_has_exactly_width_characters(x, width):
    text = padded(x, width)
    assert len(text) == width
    assert float(text.replace("\u00a0", "")) == pytest.approx(x, rel=0.1, abs=1e-300)


def test_padded_prefers_the_fixed_form_when_it_fits():
    assert padded(0.5, 9) == "\u00a0" * 3 + "0.5000"
    assert padded(-1234567.0, 9) == "-1.23e+06"


def test_short_and_as_given_write_numbers_as_a_learner_would():
    assert [short(x) for x in (2.0, 0.5, 1e-8, 1234567.0, -3.0)] == [
        "2",
        "0.5",
        "1e-08",
        "1234567",
        "-3",
    ]
    assert short(math.inf) == "inf"
    assert [as_given(x) for x in (0.05, 0.1, 0.4, 0.123)] == ["0.05", "0.10", "0.40", "0.123"]


def test_signed_sum_writes_each_sign_once():
    assert signed_sum([0.5, -0.25, 0.125], 3) == "0.500 - 0.250 + 0.125"
    assert "+ -" not in signed_sum([-1.0, -2.0], 2)


def test_formatting_is_a_leaf_module_every_layer_can_use():
    """The engine's repr and messages use it, so it must import nothing of microgrid."""
    import ast
    from pathlib import Path

    import microgrid.formatting

    tree = ast.parse(Path(microgrid.formatting.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert modules <= {"__future__", "math", "collections.abc"}, modules


@pytest.mark.parametrize("x", [2.0, -3.0, 0.5, 1 / 3, 1e-8, 2.5e20, -0.1])
def test_exact_reads_back_to_the_same_float(x):
    assert float(exact(x)) == x
    assert exact(2.0) == "2" and exact(0.5) == "0.5"
