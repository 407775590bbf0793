"""``microgrid walkthrough neuron``: one sigmoid neuron, its forward and backward pass by hand.

Seed 004, Q5 (eq. 15 to 20), with a squared-error loss L = 1/2 (y - a)^2::

    z = sum_i w_i x_i + b                   (15)
    a = sigma(z)                            (16)
    dL/dw = dL/da * da/dz * dz/dw           (17)
    dL/db = dL/da * da/dz * dz/db           (18)
    w <- w - eta * dw,   b <- b - eta * db  (19, 20)

Every factor is read off the graph's edges with ``explain()``, every gradient comes from
``L.backward()`` and the step from ``optim.SGD``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.explain import explain

INPUTS = {"x1": 0.5, "x2": -1.5}
WEIGHTS = {"w1": 0.8, "w2": 0.3}
BIAS = 0.1
TARGET = 1.0
LEARNING_RATE = 0.5

TEXT = {
    "en": {
        "title": "One sigmoid neuron, forward and backward by hand (seed 004, eq. 15 to 20)",
        "inputs": "inputs",
        "weights": "weights",
        "bias": "bias",
        "target": "target",
        "loss": "loss",
        "lr": "learning rate",
        "forward": "1. Forward pass (eq. 15, 16)",
        "backward": "2. Backward pass: the chain rule (eq. 17, 18)",
        "factors": "the local derivatives, read off the graph's edges:",
        "products": "multiplied along the chain:",
        "engine": "the same numbers from L.backward()",
        "update": "3. Gradient-descent step (eq. 19, 20), with optim.SGD",
        "after": "L after the step",
        "before": "before",
    },
    "zh": {
        "title": "单个 sigmoid 神经元: 手算正向传播与反向传播 (种子笔记 004, 式 15 至 20)",
        "inputs": "输入",
        "weights": "权重",
        "bias": "偏置",
        "target": "目标值",
        "loss": "损失函数",
        "lr": "学习率",
        "forward": "1. 正向传播 (式 15, 16)",
        "backward": "2. 反向传播: 链式法则 (式 17, 18)",
        "factors": "局部导数, 直接从计算图的边上读出:",
        "products": "沿链相乘:",
        "engine": "L.backward() 算出的同样的数",
        "update": "3. 一步梯度下降 (式 19, 20), 用 optim.SGD",
        "after": "更新一步后的 L",
        "before": "更新前",
    },
}


def build(weights: dict[str, float] | None = None, bias: float = BIAS) -> dict[str, Value]:
    """The neuron's graph, every node named as in the seed: x1, x2, w1, w2, b, z, a, y, L."""
    v = {name: Value(x, label=name) for name, x in INPUTS.items()}
    v.update({name: Value(x, label=name) for name, x in (weights or WEIGHTS).items()})
    v["b"] = Value(bias, label="b")
    v["y"] = Value(TARGET, label="y")
    v["z"] = named(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"], "z")
    v["a"] = named(v["z"].sigmoid(), "a")
    v["L"] = named(0.5 * (v["y"] - v["a"]) ** 2, "L")
    return v


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write the neuron's derivation line by line with ``write``."""
    from microgrid.optim import SGD

    t = words(TEXT, lang)
    p = Printer(write, digits)
    v = build()
    L = v["L"]
    L.backward()

    p.title(t["title"])
    p.rows(
        [
            (t["inputs"], "  ", f"x1 = {INPUTS['x1']:g}   x2 = {INPUTS['x2']:g}"),
            (t["weights"], "  ", f"w1 = {WEIGHTS['w1']:g}   w2 = {WEIGHTS['w2']:g}"),
            (t["bias"], "  ", f"b = {BIAS:g}"),
            (t["target"], "  ", f"y = {TARGET:g}"),
            (t["loss"], "  ", "L = 1/2 (y - a)^2"),
            (t["lr"], "  ", f"η = {LEARNING_RATE:g}"),
        ]
    )

    p.heading(t["forward"])
    p.equations(
        [
            ("z", "w1 x1 + w2 x2 + b", v["z"].data),
            ("a", "σ(z) = 1 / (1 + e^(-z))", v["a"].data),
            ("L", "1/2 (y - a)^2", L.data),
        ]
    )

    p.heading(t["backward"])
    p.line("    ∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w")
    p.line("    ∂L/∂b = ∂L/∂a · ∂a/∂z · ∂z/∂b")
    p.line(f"  {t['factors']}")
    d_a = explain(L, v["a"]).total
    d_z = explain(v["a"], v["z"]).total
    local = {name: explain(v["z"], v[name]).total for name in ("w1", "w2", "b")}
    p.equations(
        [
            ("∂L/∂a", "-(y - a)", d_a),
            ("∂a/∂z", "σ(z) (1 - σ(z)) = a (1 - a)", d_z),
            ("∂z/∂w1", "x1", local["w1"]),
            ("∂z/∂w2", "x2", local["w2"]),
            ("∂z/∂b", "1", local["b"]),
        ]
    )
    p.line(f"  {t['products']}")
    p.equations(
        (
            f"∂L/∂{name}",
            " · ".join(p.term(x) for x in (d_a, d_z, local[name])),
            d_a * d_z * local[name],
        )
        for name in ("w1", "w2", "b")
    )
    grads = ",  ".join(f"{name}.grad = {p.num(v[name].grad)}" for name in ("w1", "w2", "b"))
    p.line(f"  {t['engine']}: {grads}")

    p.heading(t["update"])
    p.line("    w ← w - η Δw,   b ← b - η Δb   (Δw = ∂L/∂w)")
    params = [v["w1"], v["w2"], v["b"]]
    before = {q.label: (q.data, q.grad) for q in params}
    SGD(params, lr=LEARNING_RATE).step()
    p.equations(
        (
            f"{q.label} ← {q.label} - η ∂L/∂{q.label}",
            f"{p.num(before[q.label][0])} - {LEARNING_RATE:g} · {p.term(before[q.label][1])}",
            q.data,
        )
        for q in params
    )
    after = build({"w1": v["w1"].data, "w2": v["w2"].data}, v["b"].data)["L"].data
    p.line(f"  {t['after']}: L = {p.num(after)}   ({t['before']}: {p.num(L.data)})")
    p.closing(lang)


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``neuron.svg/.png`` (the graph after the backward pass) and ``stepper.html``."""
    out = prepare(out_dir)
    v = build()
    v["L"].backward()
    params = [v["w1"], v["w2"], v["b"]]
    return save_graph(out, "neuron", v["L"], params=params) + save_stepper(
        out, "stepper", v["L"], lang=lang, params=params
    )
