"""``microgrid walkthrough batchnorm``: batch, layer, instance and group norm, and batch norm's
backward pass.

Seed 004, Q6 (and seed 002): all four normalizations compute, over a set S of values,
μ = mean(S), σ² = mean((x - μ)^2) and x̂ = (x - μ) / sqrt(σ² + ε); they differ only in S
(the seed's figure 7, for a batch [N][C][H][W]):

* batch norm: one channel c, over the whole batch: N x H x W values;
* layer norm: one sample n, over all of its channels: C x H x W values;
* instance norm: one sample, one channel: H x W values;
* group norm: one sample, one group of C/G channels: C/G x H x W values.

Part 1 runs the layers' ``functional.batch_norm`` / ``layer_norm`` / ``instance_norm`` /
``group_norm`` on one small batch and shows, for every set S, its μ and σ² and that the
outputs over S have mean 0 and variance σ²/(σ² + ε) ≈ 1. Part 2 is batch norm's backward pass
on a batch of features [N][F], y = γ x̂ + β, with the closed form::

    ∂L/∂x_i = γ / sqrt(σ² + ε) · (g_i - mean_j g_j - x̂_i mean_j g_j x̂_j),   g = ∂L/∂y

Summed over the batch it is 0, because Σ_i (g_i - mean g) = 0 and Σ_i x̂_i = 0: moving every
x of a feature by the same amount moves μ with it and changes no output.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.functional import value_sum

EPS = 1e-5
GROUPS = 2
#: A batch [N=2][C=4][H=2][W=2], each plane written as its 4 values (h, w row-major).
IMAGES = (
    ((1.0, 2.0, 3.0, 4.0), (2.0, 4.0, 6.0, 8.0), (0.0, 1.0, 0.0, 1.0), (5.0, 3.0, 1.0, -1.0)),
    ((4.0, 4.0, 2.0, 2.0), (1.0, 0.0, -1.0, 0.0), (3.0, 5.0, 7.0, 9.0), (2.0, 2.0, 2.0, 6.0)),
)
METHODS = ("batch", "layer", "instance", "group")
#: Part 2: a batch of N = 4 samples with F = 2 features, the scale and shift, and the upstream
#: gradient ∂L/∂y (L = Σ g_nf y_nf).
FEATURES = ((1.0, 2.0), (2.0, -1.0), (4.0, 0.5), (0.0, 3.0))
GAMMA = (1.5, 0.5)
BETA = (0.1, -0.2)
UPSTREAM = ((1.0, -2.0), (0.5, 1.0), (3.0, 0.0), (-1.0, 2.0))

TEXT = {
    "en": {
        "title": "Batch, layer, instance and group normalization (seed 004, Q6)",
        "input": "a batch x of N = 2 samples, C = 4 channels, H x W = 2 x 2 (one row per channel):",
        "sample": "sample n = {n}",
        "formula": "for each set S: μ = mean(S), σ² = mean((x - μ)^2), x̂ = (x - μ) / sqrt(σ² + ε)",
        "sets": "1. Which values share one μ and σ²",
        "batch": "batch norm: per channel, over N, H, W",
        "layer": "layer norm: per sample, over C, H, W",
        "instance": "instance norm: per sample and channel, over H, W",
        "group": "group norm (G = 2): per sample and group of 2 channels, over those and H, W",
        "set": "set S",
        "size": "|S|",
        "mean_y": "mean x̂ over S",
        "var_y": "var x̂ over S",
        "check": "(μ, σ² from Values; x̂ from functional.{f}: over each S, mean 0 and variance "
        "σ²/(σ² + ε) ≈ 1)",
        "first": "the first value of each set by hand: x̂ = (x - μ) / sqrt(σ² + ε)",
        "backward": "2. Batch norm's backward pass: why a feature's input gradients sum to 0",
        "bn": "a batch of N = 4 samples, F = 2 features; y = γ x̂ + β, L = Σ g y:",
        "feature": "feature f = {f}:  μ = {mu},  σ² = {var},  γ = {g:g}",
        "closed": "closed form: ∂L/∂x_i = γ / sqrt(σ² + ε) (g_i - mean g - x̂_i mean(g x̂))",
        "engine": "∂L/∂x (backward)",
        "sum": "Σ_n ∂L/∂x_n",
        "why": "it sums to 0: Σ_i (g_i - mean g) = 0 and Σ_i x̂_i = 0.\nIn words: adding one "
        "number to every x of a feature moves μ with it and changes no y, so L cannot change:",
        "shift": "add 0.1 to every sample of feature 0 and run the forward pass again",
        "library": "from",
        "xhat_of": "x̂ of {x}",
        "closed_col": "closed form",
    },
    "zh": {
        "title": "批量归一化, 层归一化, 实例归一化与分组归一化 (种子笔记 004, Q6)",
        "input": "一个批次 x: N = 2 个样本, C = 4 个通道, H x W = 2 x 2 (每个通道一行):",
        "sample": "样本 n = {n}",
        "formula": "对每个集合 S: μ = mean(S), σ² = mean((x - μ)^2), x̂ = (x - μ) / sqrt(σ² + ε)",
        "sets": "1. 哪些值共用一个均值 μ 和方差 σ²",
        "batch": "批量归一化: 每个通道, 跨 N, H, W",
        "layer": "层归一化: 每个样本, 跨 C, H, W",
        "instance": "实例归一化: 每个样本的每个通道, 跨 H, W",
        "group": "分组归一化 (G = 2): 每个样本的每组 2 个通道, 跨这些通道和 H, W",
        "set": "集合 S",
        "size": "|S|",
        "mean_y": "S 上 x̂ 的均值",
        "var_y": "S 上 x̂ 的方差",
        "check": "(μ, σ² 由 Value 计算; x̂ 来自 functional.{f}: 在每个 S 上均值为 0, 方差为 "
        "σ²/(σ² + ε) ≈ 1)",
        "first": "每个集合的第一个值, 手算: x̂ = (x - μ) / sqrt(σ² + ε)",
        "backward": "2. 批量归一化的反向传播: 为什么同一特征的输入梯度之和为 0",
        "bn": "一个批次: N = 4 个样本, F = 2 个特征; y = γ x̂ + β, L = Σ g y:",
        "feature": "特征 f = {f}:  μ = {mu},  σ² = {var},  γ = {g:g}",
        "closed": "闭式解: ∂L/∂x_i = γ / sqrt(σ² + ε) (g_i - mean g - x̂_i mean(g x̂))",
        "engine": "∂L/∂x (反向传播)",
        "sum": "Σ_n ∂L/∂x_n",
        "why": "和为 0: Σ_i (g_i - mean g) = 0 且 Σ_i x̂_i = 0。\n换句话说: 给某个特征的所有 x "
        "加同一个数, μ 也随之移动, y 不变, 所以 L 不变:",
        "shift": "给特征 0 的每个样本加 0.1, 重新做一次正向传播",
        "library": "来自",
        "xhat_of": "{x} 的 x̂",
        "closed_col": "闭式解",
    },
}


def sets(method: str, n: int = 2, c: int = 4) -> list[tuple[str, list[tuple[int, int]]]]:
    """The seed's figure as data: each set S as (its name, the (sample, channel) planes in it)."""
    if method == "batch":
        return [(f"c = {k}", [(i, k) for i in range(n)]) for k in range(c)]
    if method == "layer":
        return [(f"n = {i}", [(i, k) for k in range(c)]) for i in range(n)]
    if method == "instance":
        return [(f"n = {i}, c = {k}", [(i, k)]) for i in range(n) for k in range(c)]
    if method == "group":
        size = c // GROUPS
        return [
            (
                f"n = {i}, c = {g * size}..{g * size + size - 1}",
                [(i, k) for k in range(g * size, (g + 1) * size)],
            )
            for i in range(n)
            for g in range(GROUPS)
        ]
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def images() -> list[list[list[list[Value]]]]:
    """IMAGES as a grid [N][C][H][W] of leaves x[n,c,h,w]."""
    return [
        [
            [
                [Value(plane[2 * h + w], label=f"x[{n},{k},{h},{w}]") for w in range(2)]
                for h in range(2)
            ]
            for k, plane in enumerate(sample)
        ]
        for n, sample in enumerate(IMAGES)
    ]


