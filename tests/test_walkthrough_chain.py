"""``microgrid walkthrough chain``: eq. (8) and (9) of seed 004 against plain float math."""

from __future__ import annotations

import math

import pytest
from walkthrough_text import line_after, lines_starting, numbers, text_of

from microgrid.app.walkthroughs import chain

TOL = 1e-10


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def hand(w, b, a0=1.0, y=1.0):
    """Forward along the chain, then eq. (8) for every bias by hand."""
    z, a = [], [a0]
    for wj, bj in zip(w, b):
        z.append(wj * a[-1] + bj)
        a.append(sigmoid(z[-1]))
    ds = [aj * (1 - aj) for aj in a[1:]]
    grads = [0.0] * 4
    upstream = a[4] - y  # ∂L/∂a4
    for j in range(3, -1, -1):
        grads[j] = upstream * ds[j]  # ∂L/∂b_j = ∂L/∂a_j σ'(z_j)
        upstream = grads[j] * w[j]  # ∂L/∂a_{j-1}
    return {"z": z, "a": a[1:], "ds": ds, "grads": grads, "L": 0.5 * (a[4] - y) ** 2}


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(chain)


@pytest.mark.parametrize("case", [0, 1])
def test_table_rows_match_the_hand_forward_and_backward(text, case):
    numbers_ = chain.SMALL if case == 0 else chain.LARGE
    ref = hand(numbers_["w"], numbers_["b"])
    header = [ln for ln in text.splitlines() if ln.strip().startswith("j ")][case]
    lines = text.splitlines()
    k = lines.index(header)
    for j in range(4):
        row = numbers(lines[k + 1 + j])
        expected = [numbers_["w"][j], numbers_["b"][j], ref["z"][j], ref["a"][j], ref["ds"][j]]
        assert row[:5] == pytest.approx(expected, abs=TOL)
        assert row[5] == pytest.approx(ref["grads"][j], abs=TOL)


@pytest.mark.parametrize("case", [0, 1])
def test_eq8_product_is_the_gradient(text, case):
    numbers_ = chain.SMALL if case == 0 else chain.LARGE
    ref = hand(numbers_["w"], numbers_["b"])
    product_line = lines_starting(text, "∂L/∂b1")[case]
    factors = numbers(product_line)
    assert len(factors) == 8  # ∂L/∂a4, then σ'(z4), w4, σ'(z3), w3, σ'(z2), w2, σ'(z1)
    w, ds = numbers_["w"], ref["ds"]
    expected = [ref["a"][3] - 1.0, ds[3], w[3], ds[2], w[2], ds[1], w[1], ds[0]]
    assert factors == pytest.approx(expected, abs=TOL)
    total = numbers(line_after(text, product_line.strip()))[0]
    assert total == pytest.approx(ref["grads"][0], abs=TOL)


def test_small_weights_vanish_large_weights_explode(text):
    small, large = (hand(c["w"], c["b"]) for c in (chain.SMALL, chain.LARGE))
    assert abs(small["grads"][0]) < abs(small["grads"][3]) / 50
    assert abs(large["grads"][0]) > abs(large["grads"][3]) * 10
    ratios = [numbers(ln)[-1] for ln in text.splitlines() if ln.strip().startswith("|∂L/∂b1|")]
    expected = [abs(r["grads"][0] / r["grads"][3]) for r in (small, large)]
    assert ratios == pytest.approx(expected, abs=TOL)
    assert ratios[0] < 0.25**3 * 4 and ratios[1] == pytest.approx(2.5**3, abs=TOL)


def test_eq9_nudge_matches_the_recomputed_forward_pass(text):
    c = chain.SMALL
    base = hand(c["w"], c["b"])
    nudged = hand(c["w"], [c["b"][0] + 1e-3, *c["b"][1:]])
    lines = lines_starting(text, "Δa1")
    predicted = numbers(lines[0])[-1]
    recomputed = numbers(line_after(text, lines[0].strip()))[-1]
    assert predicted == pytest.approx(base["ds"][0] * 1e-3, abs=TOL)
    assert recomputed == pytest.approx(nudged["a"][0] - base["a"][0], abs=TOL)
    assert predicted == pytest.approx(recomputed, rel=1e-3)


def test_explain_shows_the_path_and_chinese_has_the_same_numbers(text):
    assert "path 1: L -> a4 -> z4 -> a3 -> z3 -> a2 -> z2 -> a1 -> z1 -> b1" in text
    zh = text_of(chain, "zh", 12)
    assert "梯度消失" in zh and "梯度爆炸" in zh and "路径 1" in zh
    assert numbers(zh) == numbers(text)
