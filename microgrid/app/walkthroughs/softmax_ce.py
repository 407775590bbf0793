"""``microgrid walkthrough softmax-ce``: softmax, its Jacobian, cross-entropy, and a_i - y_i.

Seed 002 derives, for logits z and a one-hot label y::

    a_i = e^{z_i} / Σ_k e^{z_k}                    softmax
    ∂a_i/∂z_i = a_i (1 - a_i),  ∂a_j/∂z_i = -a_i a_j   (i ≠ j)
    C = -Σ_i y_i ln a_i                              cross-entropy
    ∂C/∂z_i = Σ_j ∂C/∂a_j ∂a_j/∂z_i = a_i - y_i

Here on a 3-class example, built from Values exactly as written (e^{z_i}, their sum, the
divisions, ln): the Jacobian comes from one backward pass per output a_j, the gradient from
``C.backward()``, and both are shown equal to the seed's closed forms.
``functional.softmax`` and ``losses.softmax_cross_entropy`` give the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from microgrid.app.walkthroughs.pictures import prepare, save_graph, save_stepper
from microgrid.app.walkthroughs.printing import Printer, named, words
from microgrid.engine import Value
from microgrid.functional import softmax, value_sum

LOGITS = (2.0, 1.0, 0.1)
LABEL = (0.0, 1.0, 0.0)

TEXT = {
    "en": {
        "title": "Softmax and cross-entropy: the Jacobian and the gradient a_i - y_i (seed 002)",
        "logits": "logits",
        "label": "label (one-hot: the sample is class 2)",
        "softmax": "1. Softmax: a_i = e^{z_i} / Σ_k e^{z_k}",
        "sum_one": "the a_i sum to 1, probabilities",
        "stable": "functional.softmax(z) subtracts c = max z first (e^{z_i - c}): the same a",
        "jacobian": "2. The Jacobian ∂a_j/∂z_i, one backward pass per a_j",
        "cases": "the seed's two cases:",
        "rows": "∂a_j/∂z_i from a_j.backward() (row j, column i):",
        "entries": "each entry by the seed's formula:",
        "row_sum": "every row sums to 0: adding one number to every z_i leaves a unchanged",
        "ce": "3. Cross-entropy",
        "gradient": "4. The gradient: ∂C/∂z_i = Σ_j ∂C/∂a_j ∂a_j/∂z_i = a_i - y_i",
        "dC_da": "∂C/∂a_j = -y_j / a_j: only the true class k = {k} has ∂C/∂a_k ≠ 0",
        "engine": "C.backward()",
        "library": "losses.softmax_cross_entropy(z, y) gives C = {c} and the gradient {g}",
    },
    "zh": {
        "title": "softmax 与交叉熵: 雅可比矩阵, 以及梯度 a_i - y_i (种子笔记 002)",
        "logits": "神经元输出 z",
        "label": "标签 (one-hot: 样本属于第 2 类)",
        "softmax": "1. softmax: a_i = e^{z_i} / Σ_k e^{z_k}",
        "sum_one": "a_i 之和为 1, 满足概率的性质",
        "stable": "functional.softmax(z) 先减去 c = max z (e^{z_i - c}, 溢出对策): 同样的 a",
        "jacobian": "2. 雅可比矩阵 ∂a_j/∂z_i, 每个 a_j 做一次反向传播",
        "cases": "笔记中的两种情况:",
        "rows": "由 a_j.backward() 得到的 ∂a_j/∂z_i (第 j 行, 第 i 列):",
        "entries": "按笔记的公式逐项计算:",
        "row_sum": "每一行之和为 0: 给所有 z_i 加同一个数, a 不变",
        "ce": "3. 交叉熵",
        "gradient": "4. 梯度: ∂C/∂z_i = Σ_j ∂C/∂a_j ∂a_j/∂z_i = a_i - y_i",
        "dC_da": "∂C/∂a_j = -y_j / a_j: 只有真实类别 k = {k} 的 ∂C/∂a_k ≠ 0",
        "engine": "C.backward()",
        "library": "losses.softmax_cross_entropy(z, y) 给出 C = {c}, 梯度 {g}",
    },
}


@dataclass
class Graph:
    """The named Values of the example: logits z, label y, e^{z_i}, their sum, a, and C."""

    z: list[Value]
    y: list[Value]
    e: list[Value]
    total: Value
    a: list[Value]
    C: Value


def build() -> Graph:
    """z, e^{z_i}, their sum, a, y and C as the seed writes them, every node named."""
    z = [Value(x, label=f"z{i}") for i, x in enumerate(LOGITS, 1)]
    y = [Value(x, label=f"y{i}") for i, x in enumerate(LABEL, 1)]
    e = [named(zi.exp(), f"e^z{i}") for i, zi in enumerate(z, 1)]
    total = named(value_sum(e), "Σe^z")
    a = [named(ei / total, f"a{i}") for i, ei in enumerate(e, 1)]
    C = named(-value_sum([yi * ai.log() for yi, ai in zip(y, a)]), "C")
    return Graph(z, y, e, total, a, C)


def jacobian(g: Graph) -> list[list[float]]:
    """J[j][i] = ∂a_j/∂z_i, from one backward pass per a_j (leaf grads zeroed in between)."""
    rows = []
    for aj in g.a:
        for zi in g.z:
            zi.grad = 0.0
        aj.backward()
        rows.append([zi.grad for zi in g.z])
    for zi in g.z:
        zi.grad = 0.0
    return rows


def walkthrough(write: Callable[[str], None] = print, *, lang: str = "en", digits: int = 6) -> None:
    """Write the softmax and cross-entropy derivation with ``write``."""
    from microgrid.losses import softmax_cross_entropy

    t = words(TEXT, lang)
    p = Printer(write, digits)
    g = build()
    z, y, e, a, C = g.z, g.y, g.e, g.a, g.C
    n = len(z)
    p.title(t["title"])
    p.rows(
        [
            (t["logits"], "  ", f"z = ({', '.join(f'{x:g}' for x in LOGITS)})"),
            (t["label"], "  ", f"y = ({', '.join(f'{x:g}' for x in LABEL)})"),
        ]
    )

    p.heading(t["softmax"])
    rows = [(f"e^z_{i}", f"e^{z[i - 1].data:g}", e[i - 1].data) for i in range(1, n + 1)]
    rows.append(("Σ_k e^z_k", " + ".join(p.num(ei.data) for ei in e), g.total.data))
    for i in range(1, n + 1):
        rows.append(
            (
                f"a_{i}",
                f"e^z_{i} / Σ_k e^z_k = {p.num(e[i - 1].data)} / {p.num(g.total.data)}",
                a[i - 1].data,
            )
        )
    rows.append(("Σ_i a_i", " + ".join(f"a_{i}" for i in range(1, n + 1)), value_sum(a).data))
    p.equations(rows)
    p.line(f"  ({t['sum_one']})")
    p.line(f"  {t['stable']}: {p.vec(ai.data for ai in softmax(LOGITS))}")

    p.heading(t["jacobian"])
    p.line(f"  {t['cases']}")
    p.line("    i = j:  ∂a_i/∂z_i = a_i (1 - a_i)")
    p.line("    i ≠ j:  ∂a_j/∂z_i = -a_i a_j")
    J = jacobian(g)
    p.line(f"  {t['rows']}")
    p.table(
        ("", *(f"z_{i}" for i in range(1, n + 1)), "Σ_i"),
        ((f"a_{j}", *J[j - 1], row_sum(J[j - 1], p.digits)) for j in range(1, n + 1)),
    )
    p.line(f"  {t['row_sum']}")
    p.line(f"  {t['entries']}")
    rows = []
    for j in range(1, n + 1):
        for i in range(1, n + 1):
            ai, aj = a[i - 1].data, a[j - 1].data
            if i == j:
                formula = f"a_{i} (1 - a_{i}) = {p.num(ai)} × {p.num(1 - ai)}"
            else:
                formula = f"-a_{i} a_{j} = -{p.num(ai)} × {p.num(aj)}"
            rows.append((f"∂a_{j}/∂z_{i}", formula, J[j - 1][i - 1]))
    p.equations(rows)

    p.heading(t["ce"])
    k = LABEL.index(1.0) + 1
    p.equations([("C", f"-Σ_i y_i ln a_i = -ln a_{k} = -ln {p.num(a[k - 1].data)}", C.data)])

    p.heading(t["gradient"])
    C.backward()
    p.line(f"  {t['dC_da'].format(k=k)}:")
    p.equations((f"∂C/∂a_{j}", f"-y_{j} / a_{j}", a[j - 1].grad) for j in range(1, n + 1))
    rows = []
    for i in range(1, n + 1):
        # only the true class k has ∂C/∂a_k ≠ 0, so the sum over j is one term
        via = a[k - 1].grad * J[k - 1][i - 1]
        rows += [
            (
                f"∂C/∂z_{i}",
                f"∂C/∂a_{k} ∂a_{k}/∂z_{i} = {p.term(a[k - 1].grad)} × {p.term(J[k - 1][i - 1])}",
                via,
            ),
            (
                "",
                f"a_{i} - y_{i} = {p.num(a[i - 1].data)} - {y[i - 1].data:g}",
                a[i - 1].data - y[i - 1].data,
            ),
            ("", f"{t['engine']}: z{i}.grad", z[i - 1].grad),
        ]
    p.equations(rows)
    zs = [Value(x) for x in LOGITS]
    loss = softmax_cross_entropy([zs], [list(LABEL)])
    loss.backward()
    p.line("  " + t["library"].format(c=p.num(loss.data), g=p.vec(zi.grad for zi in zs)))
    p.closing(lang)


def write_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """``softmax_ce.svg/.png``: the graph of C after ``C.backward()``, and ``stepper.html``."""
    out = prepare(out_dir)
    g = build()
    g.C.backward()
    return save_graph(out, "softmax_ce", g.C, params=g.z) + save_stepper(
        out, "stepper", g.C, lang=lang, params=g.z
    )


def row_sum(row: list[float], digits: int) -> str:
    """A Jacobian row's sum at the printed precision: 0 up to rounding noise reads as 0.000000."""
    return f"{round(sum(row), digits) + 0.0:.{digits}f}"  # + 0.0 turns -0.0 into 0.0
