"""``microgrid walkthrough l2``: the L2 penalty, and why one gradient step shrinks each weight.

Seed 004, Q2 (eq. 4 to 7). Without a penalty, ``w = w - η ∇J(w)`` (4). The L2 penalty adds
λ wᵀw with λ = α/2 (5, 6), written R(w) = α/2 wᵀw here, so the gradient gains α w and the
step becomes::

    w = w - η [∇J(w) + α w] = (1 - ηα) w - η ∇J(w)        (7)

every step first multiplies each weight by (1 - ηα) ("weight decay"), then takes the usual
step. Here J is the squared error of one linear neuron; the penalty is
``regularization.l2_penalty`` and the step ``optim.SGD`` (also with ``weight_decay=α``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.explain import explain

INPUTS = (1.0, 2.0)
TARGET = 1.0
WEIGHTS = (0.5, -0.3)
ALPHA = 0.2
LEARNING_RATE = 0.5
SHRINK_STEPS = 5

TEXT = {
    "en": {
        "title": "The L2 penalty and weight decay (seed 004, Q2, eq. 4 to 7)",
        "setup": "one linear neuron on one sample, squared error J(w):",
        "penalized": "1. The penalized loss (eq. 5, 6: λ = α/2)",
        "gradient": "2. Its gradient: the penalty adds α w",
        "engine": "∂J from J.backward(), ∂Ĵ from Ĵ.backward()",
        "paths": "explain(Ĵ, w1): one path through J, two through R (w1 · w1 uses w1 twice)",
        "step": "3. One gradient-descent step (eq. 7)",
        "same": "the same step, written as shrink then step",
        "without": "without the penalty",
        "moved": "the penalty moved each weight by -ηα w, towards 0.",
        "decay": "optim.SGD(weight_decay=α) on J alone gives the same weights",
        "shrink": "4. The shrink alone: with ∇J = 0, {n} steps multiply w by (1 - ηα)^{n}",
        "after": "after step",
    },
    "zh": {
        "title": "L2 正则项与权重衰减 (种子笔记 004, Q2, 式 4 至 7)",
        "setup": "一个线性神经元, 一个样本, 平方误差 J(w):",
        "penalized": "1. 加入正则项后的损失函数 (式 5, 6: λ = α/2)",
        "gradient": "2. 它的梯度: 正则项多出 α w",
        "engine": "∂J 由 J.backward() 得出, ∂Ĵ 由 Ĵ.backward() 得出",
        "paths": "explain(Ĵ, w1): 一条路径经过 J, 两条经过 R (w1 · w1 用了两次 w1)",
        "step": "3. 一步梯度下降 (式 7)",
        "same": "同一步, 写成先衰减再更新",
        "without": "没有正则项时",
        "moved": "正则项把每个权重多移动了 -ηα w, 朝向 0。",
        "decay": "只对 J 用 optim.SGD(weight_decay=α) 得到同样的权重",
        "shrink": "4. 只看衰减: 当 ∇J = 0 时, {n} 步把 w 乘以 (1 - ηα)^{n}",
        "after": "第几步之后",
    },
}


def build(weights: tuple[float, ...] = WEIGHTS) -> dict[str, Value]:
    """J, the penalty and Ĵ = J + penalty, over fresh weight leaves w1, w2."""
    from microgrid.regularization import l2_penalty

    w1, w2 = (Value(x, label=f"w{k}") for k, x in enumerate(weights, 1))
    x1, x2 = (Value(x, label=f"x{k}") for k, x in enumerate(INPUTS, 1))
    y = Value(TARGET, label="y")
    J = named(0.5 * (w1 * x1 + w2 * x2 - y) ** 2, "J")
    penalty = named(l2_penalty([w1, w2], ALPHA), "R")
    J_hat = named(J + penalty, "Ĵ")
    return {"w1": w1, "w2": w2, "J": J, "penalty": penalty, "Ĵ": J_hat}


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write the L2 derivation with ``write``."""
    from microgrid.optim import SGD

    t = words(TEXT, lang)
    p = Printer(write, digits)
    eta, alpha = LEARNING_RATE, ALPHA
    p.title(t["title"])
    p.line(f"  {t['setup']}")
    p.line("    J(w) = 1/2 (w1 x1 + w2 x2 - y)^2")
    (x1, x2), (w1, w2) = INPUTS, WEIGHTS
    p.line(f"    x1 = {x1:g}, x2 = {x2:g}, y = {TARGET:g};  w1 = {w1:g}, w2 = {w2:g}")
    p.line(f"    α = {alpha:g}, η = {eta:g}, 1 - ηα = {1 - eta * alpha:g}")

    v = build()
    plain = build()
    plain["J"].backward()
    v["Ĵ"].backward()
    p.heading(t["penalized"])
    p.equations(
        [
            ("J(w)", "1/2 (w1 x1 + w2 x2 - y)^2", v["J"].data),
            ("R(w)", "α/2 wᵀw = α/2 (w1^2 + w2^2)", v["penalty"].data),
            ("Ĵ(w)", "J(w) + R(w)", v["Ĵ"].data),
        ]
    )

    p.heading(t["gradient"])
    rows = []
    for k in ("w1", "w2"):
        dj = plain[k].grad
        rows.append((f"∂J/∂{k}", f"(w1 x1 + w2 x2 - y) x{k[1]}", dj))
        rows.append(
            (
                f"∂Ĵ/∂{k}",
                f"∂J/∂{k} + α {k} = {p.num(dj)} + {p.term(alpha * v[k].data)}",
                v[k].grad,
            )
        )
    p.equations(rows)
    p.line(f"  ({t['engine']})")
    p.line(f"  {t['paths']}:")
    for text in explain(v["Ĵ"], v["w1"]).format(digits=p.digits, lang=lang).splitlines():
        p.line("    " + text)

    p.heading(t["step"])
    grads_j = {k: plain[k].grad for k in ("w1", "w2")}
    old = {k: v[k].data for k in ("w1", "w2")}
    SGD([v["w1"], v["w2"]], lr=eta).step()
    SGD([plain["w1"], plain["w2"]], lr=eta, weight_decay=alpha).step()
    shrink = 1 - eta * alpha
    rows = []
    for k in ("w1", "w2"):
        rows.extend(
            [
                (
                    f"{k} ← {k} - η ∂Ĵ/∂{k}",
                    f"{p.num(old[k])} - {eta:g} × {p.term(v[k].grad)}",
                    v[k].data,
                ),
                (
                    f"   = (1 - ηα) {k} - η ∂J/∂{k}",
                    f"{shrink:g} × {p.term(old[k])} - {eta:g} × {p.term(grads_j[k])}",
                    shrink * old[k] - eta * grads_j[k],
                ),
                (
                    f"   {t['without']}: {k} - η ∂J/∂{k}",
                    f"{p.num(old[k])} - {eta:g} × {p.term(grads_j[k])}",
                    old[k] - eta * grads_j[k],
                ),
                (f"   -ηα {k}", f"-{eta:g} × {alpha:g} × {p.term(old[k])}", -eta * alpha * old[k]),
            ]
        )
    p.equations(rows)
    p.line(f"  {t['moved']}")
    p.line(f"  {t['decay']}: w1 = {p.num(plain['w1'].data)}, w2 = {p.num(plain['w2'].data)}")

    _shrink(p, t)
    p.closing(lang)


