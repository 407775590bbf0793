"""``microgrid walkthrough chain``: why gradients vanish or explode along a chain of neurons.

Seed 004, Q3 (eq. 8 and 9): four sigmoid neurons in a row, ``z_j = w_j a_{j-1} + b_j``,
``a_j = σ(z_j)``, and a loss L of the last output. The gradient for the first bias is the
product of every σ'(z) and every weight on the way back::

    ∂L/∂b1 = ∂L/∂a4 × σ'(z4) × w4 × σ'(z3) × w3 × σ'(z2) × w2 × σ'(z1)      (8)
    Δa1 = σ'(z1) Δb1                                                       (9)

σ'(z) = σ(z) (1 - σ(z)) is at most 1/4 (at z = 0), so with ordinary weights each layer
multiplies the gradient by less than 1/4 and it vanishes; with large weights and biases that
keep z near 0, each layer multiplies it by w/4 > 1 and it explodes. ``explain(L, b1)`` shows
the same product, read off the graph's edges.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.explain import explain

A0 = 1.0
TARGET = 1.0
NUDGE = 1e-3
#: Ordinary weights and biases: the gradient vanishes on the way back.
SMALL = {"w": (0.9, -1.1, 0.8, 1.2), "b": (0.1, -0.2, 0.3, 0.1)}
#: Large weights, biases chosen so every z_j = 0 (σ' at its maximum 1/4): the gradient explodes.
LARGE = {"w": (10.0, 10.0, 10.0, 10.0), "b": (-10.0, -5.0, -5.0, -5.0)}
CASES = {"vanishing": SMALL, "exploding": LARGE}

TEXT = {
    "en": {
        "title": "Vanishing and exploding gradients along a chain of sigmoid neurons "
        "(seed 004 Q3, eq. 8 and 9)",
        "setup": "four neurons in a row, input a0 = {a0:g}, target y = {y:g}:",
        "bound": "σ'(z) = σ(z) (1 - σ(z)) ≤ 1/4, the largest at z = 0",
        "vanishing": "1. Ordinary weights: the gradient vanishes",
        "exploding": "2. Large weights, biases keeping every z_j at 0: the gradient explodes",
        "table": "the forward pass, and each bias's gradient from L.backward():",
        "eq8": "eq. (8) with the numbers (each factor an edge of the graph, from explain):",
        "engine": "the same number from L.backward()",
        "bound_line": "each σ' ≤ 1/4, so |∂L/∂b1| ≤ |∂L/∂a4| (1/4)^4 |w4 w3 w2|",
        "ratio": "|∂L/∂b1| / |∂L/∂b4| = {r}: the first layer's gradient is {r} times the last's",
        "eq9": "eq. (9): nudge b1 by Δb1 = {d:g} and run the forward pass again:",
        "recomputed": "recomputed",
        "paths": "explain(L, b1): one path, the product above",
    },
    "zh": {
        "title": "一串 sigmoid 神经元上的梯度消失与梯度爆炸 (种子笔记 004, Q3, 式 8 和 9)",
        "setup": "四个神经元串成一条链, 输入 a0 = {a0:g}, 目标值 y = {y:g}:",
        "bound": "σ'(z) = σ(z) (1 - σ(z)) ≤ 1/4, 在 z = 0 处最大",
        "vanishing": "1. 普通的权重: 梯度消失",
        "exploding": "2. 很大的权重, 偏置使每个 z_j 都为 0: 梯度爆炸",
        "table": "正向传播, 以及 L.backward() 给出的每个偏置的梯度:",
        "eq8": "式 (8) 代入数字 (每个因子是计算图上的一条边, 由 explain 读出):",
        "engine": "L.backward() 算出的同一个数",
        "bound_line": "每个 σ' ≤ 1/4, 所以 |∂L/∂b1| ≤ |∂L/∂a4| (1/4)^4 |w4 w3 w2|",
        "ratio": "|∂L/∂b1| / |∂L/∂b4| = {r}: 第一层的梯度是最后一层的 {r} 倍",
        "eq9": "式 (9): 把 b1 改变 Δb1 = {d:g}, 重新做一次正向传播:",
        "recomputed": "重新计算",
        "paths": "explain(L, b1): 只有一条路径, 就是上面的乘积",
    },
}


def build(w: Sequence[float], b: Sequence[float], a0: float = A0) -> dict[str, Value]:
    """The chain's graph, named as in the seed: a0, w1..w4, b1..b4, z1..z4, a1..a4, y, L."""
    v = {"a0": Value(a0, label="a0"), "y": Value(TARGET, label="y")}
    a = v["a0"]
    for j, (wj, bj) in enumerate(zip(w, b), 1):
        v[f"w{j}"], v[f"b{j}"] = Value(wj, label=f"w{j}"), Value(bj, label=f"b{j}")
        v[f"z{j}"] = named(v[f"w{j}"] * a + v[f"b{j}"], f"z{j}")
        a = v[f"a{j}"] = named(v[f"z{j}"].sigmoid(), f"a{j}")
    v["L"] = named(0.5 * (a - v["y"]) ** 2, "L")
    return v


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write the chain's derivation, for ordinary and for large weights, with ``write``."""
    t = words(TEXT, lang)
    p = Printer(write, digits)
    p.title(t["title"])
    p.line(t["setup"].format(a0=A0, y=TARGET))
    p.line("    z_j = w_j a_{j-1} + b_j,   a_j = σ(z_j),   L = 1/2 (a4 - y)^2")
    p.line("    (8)  ∂L/∂b1 = ∂L/∂a4 × σ'(z4) × w4 × σ'(z3) × w3 × σ'(z2) × w2 × σ'(z1)")
    p.line("    (9)  Δa1 = σ'(z1) Δb1")
    p.line(f"  {t['bound']}")
    for case, numbers in CASES.items():
        _case(p, t, lang, t[case], numbers)
    p.closing(lang)


