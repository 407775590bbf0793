"""``microgrid walkthrough pooling``: forward and backward of max and average pooling vs numpy."""

from __future__ import annotations

import numpy as np
import pytest
from walkthrough_text import lines_starting, numbers, text_of, value_of

from microgrid.app.walkthroughs import pooling

TOL = 1e-10
X = np.array(pooling.IMAGE)
G = np.array(pooling.UPSTREAM)


def by_hand():
    """2x2 windows, stride 2: forward values, the arg-max masks, and both backward passes."""
    windows = X.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)  # [i][j][4 cells]
    p_max, p_avg = windows.max(axis=2), windows.mean(axis=2)
    dx_max, dx_avg = np.zeros((4, 4)), np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            k = int(np.argmax(windows[i, j]))
            dx_max[2 * i + k // 2, 2 * j + k % 2] = G[i, j]
            dx_avg[2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = G[i, j] / 4
    return p_max, p_avg, dx_max, dx_avg


def grid_after(text: str, name: str, k: int, rows: int) -> np.ndarray:
    """The k-th matrix printed under ``name =``."""
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.strip() == f"{name} ="]
    at = starts[k]
    return np.array([numbers(lines[at + 1 + r]) for r in range(rows)])


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(pooling)


def test_forward_pass(text):
    p_max, p_avg, _, _ = by_hand()
    np.testing.assert_allclose(grid_after(text, "p", 0, 2), p_max, atol=TOL)
    np.testing.assert_allclose(grid_after(text, "p", 1, 2), p_avg, atol=TOL)
    argmax = [ln for ln in text.splitlines() if "= 1 (the maximum" in ln]
    assert len(argmax) == 4
    assert "∂p[0,1]/∂x[0,3] = 1 (the maximum, 9)" in argmax[1]


def test_backward_routes_to_the_maximum_or_spreads_evenly(text):
    _, _, dx_max, dx_avg = by_hand()
    np.testing.assert_allclose(grid_after(text, "g", 0, 2), G, atol=TOL)
    np.testing.assert_allclose(grid_after(text, "∂L/∂x", 0, 4), dx_max, atol=TOL)
    np.testing.assert_allclose(grid_after(text, "∂L/∂x", 1, 4), dx_avg, atol=TOL)
    assert np.count_nonzero(grid_after(text, "∂L/∂x", 0, 4)) == 4
    for lhs in ("Σ g", "Σ ∂L/∂x (max)", "Σ ∂L/∂x (avg)"):
        assert value_of(text, lhs) == pytest.approx(G.sum(), abs=TOL)
    assert len(lines_starting(text, "Σ g")) == 1


def test_chinese_has_the_same_numbers(text):
    zh = text_of(pooling, "zh")
    assert "最大池化" in zh and "平均池化" in zh and "还原为池化之前的大小" in zh
    assert numbers(zh) == numbers(text)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of max, avg"):
        pooling.build("min")
