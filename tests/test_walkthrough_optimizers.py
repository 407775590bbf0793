"""``microgrid walkthrough optimizers``: every step against the seed's formulas in plain floats."""

from __future__ import annotations

import math

import pytest
from walkthrough_text import numbers, text_of

from microgrid.app.walkthroughs import optimizers

TOL = 1e-10
LR, MU, RHO, B1, B2 = 0.1, 0.9, 0.9, 0.9, 0.999


def grad(x):
    return [x[0], 3.0 * x[1]]


def f(x):
    return 0.5 * x[0] ** 2 + 1.5 * x[1] ** 2


def seed_steps(rule: str, steps: int = 2) -> list[dict[str, list[float]]]:
    """The seed's table (cs231n's notation), two steps from (1, 1), in plain floats."""
    x, v, cache, m = [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    out = []
    for t in range(1, steps + 1):
        rec: dict[str, list[float]] = {}
        if rule == "Nesterov":
            ahead = [xi + MU * vi for xi, vi in zip(x, v)]
            dx = grad(ahead)
            v = [MU * vi - LR * g for vi, g in zip(v, dx)]
            x = [xi + vi for xi, vi in zip(x, v)]
            rec.update(x_ahead=ahead, dx_ahead=dx, v=v)
        else:
            dx = grad(x)
            rec["dx"] = dx
            if rule == "Vanilla":
                x = [xi - LR * g for xi, g in zip(x, dx)]
            elif rule == "Momentum":
                v = [MU * vi - LR * g for vi, g in zip(v, dx)]
                x = [xi + vi for xi, vi in zip(x, v)]
                rec["v"] = v
            elif rule in ("Adagrad", "RMSprop"):
                if rule == "Adagrad":
                    cache = [c + g * g for c, g in zip(cache, dx)]
                    eps = 1e-10
                else:
                    cache = [RHO * c + (1 - RHO) * g * g for c, g in zip(cache, dx)]
                    eps = 1e-8
                x = [xi - LR * g / (math.sqrt(c) + eps) for xi, g, c in zip(x, dx, cache)]
                rec["cache"] = cache
            else:  # Adam, the seed's form and the corrected one
                m = [B1 * mi + (1 - B1) * g for mi, g in zip(m, dx)]
                v = [B2 * vi + (1 - B2) * g * g for vi, g in zip(v, dx)]
                rec.update(m=m, v=v)
                mh, vh = m, v
                if "corrected" in rule:
                    mh = [mi / (1 - B1**t) for mi in m]
                    vh = [vi / (1 - B2**t) for vi in v]
                    rec.update(m_hat=mh, v_hat=vh)
                x = [xi - LR * a / (math.sqrt(b) + 1e-8) for xi, a, b in zip(x, mh, vh)]
        rec["x"] = x
        rec["f(x)"] = [f(x)]
        out.append(rec)
    return out


RULES = ["Vanilla", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam (seed", "Adam (bias"]


def section(text: str, start: str) -> list[str]:
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith(start))
    end = next((i for i in range(k + 2, len(lines)) if set(lines[i]) == {"-"}), len(lines))
    return lines[k:end]


@pytest.fixture(scope="module")
def text() -> str:
    return text_of(optimizers)


@pytest.mark.parametrize("rule", RULES)
def test_each_step_matches_the_seeds_formulas(text, rule):
    name = "Adam corrected" if rule == "Adam (bias" else rule
    expected = seed_steps(name)
    lines = section(text, rule)
    for k, rec in enumerate(expected, 1):
        at = lines.index(f"  step {k}:")
        block = lines[at + 1 : at + 1 + len(rec)]
        assert [ln.split("=")[0].strip() for ln in block] == list(rec)
        for ln, (sym, vals) in zip(block, rec.items()):
            assert numbers(ln) == pytest.approx(vals, abs=TOL), (rule, k, sym)


def test_bias_correction_changes_the_first_step(text):
    seed, torch_form = seed_steps("Adam"), seed_steps("Adam corrected")
    step_seed = 1.0 - seed[0]["x"][0]
    step_torch = 1.0 - torch_form[0]["x"][0]
    assert step_torch == pytest.approx(LR, rel=1e-6)
    assert step_seed == pytest.approx(LR * (1 - B1) / math.sqrt(1 - B2), rel=1e-6)
    assert "3.16" in text


def test_summary_table_and_chinese(text):
    summary = section(text, "After 2 steps")
    for rule in RULES:
        name = "Adam corrected" if rule == "Adam (bias" else rule
        last = seed_steps(name)[-1]
        row = next(ln for ln in summary if ln.strip().startswith(rule))
        assert numbers(row) == pytest.approx([*last["x"], last["f(x)"][0]], abs=TOL)
    zh = text_of(optimizers, "zh")
    assert "优化器" in zh and "偏差修正" in zh
    assert numbers(zh) == numbers(text)