def _case(p: Printer, t, lang: str, heading: str, numbers: dict) -> None:
    v = build(numbers["w"], numbers["b"])
    L = v["L"]
    L.backward()
    p.heading(heading)
    p.line(f"  {t['table']}")
    p.table(
        ("j", "w_j", "b_j", "z_j", "a_j = σ(z_j)", "σ'(z_j) = a_j (1 - a_j)", "∂L/∂b_j"),
        (
            (
                str(j),
                v[f"w{j}"].data,
                v[f"b{j}"].data,
                v[f"z{j}"].data,
                v[f"a{j}"].data,
                explain(v[f"a{j}"], v[f"z{j}"]).total,
                v[f"b{j}"].grad,
            )
            for j in range(1, 5)
        ),
    )
    p.equations([("L", "1/2 (a4 - y)^2", L.data), ("∂L/∂a4", "a4 - y", explain(L, v["a4"]).total)])

    p.line(f"  {t['eq8']}")
    (path,) = explain(L, v["b1"]).paths
    factors = [f.value for f in path.factors()][:-1]  # the last factor is ∂z1/∂b1 = 1
    product = math.prod(factors)
    p.line("    ∂L/∂b1 = " + " × ".join(p.term(x) for x in factors))
    p.line(f"           = {p.num(product)}")
    p.line(f"  {t['engine']}: b1.grad = {p.num(v['b1'].grad)}")
    ws = [v[f"w{j}"].data for j in (4, 3, 2)]
    bound = abs(explain(L, v["a4"]).total) * 0.25**4 * abs(math.prod(ws))
    p.line(f"  {t['bound_line']} = {p.num(bound)}")
    p.line("  " + t["ratio"].format(r=p.num(abs(v["b1"].grad / v["b4"].grad))))

    p.line(f"  {t['eq9'].format(d=NUDGE)}")
    sigma1 = explain(v["a1"], v["z1"]).total
    nudged = build(numbers["w"], [numbers["b"][0] + NUDGE, *numbers["b"][1:]])
    p.equations(
        [
            ("Δa1", f"σ'(z1) Δb1 = {p.num(sigma1)} × {NUDGE:g}", sigma1 * NUDGE),
            ("", f"a1(b1 + Δb1) - a1(b1) ({t['recomputed']})", nudged["a1"].data - v["a1"].data),
            ("ΔL", f"∂L/∂b1 Δb1 = {p.term(v['b1'].grad)} × {NUDGE:g}", v["b1"].grad * NUDGE),
            ("", f"L(b1 + Δb1) - L(b1) ({t['recomputed']})", nudged["L"].data - L.data),
        ]
    )
    p.line(f"  {t['paths']}:")
    for text in explain(L, v["b1"]).format(digits=p.digits, lang=lang).splitlines():
        p.line("    " + text)


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``chain_vanishing`` and ``chain_exploding`` graphs (SVG, PNG) and ``stepper.html``."""
    out = prepare(out_dir)
    written: list[str] = []
    for case, numbers in CASES.items():
        v = build(numbers["w"], numbers["b"])
        v["L"].backward()
        params = [v[f"{k}{j}"] for k in "wb" for j in range(1, 5)]
        written += save_graph(out, f"chain_{case}", v["L"], params=params)
        if case == "vanishing":
            written += save_stepper(out, "stepper", v["L"], lang=lang, params=params)
    return written
