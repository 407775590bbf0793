"""``microgrid walkthrough batchnorm``: the four normalizations' sets and batch norm's backward
against numpy (and central differences for the input gradients)."""

from __future__ import annotations

import numpy as np
import pytest
from walkthrough_text import line_after, lines_starting, numbers, text_of, value_of

from microgrid.app.walkthroughs import batchnorm

TOL = 1e-10
EPS = 1e-5
X = np.array(batchnorm.IMAGES)  # [N][C][H*W]


def reference_sets():
    """μ and σ² of every set, by numpy axes: batch (N, HW) per c, layer (C, HW) per n, ..."""
    n, c, _ = X.shape
    return {
        "batch": [X[:, k, :] for k in range(c)],
        "layer": [X[i] for i in range(n)],
        "instance": [X[i, k] for i in range(n) for k in range(c)],
        "group": [X[i, g * 2 : g * 2 + 2] for i in range(n) for g in range(2)],
    }


def section_rows(text: str, title: str, count: int) -> list[str]:
    header = line_after(text, title)
    return [line_after(text, header.strip(), 1 + k) for k in range(count)]


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(batchnorm)


@pytest.mark.parametrize("method", batchnorm.METHODS)
def test_each_set_has_its_mean_variance_and_normalized_output(text, method):
    sets = reference_sets()[method]
    title = batchnorm.TEXT["en"][method]
    rows = section_rows(text, title, len(sets))
    for row, values in zip(rows, sets):
        mu, var = values.mean(), values.var()  # numpy's var is the biased one
        got_mu, got_var, mean_y, var_y = numbers(row)
        assert int(row.split()[-5]) == values.size
        assert (got_mu, got_var) == pytest.approx((mu, var), abs=TOL)
        assert mean_y == pytest.approx(0.0, abs=1e-12)
        assert var_y == pytest.approx(var / (var + EPS), abs=TOL)


def test_first_value_by_hand_equals_the_library(text):
    pairs = [ln for ln in lines_starting(text, "x̂ of x[0,0,0,0]")]
    assert len(pairs) == 4
    for k, (method, values) in enumerate(reference_sets().items()):
        values = values[0]  # the first set of each method
        first = values.flat[0]
        expected = (first - values.mean()) / np.sqrt(values.var() + EPS)
        by_hand = numbers(pairs[k])[-1]
        library = numbers(line_after(text, pairs[k].strip()))[-1]
        assert by_hand == pytest.approx(expected, abs=TOL), method
        assert library == pytest.approx(expected, abs=TOL), method


def batch_norm_grads(x: np.ndarray, gamma, beta, g: np.ndarray) -> np.ndarray:
    """∂L/∂x of L = Σ g (γ x̂ + β) by central differences on a numpy forward pass."""

    def loss(z):
        xhat = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + EPS)
        return float(np.sum(g * (np.array(gamma) * xhat + np.array(beta))))

    h = 1e-6
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = h
        out[idx] = (loss(x + d) - loss(x - d)) / (2 * h)
    return out


def test_batch_norm_backward_and_its_zero_sum(text):
    x, g = np.array(batchnorm.FEATURES), np.array(batchnorm.UPSTREAM)
    expected = batch_norm_grads(x, batchnorm.GAMMA, batchnorm.BETA, g)
    for f in range(2):
        header = next(ln for ln in text.splitlines() if ln.strip().startswith(f"feature f = {f}"))
        mu, var, _gamma = numbers(header)
        assert (mu, var) == pytest.approx((x[:, f].mean(), x[:, f].var()), abs=TOL)
        table = line_after(text, header.strip())
        xhat = (x[:, f] - x[:, f].mean()) / np.sqrt(x[:, f].var() + EPS)
        for n in range(4):
            row = numbers(line_after(text, table.strip(), 1 + n))[-5:]
            assert row[:3] == pytest.approx([x[n, f], xhat[n], g[n, f]], abs=TOL)
            assert row[3] == pytest.approx(expected[n, f], abs=1e-7)  # backward vs differences
            assert row[4] == pytest.approx(row[3], abs=TOL)  # the closed form
    sums = [numbers(ln)[-1] for ln in lines_starting(text, "Σ_n ∂L/∂x_n")]
    assert sums == pytest.approx([0.0, 0.0], abs=1e-12)
    assert value_of(text, "L") == pytest.approx(value_of(text, "L (x + 0.1)"), abs=1e-12)


def test_chinese_and_the_figure():
    en, zh = text_of(batchnorm, "en"), text_of(batchnorm, "zh")
    assert "批量归一化" in zh and "分组归一化" in zh
    assert numbers(zh) == numbers(en)
    dot = batchnorm.groups_dot("en")
    # instance norm colours 8 sets, layer norm 2: every set its own colour
    for method, count in (("batch", 4), ("layer", 2), ("instance", 8), ("group", 4)):
        assert len(batchnorm.sets(method)) == count
    assert dot.count("<TD BGCOLOR=") == 4 * X.size
    with pytest.raises(ValueError, match="method must be one of"):
        batchnorm.sets("weight")
