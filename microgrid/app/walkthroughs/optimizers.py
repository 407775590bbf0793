"""``microgrid walkthrough optimizers``: two steps of each update rule of seed 002, with numbers.

One small problem, f(x) = 1/2 x1^2 + 3/2 x2^2 from x = (1, 1) (a valley three times steeper
along x2), and the seed's table of update rules (cs231n's notation, dx = ∇f(x))::

    Vanilla     x = x - η dx
    Momentum    v = μ v - η dx;  x = x + v
    Nesterov    x_ahead = x + μ v;  v = μ v - η dx_ahead;  x = x + v
    Adagrad     cache = cache + dx^2;  x = x - η dx / (sqrt(cache) + eps)
    RMSprop     cache = ρ cache + (1 - ρ) dx^2;  x = x - η dx / (sqrt(cache) + eps)
    Adam        m = β1 m + (1 - β1) dx;  v = β2 v + (1 - β2) dx^2;  x = x - η m / (sqrt(v) + eps)

Adam is shown twice: as the seed writes it (no bias correction) and as torch and the paper do
it (m and v divided by 1 - β^t). Every gradient comes from ``f.backward()`` and every step from
``microgrid.optim``; the seed's v, cache, m are read from the optimizer's state (torch keeps the
momentum buffer b = -v/η, and for Nesterov holds the look-ahead point x + μ v).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value

if TYPE_CHECKING:  # microgrid.optim brings numpy: loaded only when a walkthrough runs
    from microgrid.optim import Optimizer

START = (1.0, 1.0)
LR = 0.1
MU = 0.9
RHO = 0.9
BETAS = (0.9, 0.999)
STEPS = 2

TEXT = {
    "en": {
        "title": "Optimizers: two steps of each update rule on one problem (seed 002)",
        "problem": "the problem",
        "start": "start",
        "grad": "gradient (f.backward())",
        "step": "step {k}",
        "summary": "After {n} steps",
        "rule": "rule",
        "note_momentum": "optim.SGD keeps b = -v/η; the walkthrough prints the seed's v",
        "note_nesterov": "optim.SGD(nesterov=True) holds the look-ahead point x_ahead = x + μ v",
        "note_adam": "without the correction the first step is η (1 - β1)/sqrt(1 - β2) ≈ 3.16 η "
        "per coordinate, not η",
        "from": "every x from microgrid.optim",
    },
    "zh": {
        "title": "优化器: 同一个问题上每种更新规则走两步 (种子笔记 002)",
        "problem": "问题",
        "start": "起点",
        "grad": "梯度 (f.backward())",
        "step": "第 {k} 步",
        "summary": "{n} 步之后",
        "rule": "更新规则",
        "note_momentum": "optim.SGD 保存的是 b = -v/η; 这里打印笔记中的 v",
        "note_nesterov": "optim.SGD(nesterov=True) 保存的是前瞻点 x_ahead = x + μ v",
        "note_adam": "不做偏差修正时, 第一步每个坐标走 η (1 - β1)/sqrt(1 - β2) ≈ 3.16 η, 而不是 η",
        "from": "每个 x 都来自 microgrid.optim",
    },
}


def f(x: list[Value]) -> Value:
    """The problem: f(x) = 1/2 x1^2 + 3/2 x2^2, minimum 0 at (0, 0)."""
    return named(0.5 * x[0] ** 2 + 1.5 * x[1] ** 2, "f")


@dataclass(frozen=True)
class Rule:
    """One row of the seed's table: its name, its formula, the optimizer, what to print."""

    name: str
    name_zh: str
    formula: tuple[str, ...]
    make: Callable[[list[Value]], Optimizer]
    # (optimizer, x before the step, its gradient, x after) -> the seed's quantities this step
    shown: Callable[
        [Optimizer, list[float], list[float], list[float]], list[tuple[str, list[float]]]
    ]
    note: str = ""


def _state(opt, key: str, scale: float = 1.0) -> list[float]:
    return [scale * s[key] for s in opt.state]


def _nesterov_x(opt, before, dx, after):
    v = _state(opt, "momentum_buffer", -LR)
    return [
        ("x_ahead", before),
        ("dx_ahead", dx),
        ("v", v),
        ("x", [p - MU * vk for p, vk in zip(after, v)]),
    ]


def _adam(corrected: bool):
    def shown(opt, before, dx, after):
        m, v = _state(opt, "exp_avg"), _state(opt, "exp_avg_sq")
        rows = [("dx", dx), ("m", m), ("v", v)]
        if corrected:
            t = opt.steps
            rows += [
                ("m_hat", [x / (1 - BETAS[0] ** t) for x in m]),
                ("v_hat", [x / (1 - BETAS[1] ** t) for x in v]),
            ]
        return [*rows, ("x", after)]

    return shown