def normalized(method: str, x) -> list:
    """The layers' normalization of the grid ``x`` (no scale and shift)."""
    from microgrid import functional

    if method == "group":
        return functional.group_norm(x, GROUPS, eps=EPS)
    return getattr(functional, f"{method}_norm")(x, eps=EPS)


def statistics(values: list[Value]) -> tuple[Value, Value]:
    """μ and the biased σ² of ``values``, as Values."""
    mu = value_sum(values) / len(values)
    var = value_sum([(v - mu) ** 2 for v in values]) / len(values)
    return mu, var


def _plane(g, n: int, k: int) -> list:
    return [v for row in g[n][k] for v in row]


def _function(method: str) -> str:
    return f"{method}_norm"


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write the four normalizations and batch norm's backward pass with ``write``."""
    t = words(TEXT, lang)
    p = Printer(write, digits)
    p.title(t["title"])
    p.line(f"  {t['input']}")
    for n, sample in enumerate(IMAGES):
        p.line(f"    {t['sample'].format(n=n)}:")
        p.rows(
            [(f"c = {k}   ", *(f"{v:g}  " for v in plane)) for k, plane in enumerate(sample)],
            indent="      ",
        )
    p.line(f"  {t['formula']}")

    p.heading(t["sets"])
    x = images()
    for method in METHODS:
        y = normalized(method, x)
        p.line("")
        p.line(f"  {t[method]}")
        rows, firsts = [], []
        for name, members in sets(method):
            xs = [v for (n, k) in members for v in _plane(x, n, k)]
            ys = [v.data for (n, k) in members for v in _plane(y, n, k)]
            mu, var = statistics(xs)
            mean_y = sum(ys) / len(ys)
            rows.append(
                (
                    name,
                    str(len(xs)),
                    mu.data,
                    var.data,
                    mean_y,
                    sum((v - mean_y) ** 2 for v in ys) / len(ys),
                )
            )
            firsts.append((xs[0], mu.data, var.data, ys[0]))
        p.table((t["set"], t["size"], "μ", "σ²", t["mean_y"], t["var_y"]), rows)
        p.line("    " + t["check"].format(f=_function(method)))
        xv, mean, variance, first = firsts[0]
        by_hand = (xv.data - mean) / math.sqrt(variance + EPS)
        p.equations(
            [
                (
                    t["xhat_of"].format(x=xv.label),
                    f"({xv.data:g} - {p.num(mean)}) / sqrt({p.num(variance)} + {EPS:g})",
                    by_hand,
                ),
                ("", f"{t['library']} functional.{_function(method)}", first),
            ]
        )
    _backward(p, t)
    p.closing(lang)