def _shrink(p: Printer, t) -> None:
    """Gradient descent on the penalty alone: w after k steps = (1 - ηα)^k w."""
    from microgrid.optim import SGD
    from microgrid.regularization import l2_penalty

    p.heading(t["shrink"].format(n=SHRINK_STEPS))
    w = [Value(x, label=f"w{k}") for k, x in enumerate(WEIGHTS, 1)]
    opt = SGD(w, lr=LEARNING_RATE)
    shrink = 1 - LEARNING_RATE * ALPHA
    rows = []
    for k in range(1, SHRINK_STEPS + 1):
        opt.zero_grad()
        l2_penalty(w, ALPHA).backward()
        opt.step()
        rows.append((str(k), w[0].data, shrink**k * WEIGHTS[0], w[1].data, shrink**k * WEIGHTS[1]))
    p.table((t["after"], "w1", "(1 - ηα)^k w1", "w2", "(1 - ηα)^k w2"), rows)


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``l2.svg/.png``: Ĵ = J + α/2 wᵀw after its backward pass, and ``stepper.html``."""
    out = prepare(out_dir)
    v = build()
    v["Ĵ"].backward()
    params = [v["w1"], v["w2"]]
    return save_graph(out, "l2", v["Ĵ"], params=params) + save_stepper(
        out, "stepper", v["Ĵ"], lang=lang, params=params
    )