def rules() -> list[Rule]:
    """The seed's table, in its order, plus RMSprop and Adam with bias correction."""
    from microgrid import optim

    return [
        Rule(
            "Vanilla",
            "Vanilla (普通的梯度下降)",
            ("x = x - η dx",),
            lambda p: optim.SGD(p, lr=LR),
            lambda o, b, g, a: [("dx", g), ("x", a)],
        ),
        Rule(
            "Momentum",
            "Momentum (动量更新)",
            ("v = μ v - η dx", "x = x + v"),
            lambda p: optim.SGD(p, lr=LR, momentum=MU),
            lambda o, b, g, a: [("dx", g), ("v", _state(o, "momentum_buffer", -LR)), ("x", a)],
            "note_momentum",
        ),
        Rule(
            "Nesterov",
            "Nesterov (前瞻的动量)",
            ("x_ahead = x + μ v", "v = μ v - η dx_ahead", "x = x + v"),
            lambda p: optim.SGD(p, lr=LR, momentum=MU, nesterov=True),
            _nesterov_x,
            "note_nesterov",
        ),
        Rule(
            "Adagrad",
            "Adagrad (自适应: 梯度大的方向学习率越来越小)",
            ("cache = cache + dx^2", "x = x - η dx / (sqrt(cache) + eps)"),
            lambda p: optim.Adagrad(p, lr=LR),
            lambda o, b, g, a: [("dx", g), ("cache", _state(o, "sum")), ("x", a)],
        ),
        Rule(
            "RMSprop",
            "RMSprop (会遗忘的 Adagrad)",
            ("cache = ρ cache + (1 - ρ) dx^2", "x = x - η dx / (sqrt(cache) + eps)"),
            lambda p: optim.RMSprop(p, lr=LR, alpha=RHO),
            lambda o, b, g, a: [("dx", g), ("cache", _state(o, "square_avg")), ("x", a)],
        ),
        Rule(
            "Adam (seed: no bias correction)",
            "Adam (笔记的形式: 没有偏差修正)",
            (
                "m = β1 m + (1 - β1) dx",
                "v = β2 v + (1 - β2) dx^2",
                "x = x - η m / (sqrt(v) + eps)",
            ),
            lambda p: optim.Adam(p, lr=LR, betas=BETAS, bias_correction=False),
            _adam(False),
            "note_adam",
        ),
        Rule(
            "Adam (bias-corrected: torch, the paper)",
            "Adam (有偏差修正: torch 与论文)",
            (
                "m = β1 m + (1 - β1) dx",
                "v = β2 v + (1 - β2) dx^2",
                "m_hat = m / (1 - β1^t),  v_hat = v / (1 - β2^t)",
                "x = x - η m_hat / (sqrt(v_hat) + eps)",
            ),
            lambda p: optim.Adam(p, lr=LR, betas=BETAS),
            _adam(True),
        ),
    ]


def run(rule: Rule, steps: int = STEPS) -> list[dict]:
    """``steps`` steps of ``rule`` from START: per step the seed's quantities, f at the new x."""
    x = [Value(v, label=f"x{k}") for k, v in enumerate(START, 1)]
    opt = rule.make(x)
    records = []
    for _ in range(steps):
        opt.zero_grad()
        f(x).backward()
        before, dx = [p.data for p in x], [p.grad for p in x]
        opt.step()
        shown = rule.shown(opt, before, dx, [p.data for p in x])
        at = [Value(v) for v in dict(shown)["x"]]
        records.append({"shown": shown, "f": f(at).data})
    return records


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write two steps of every update rule with ``write``."""
    t = words(TEXT, lang)
    p = Printer(write, digits)
    p.title(t["title"])
    start = [Value(v) for v in START]
    p.rows(
        [
            (t["problem"], "  ", "f(x) = 1/2 x1^2 + 3/2 x2^2,   dx = ∇f(x) = (x1, 3 x2)"),
            (t["start"], "  ", f"x = {p.vec(START)},  f(x) = {p.num(f(start).data)}"),
            (
                "η, μ, ρ, β1, β2",
                "  ",
                f"η = {LR:g}, μ = {MU:g}, ρ = {RHO:g}, β1 = {BETAS[0]:g}, β2 = {BETAS[1]:g}",
            ),
        ]
    )
    p.line(f"  ({t['from']})")
    finals = []
    for rule in rules():
        name = rule.name_zh if lang == "zh" else rule.name
        p.heading(name)
        for formula in rule.formula:
            p.line(f"    {formula}")
        if rule.note:
            p.line(f"  ({t[rule.note]})")
        records = run(rule)
        for k, r in enumerate(records, 1):
            p.line(f"  {t['step'].format(k=k)}:")
            rows = [(sym, "", p.vec(vals)) for sym, vals in r["shown"]]
            p.equations([*rows, ("f(x)", "", p.num(r["f"]))], indent="    ")
        finals.append((name, *_final_x(records), records[-1]["f"]))
    p.heading(t["summary"].format(n=STEPS))
    p.table((t["rule"], "x1", "x2", "f(x)"), finals)
    p.closing(lang)


def _final_x(records: list[dict]) -> list[float]:
    return dict(records[-1]["shown"])["x"]


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``problem.svg/.png``: f and its gradient at the start, and its ``stepper.html``."""
    out = prepare(out_dir)
    x = [Value(v, label=f"x{k}") for k, v in enumerate(START, 1)]
    loss = f(x)
    loss.backward()
    return save_graph(out, "problem", loss, params=x) + save_stepper(
        out, "stepper", loss, lang=lang, params=x
    )