def features():
    """Part 2's graph: x [N][F], γ, β, y = batch_norm(x, γ, β), L = Σ g y."""
    from microgrid import functional

    x = [
        [Value(v, label=f"x[{n},{f}]") for f, v in enumerate(row)] for n, row in enumerate(FEATURES)
    ]
    gamma = [Value(v, label=f"γ{f}") for f, v in enumerate(GAMMA)]
    beta = [Value(v, label=f"β{f}") for f, v in enumerate(BETA)]
    y = functional.batch_norm(x, gamma, beta, eps=EPS)
    L = named(
        value_sum([g * v for grow, yrow in zip(UPSTREAM, y) for g, v in zip(grow, yrow)]), "L"
    )
    return {"x": x, "gamma": gamma, "beta": beta, "y": y, "L": L}


def _backward(p: Printer, t) -> None:
    p.heading(t["backward"])
    p.line(f"  {t['bn']}")
    p.line(f"  {t['closed']}")
    graph = features()
    x, y, L = graph["x"], graph["y"], graph["L"]
    L.backward()
    N = len(x)
    for f in range(len(GAMMA)):
        column = [x[n][f] for n in range(N)]
        mu, var = statistics(column)
        sd = math.sqrt(var.data + EPS)
        xhat = [(v.data - mu.data) / sd for v in column]
        g = [y[n][f].grad for n in range(N)]
        mean_g = sum(g) / N
        mean_gx = sum(a * b for a, b in zip(g, xhat)) / N
        gamma = graph["gamma"][f].data
        closed = [gamma / sd * (g[n] - mean_g - xhat[n] * mean_gx) for n in range(N)]
        p.line("")
        p.line("  " + t["feature"].format(f=f, mu=p.num(mu.data), var=p.num(var.data), g=gamma))
        p.table(
            ("n", "x", "x̂", "g = ∂L/∂y", t["engine"], t["closed_col"]),
            ((str(n), column[n].data, xhat[n], g[n], column[n].grad, closed[n]) for n in range(N)),
        )
        p.equations([(t["sum"], "", sum(v.grad for v in column))], indent="    ")
    for text in t["why"].split("\n"):
        p.line(f"  {text}")
    p.line(f"  {t['shift']}:")
    after = features_loss(0.1)
    p.equations([("L", "", L.data), ("L (x + 0.1)", "", after)], indent="    ")


