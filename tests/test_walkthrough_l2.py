"""``microgrid walkthrough l2``: seed 004 eq. (5) to (7) against plain float math."""

from __future__ import annotations

import pytest
from walkthrough_text import lines_starting, numbers, text_of, value_of

from microgrid.app.walkthroughs import l2

TOL = 1e-10
X, Y, W, ALPHA, ETA = (1.0, 2.0), 1.0, (0.5, -0.3), 0.2, 0.5


def hand() -> dict[str, float]:
    err = W[0] * X[0] + W[1] * X[1] - Y
    r = {"J": 0.5 * err**2, "R": ALPHA / 2 * (W[0] ** 2 + W[1] ** 2)}
    r["J_hat"] = r["J"] + r["R"]
    for k in range(2):
        r[f"dJ{k}"] = err * X[k]
        r[f"dJhat{k}"] = err * X[k] + ALPHA * W[k]
        r[f"new{k}"] = W[k] - ETA * r[f"dJhat{k}"]
        r[f"plain{k}"] = W[k] - ETA * r[f"dJ{k}"]
    return r


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(l2)


def test_penalized_loss_and_its_gradient(text):
    ref = hand()
    assert value_of(text, "J(w)") == pytest.approx(ref["J"], abs=TOL)
    assert value_of(text, "R(w)") == pytest.approx(ref["R"], abs=TOL)
    assert value_of(text, "Ĵ(w)") == pytest.approx(ref["J_hat"], abs=TOL)
    for k in range(2):
        assert value_of(text, f"∂J/∂w{k + 1}") == pytest.approx(ref[f"dJ{k}"], abs=TOL)
        a, b, total = numbers(lines_starting(text, f"∂Ĵ/∂w{k + 1}")[0])[-3:]
        assert (a, b) == pytest.approx((ref[f"dJ{k}"], ALPHA * W[k]), abs=TOL)
        assert total == pytest.approx(ref[f"dJhat{k}"], abs=TOL)
    assert text.count("path 3: Ĵ -> R -> w1") == 1  # w1 · w1: two edges through R


def test_one_step_is_the_shrink_then_the_plain_step(text):
    ref = hand()
    for k in range(2):
        name = f"w{k + 1}"
        assert value_of(text, f"{name} ← {name} - η ∂Ĵ/∂{name}") == pytest.approx(
            ref[f"new{k}"], abs=TOL
        )
        shrink_form = (1 - ETA * ALPHA) * W[k] - ETA * ref[f"dJ{k}"]
        assert value_of(text, f"= (1 - ηα) {name} - η ∂J/∂{name}") == pytest.approx(
            shrink_form, abs=TOL
        )
        assert shrink_form == pytest.approx(ref[f"new{k}"], abs=1e-15)
        assert value_of(text, f"-ηα {name}") == pytest.approx(-ETA * ALPHA * W[k], abs=TOL)
    decay = next(ln for ln in text.splitlines() if "weight_decay" in ln)
    assert numbers(decay) == pytest.approx([ref["new0"], ref["new1"]], abs=TOL)


def test_penalty_alone_decays_geometrically(text):
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.strip().startswith("after step"))
    for step in range(1, 6):
        row = numbers(lines[k + step])
        expected = [W[0] * 0.9**step] * 2 + [W[1] * 0.9**step] * 2
        assert row == pytest.approx(expected, abs=TOL)


def test_chinese_has_the_same_numbers(text):
    zh = text_of(l2, "zh")
    assert "正则" in zh and "权重衰减" in zh
    assert numbers(zh) == numbers(text)
