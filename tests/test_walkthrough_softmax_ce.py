"""``microgrid walkthrough softmax-ce``: softmax, its Jacobian and a_i - y_i against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from walkthrough_text import line_after, numbers, text_of, value_of

from microgrid.app.walkthroughs import softmax_ce

TOL = 1e-10
Z = np.array([2.0, 1.0, 0.1])
Y = np.array([0.0, 1.0, 0.0])


def reference():
    e = np.exp(Z)
    a = e / e.sum()
    # the Jacobian J[j, i] = ∂a_j/∂z_i by central differences, independent of the closed form
    h = 1e-6
    J = np.empty((3, 3))
    for i in range(3):
        dz = np.zeros(3)
        dz[i] = h
        J[:, i] = np.exp(Z + dz) / np.exp(Z + dz).sum() - np.exp(Z - dz) / np.exp(Z - dz).sum()
        J[:, i] /= 2 * h
    return e, a, J, -np.sum(Y * np.log(a))


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(softmax_ce)


def test_softmax_numbers(text):
    e, a, _, _ = reference()
    for i in range(3):
        assert value_of(text, f"e^z_{i + 1}") == pytest.approx(e[i], abs=TOL)
        assert value_of(text, f"a_{i + 1}") == pytest.approx(a[i], abs=TOL)
    assert value_of(text, "Σ_k e^z_k") == pytest.approx(e.sum(), abs=TOL)
    assert value_of(text, "Σ_i a_i") == pytest.approx(1.0, abs=TOL)
    stable = next(ln for ln in text.splitlines() if "functional.softmax" in ln)
    assert numbers(stable) == pytest.approx(list(a), abs=TOL)


def test_jacobian_from_backward_matches_differences_and_the_closed_form(text):
    _, a, J, _ = reference()
    header = next(ln for ln in text.splitlines() if ln.split() == ["z_1", "z_2", "z_3", "Σ_i"])
    for j in range(3):
        row = numbers(line_after(text, header.strip(), j + 1))
        assert row[:3] == pytest.approx(list(J[j]), abs=1e-8)
        assert row[3] == pytest.approx(0.0, abs=1e-15)
    closed = np.diag(a) - np.outer(a, a)  # a_i (1 - a_i) on the diagonal, -a_i a_j off it
    for j in range(3):
        for i in range(3):
            assert value_of(text, f"∂a_{j + 1}/∂z_{i + 1}") == pytest.approx(closed[j, i], abs=TOL)


def test_cross_entropy_and_the_gradient_a_minus_y(text):
    _, a, _, C = reference()
    assert value_of(text, "C") == pytest.approx(C, abs=TOL)
    assert value_of(text, "∂C/∂a_2") == pytest.approx(-1 / a[1], abs=TOL)
    assert value_of(text, "∂C/∂a_1") == 0.0
    lines = text.splitlines()
    for i in range(3):
        k = next(n for n, ln in enumerate(lines) if ln.strip().startswith(f"∂C/∂z_{i + 1} ="))
        via_chain, a_minus_y, engine = (numbers(lines[k + d])[-1] for d in range(3))
        assert "z" + str(i + 1) + ".grad" in lines[k + 2]
        for got in (via_chain, a_minus_y, engine):
            assert got == pytest.approx(a[i] - Y[i], abs=TOL)
    library = next(ln for ln in lines if "losses.softmax_cross_entropy" in ln)
    assert numbers(library) == pytest.approx([C, *(a - Y)], abs=TOL)


def test_chinese_has_the_same_numbers(text):
    zh = text_of(softmax_ce, "zh")
    assert "交叉熵" in zh and "雅可比" in zh
    assert numbers(zh) == numbers(text)