def features_loss(shift: float) -> float:
    """L of part 2 with ``shift`` added to every sample of feature 0 (a fresh forward pass)."""
    from microgrid import functional

    x = [[Value(v + (shift if f == 0 else 0.0)) for f, v in enumerate(row)] for row in FEATURES]
    y = functional.batch_norm(x, list(GAMMA), list(BETA), eps=EPS)
    return value_sum([g * v for grow, yrow in zip(UPSTREAM, y) for g, v in zip(grow, yrow)]).data


#: One colour per set S (up to 8, for instance norm's N x C sets), calm and distinct.
PALETTE = ("#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5", "#d9d9d9")
CAPTIONS = {
    "en": "Which values share one mean and variance: one colour per set S",
    "zh": "哪些值共用一个均值和方差: 每个集合 S 一种颜色",
}


def groups_dot(lang: str = "en") -> str:
    """The seed's figure 7 as DOT: for each method, the batch's planes coloured by set S."""
    t = words(TEXT, lang)
    cell = '<TD BGCOLOR="{c}" WIDTH="28" HEIGHT="22" FIXEDSIZE="TRUE">{v}</TD>'
    panels = []
    for method in METHODS:
        colour = {}
        for k, (_, members) in enumerate(sets(method)):
            for member in members:
                colour[member] = PALETTE[k % len(PALETTE)]
        samples = []
        for n, sample in enumerate(IMAGES):
            rows = "".join(
                f'<TR><TD ALIGN="RIGHT"><FONT POINT-SIZE="9">c{k}</FONT></TD>'
                + "".join(cell.format(c=colour[(n, k)], v=f"{v:g}") for v in plane)
                + "</TR>"
                for k, plane in enumerate(sample)
            )
            head = f'<TR><TD></TD><TD COLSPAN="4"><FONT POINT-SIZE="10">n = {n}</FONT></TD></TR>'
            samples.append(f'<TD><TABLE BORDER="0" CELLSPACING="1">{head}{rows}</TABLE></TD>')
        name, _, rule = t[method].replace("&", "&amp;").replace("<", "&lt;").partition(": ")
        title = f'<B>{name}</B><BR/><FONT POINT-SIZE="10">{rule}</FONT>'
        panels.append(
            f'<TD><TABLE BORDER="0" CELLSPACING="4"><TR><TD COLSPAN="2">{title}</TD></TR>'
            f"<TR>{''.join(samples)}</TR></TABLE></TD>"
        )
    grid = "".join(f"<TR>{''.join(panels[k : k + 2])}</TR>" for k in (0, 2))
    caption = CAPTIONS[lang]
    return (
        "digraph normalization {\n"
        '  graph [bgcolor="white", margin="0.2"];\n'
        '  node [shape=plaintext, fontname="DejaVu Sans,Helvetica,Arial,sans-serif", '
        'fontsize="11"];\n'
        f'  figure [label=<<TABLE BORDER="0" CELLSPACING="10"><TR><TD COLSPAN="2">'
        f'<FONT POINT-SIZE="13">{caption}</FONT></TD></TR>{grid}</TABLE>>];\n'
        "}\n"
    )


def one_feature():
    """Batch norm of feature 0 alone (N = 4): the graph drawn and stepped through."""
    from microgrid import functional

    x = [[Value(row[0], label=f"x[{n}]")] for n, row in enumerate(FEATURES)]
    gamma, beta = Value(GAMMA[0], label="γ"), Value(BETA[0], label="β")
    y = functional.batch_norm(x, [gamma], [beta], eps=EPS)
    g = [row[0] for row in UPSTREAM]
    L = named(value_sum([gn * row[0] for gn, row in zip(g, y)]), "L")
    return L, [gamma, beta]


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``normalization_sets.svg/.png`` (the seed's figure), and batch norm's graph and stepper."""
    from viz import Drawing

    out = prepare(out_dir)
    figure = Drawing(groups_dot(lang))
    written = [
        figure.render(out / "normalization_sets.svg"),
        figure.render(out / "normalization_sets.png"),
    ]
    L, params = one_feature()
    L.backward()
    written += save_graph(out, "batch_norm", L, params=params)
    written += save_stepper(out, "stepper", L, lang=lang, params=params)
    return written
