"""``microgrid walkthrough pooling``: max and average pooling, forward and backward, on a 4x4 input.

Seed 004, Q8: both backward passes first restore the size before pooling (在反向过程中都先还原
为池化之前的大小); then

* max pooling sends each window's upstream gradient to the position of its maximum, recorded
  in the forward pass, and 0 to every other position;
* average pooling spreads it evenly: each of the k positions of the window gets 1/k of it.

The pooling is ``functional.max_pool2d`` / ``avg_pool2d`` (2x2 windows, stride 2) on one 4x4
channel; the upstream gradient g = ∂L/∂p comes from a loss L = Σ_ij g_ij p_ij, and ∂L/∂x from
``L.backward()``. ``--out`` writes both graphs and a stepper for each.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.explain import explain
from microgrid.functional import value_sum

#: One channel, 4x4: every 2x2 window has a single largest value (no ties).
IMAGE = (
    (1.0, 3.0, 2.0, 9.0),
    (4.0, 2.0, 0.0, 1.0),
    (5.0, 6.0, 1.0, 2.0),
    (7.0, 0.0, 3.0, 4.0),
)
#: The upstream gradient ∂L/∂p, one number per pooled output.
UPSTREAM = ((0.1, 0.2), (0.3, 0.4))
KERNEL = 2
KINDS = ("max", "avg")

TEXT = {
    "en": {
        "title": "Pooling, forward and backward, on a 4x4 input (seed 004, Q8)",
        "input": "the input x (one channel), 2x2 windows, stride 2:",
        "forward": "1. Forward pass",
        "max": "max pooling: p_ij = max of window (i, j); the graph records where the maximum is",
        "avg": "average pooling: p_ij = 1/4 Σ window (i, j)",
        "argmax": "window ({i}, {j}): ∂p[{i},{j}]/∂x[{r},{c}] = 1 (the maximum, {v:g}), else 0",
        "backward": "2. Backward pass",
        "upstream": "the upstream gradient ∂L/∂p (L = Σ_ij g_ij p_ij):",
        "restore": "both first restore the size before pooling (4x4); then",
        "max_back": "max pooling: each g_ij goes to its window's maximum, 0 elsewhere:",
        "avg_back": "average pooling: each g_ij is spread evenly, g_ij / 4 per position:",
        "kept": "either way the gradient is routed, not lost: Σ ∂L/∂x = Σ g",
    },
    "zh": {
        "title": "池化的正向与反向过程, 4x4 输入 (种子笔记 004, Q8)",
        "input": "输入 x (一个通道), 2x2 窗口, 步长 2:",
        "forward": "1. 正向传播",
        "max": "最大池化: p_ij = 窗口 (i, j) 的最大值; 计算图记录了最大值的位置",
        "avg": "平均池化: p_ij = 1/4 Σ 窗口 (i, j)",
        "argmax": "窗口 ({i}, {j}): ∂p[{i},{j}]/∂x[{r},{c}] = 1 (最大值 {v:g}), 其余为 0",
        "backward": "2. 反向传播",
        "upstream": "上游梯度 ∂L/∂p (L = Σ_ij g_ij p_ij):",
        "restore": "两者都先还原为池化之前的大小 (4x4); 然后",
        "max_back": "最大池化: 每个 g_ij 传给窗口中最大值的位置, 其他位置为 0:",
        "avg_back": "平均池化: 每个 g_ij 平均分给 4 个位置, 每个 g_ij / 4:",
        "kept": "两种方式都只是分配梯度, 不会丢失: Σ ∂L/∂x = Σ g",
    },
}


def build(kind: str) -> dict:
    """x (4x4 leaves x[i,j]), the pooled p (2x2, named p[i,j]) and L = Σ g_ij p_ij."""
    from microgrid import functional

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    x = [[Value(v, label=f"x[{i},{j}]") for j, v in enumerate(row)] for i, row in enumerate(IMAGE)]
    pool = functional.max_pool2d if kind == "max" else functional.avg_pool2d
    (p,) = pool([x], KERNEL)  # one channel in, one out
    for i, row in enumerate(p):
        for j, v in enumerate(row):
            named(v, f"p[{i},{j}]")
    g = [
        [Value(v, label=f"g[{i},{j}]") for j, v in enumerate(row)] for i, row in enumerate(UPSTREAM)
    ]
    L = named(value_sum([gv * pv for grow, prow in zip(g, p) for gv, pv in zip(grow, prow)]), "L")
    return {"x": x, "p": p, "g": g, "L": L}


def _argmax(graph: dict, i: int, j: int) -> tuple[int, int]:
    """Where the maximum of window (i, j) sits in x, as the forward pass recorded it: the max
    nodes' local derivatives are 1 on the path to the maximum and 0 to every other position."""
    window = [
        (r, c)
        for r in range(KERNEL * i, KERNEL * (i + 1))
        for c in range(KERNEL * j, KERNEL * (j + 1))
    ]
    (found,) = [
        (r, c) for r, c in window if explain(graph["p"][i][j], graph["x"][r][c]).total == 1.0
    ]
    return found


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write max and average pooling's forward and backward pass with ``write``."""
    t = words(TEXT, lang)
    p = Printer(write, digits)
    p.title(t["title"])
    p.line(f"  {t['input']}")
    p.rows([tuple(f"{v:g}  " for v in row) for row in IMAGE], indent="      ")
    graphs = {kind: build(kind) for kind in KINDS}
    for g in graphs.values():
        g["L"].backward()

    p.heading(t["forward"])
    p.line(f"  {t['max']}")
    p.grid("p", [[v.data for v in row] for row in graphs["max"]["p"]])
    pooled = graphs["max"]
    for i, row in enumerate(pooled["p"]):
        for j in range(len(row)):
            r, c = _argmax(pooled, i, j)
            x = pooled["x"][r][c].data
            p.line("      " + t["argmax"].format(i=i, j=j, r=r, c=c, v=x))
    p.line(f"  {t['avg']}")
    p.grid("p", [[v.data for v in row] for row in graphs["avg"]["p"]])

    p.heading(t["backward"])
    p.line(f"  {t['upstream']}")
    p.grid("g", [[v.grad for v in row] for row in graphs["max"]["p"]])
    p.line(f"  {t['restore']}")
    for kind in KINDS:
        p.line(f"  {t[kind + '_back']}")
        p.grid("∂L/∂x", [[v.grad for v in row] for row in graphs[kind]["x"]])
    p.line(f"  {t['kept']}:")
    total = {kind: sum(v.grad for row in graphs[kind]["x"] for v in row) for kind in KINDS}
    upstream = sum(v.data for row in graphs["max"]["g"] for v in row)
    p.equations(
        [
            ("Σ g", "", upstream),
            ("Σ ∂L/∂x (max)", "", total["max"]),
            ("Σ ∂L/∂x (avg)", "", total["avg"]),
        ]
    )
    p.closing(lang)


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``pool_max`` and ``pool_avg`` graphs (SVG, PNG) and a stepper for each."""
    out = prepare(out_dir)
    written: list[str] = []
    for kind in KINDS:
        g = build(kind)
        g["L"].backward()
        written += save_graph(out, f"pool_{kind}", g["L"], params=[])
        written += save_stepper(out, f"stepper_{kind}", g["L"], lang=lang, params=[])
    return written
