"""``microgrid walkthrough neuron``: every printed number against plain float math (seed 004)."""

from __future__ import annotations

import math

import pytest
from walkthrough_text import lines_starting, numbers, text_of, value_of

from microgrid.app.walkthroughs import neuron

TOL = 1e-10


def hand() -> dict[str, float]:
    """The neuron by hand: z = w1 x1 + w2 x2 + b, a = σ(z), L = 1/2 (y - a)^2."""
    x1, x2, w1, w2, b, y, eta = 0.5, -1.5, 0.8, 0.3, 0.1, 1.0, 0.5
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    r = {"z": z, "a": a, "L": 0.5 * (y - a) ** 2, "dL/da": -(y - a), "da/dz": a * (1 - a)}
    delta = r["dL/da"] * r["da/dz"]
    r.update({"g_w1": delta * x1, "g_w2": delta * x2, "g_b": delta})
    r.update({"w1": w1 - eta * r["g_w1"], "w2": w2 - eta * r["g_w2"], "b": b - eta * r["g_b"]})
    z2 = r["w1"] * x1 + r["w2"] * x2 + r["b"]
    r["L_after"] = 0.5 * (y - 1 / (1 + math.exp(-z2))) ** 2
    return r


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(neuron)


def test_forward_pass(text):
    ref = hand()
    for name in ("z", "a", "L"):
        assert value_of(text, name) == pytest.approx(ref[name], abs=TOL), name


def test_backward_factors_and_products(text):
    ref = hand()
    assert value_of(text, "∂L/∂a") == pytest.approx(ref["dL/da"], abs=TOL)
    assert value_of(text, "∂a/∂z") == pytest.approx(ref["da/dz"], abs=TOL)
    assert value_of(text, "∂z/∂w1") == pytest.approx(0.5, abs=TOL)
    assert value_of(text, "∂z/∂w2") == pytest.approx(-1.5, abs=TOL)
    for name in ("w1", "w2", "b"):
        # the product line: three factors, then their product
        (line,) = [ln for ln in lines_starting(text, f"∂L/∂{name}") if len(numbers(ln)) == 4]
        *factors, product = numbers(line)
        assert len(factors) == 3 and math.prod(factors) == pytest.approx(product, abs=TOL)
        assert product == pytest.approx(ref[f"g_{name}"], abs=TOL), name
    engine = next(ln for ln in text.splitlines() if "L.backward()" in ln)
    assert numbers(engine) == pytest.approx([ref["g_w1"], ref["g_w2"], ref["g_b"]], abs=TOL)


def test_update_and_loss_after(text):
    ref = hand()
    for name in ("w1", "w2", "b"):
        assert value_of(text, f"{name} ← {name} - η ∂L/∂{name}") == pytest.approx(
            ref[name], abs=TOL
        ), name
    after = next(ln for ln in text.splitlines() if "L after the step" in ln)
    assert numbers(after) == pytest.approx([ref["L_after"], ref["L"]], abs=TOL)
    assert ref["L_after"] < ref["L"]


def test_chinese_has_the_same_numbers():
    en, zh = text_of(neuron, "en", 9), text_of(neuron, "zh", 9)
    assert "正向传播" in zh and "反向传播" in zh and "学习率" in zh
    assert numbers(en) == numbers(zh)
