"""The text walkthrough of the seed's worked example: forward pass, chain rule, update, training.

``walkthrough()`` writes, for a learner, what seed 000 derives by hand, but every number comes
from the engine (``microgrid.app.worked_example`` builds the network from Values, ``backward()``
and ``explain()`` produce the derivatives):

1. the forward pass: net and out of every neuron, E_o1, E_o2, E_total;
2. dE_total/dw5 as three factors (dE_total/dout_o1, dout_o1/dnet_o1, dnet_o1/dw5);
3. dE_total/dw1, where out_h1 receives error from both E_o1 and E_o2 (two paths, summed);
4. all ten gradients, one gradient-descent step with learning rate 0.5, E_total after it;
5. optionally, more training steps and the final error and outputs.

English (``lang="en"``) or Chinese (``lang="zh"``: 正向传播, 反向传播, 链式法则, 学习率 ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from microgrid._checks import whole_number
from microgrid.app.worked_example import LEARNING_RATE, PARAMETERS, WorkedExample
from microgrid.explain import explain
from microgrid.formatting import as_given, fixed, short, signed_sum
from microgrid.words import words


class Printer:
    """Writes aligned lines: numbers at a fixed number of decimals, formulas padded to a column."""

    def __init__(self, write: Callable[[str], None], digits: int, lang: str) -> None:
        self.write = write
        self.digits = digits
        self.lang = lang

    def num(self, x: float) -> str:
        return fixed(x, self.digits)

    def col(self, x: float) -> str:
        """A number for a column: a space where the minus sign would be, so digits line up."""
        return fixed(x, self.digits) if x < 0 else " " + fixed(x, self.digits)

    def line(self, text: str = "") -> None:
        self.write(text)

    def heading(self, text: str) -> None:
        self.write("")
        self.write(text)
        self.write("-" * _display_width(text))

    def rows(self, rows: Iterable[tuple[str, ...]], indent: str = "  ") -> None:
        """Rows of cells; every column but the last is padded to its widest cell."""
        rows = list(rows)
        width = max(len(r) for r in rows)
        widths = [
            max((_display_width(r[c]) for r in rows if c < len(r) - 1), default=0)
            for c in range(width)
        ]
        for r in rows:
            cells = [
                cell + " " * (widths[c] - _display_width(cell)) if c < len(r) - 1 else cell
                for c, cell in enumerate(r)
            ]
            self.write((indent + "".join(cells)).rstrip())


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def walkthrough(
    write: Callable[[str], None] = print,
    *,
    lang: str = "en",
    digits: int = 9,
    steps: int = 0,
    update_biases: bool = False,
    lr: float = LEARNING_RATE,
    progress: Callable[[Iterable], Iterable] | None = None,
    example: WorkedExample | None = None,
) -> WorkedExample:
    """Write the walkthrough line by line with ``write``; returns the example (trained).

    ``steps`` is the total number of gradient-descent steps (0 or 1: just the step of part 4;
    more: part 5 trains on and reports the final error). ``progress`` wraps the training loop
    (for a progress bar). ``example`` is the network to use (a fresh one by default).
    """
    t = words(lang, "walkthrough")
    digits = whole_number("digits", digits, minimum=1, maximum=17)
    steps = whole_number("steps", steps)
    p = Printer(write, digits, lang)
    ex = example if example is not None else WorkedExample()
    ex.backward()

    _setup(p, t, ex, lr)
    _forward(p, t, ex)
    _w5(p, t, ex)
    _w1(p, t, ex)
    _update(p, t, ex, lr, update_biases)
    if steps > 1:
        _train(p, t, ex, steps, lr, update_biases, progress)
    p.line("")
    p.line(t["check"])
    return ex


# ------------------------------------------------------------------------------------ parts
def _setup(p: Printer, t: Mapping[str, str], ex: WorkedExample, lr: float) -> None:
    p.line(t["title"])
    p.line("=" * _display_width(t["title"]))
    p.line(t["setup"])
    leaf = ex.leaves

    def names(*keys: str) -> str:
        return "   ".join(f"{k} = {as_given(leaf[k].data)}" for k in keys)

    p.rows(
        [
            (t["inputs"], "  ", names("i1", "i2")),
            (t["weights"], "  ", names("w1", "w2", "w3", "w4")),
            ("", "  ", names("w5", "w6", "w7", "w8")),
            (t["biases"], "  ", f"{names('b1')}  ({t['shared_b1']})"),
            ("", "  ", f"{names('b2')}  ({t['shared_b2']})"),
            (t["targets"], "  ", names("target_o1", "target_o2")),
            (t["loss"], "  ", "E_o = 1/2 (target_o - out_o)^2,  E_total = E_o1 + E_o2"),
            (t["lr"], "  ", f"\u03b7 = {short(lr)}"),
        ]
    )


def _forward(p: Printer, t: Mapping[str, str], ex: WorkedExample) -> None:
    p.heading(t["forward"])
    formulas = {
        "net_h1": "w1*i1 + w2*i2 + b1",
        "net_h2": "w3*i1 + w4*i2 + b1",
        "net_o1": "w5*out_h1 + w6*out_h2 + b2",
        "net_o2": "w7*out_h1 + w8*out_h2 + b2",
    }
    for part, neurons in ((t["hidden"], ("h1", "h2")), (t["output"], ("o1", "o2"))):
        p.line(f"  {part}:")
        rows = []
        for n in neurons:
            net, out = ex.values[f"net_{n}"], ex.values[f"out_{n}"]
            rows.append((f"net_{n}", " = ", formulas[f"net_{n}"], " = ", p.col(net.data)))
            rows.append((f"out_{n}", " = ", f"sigmoid(net_{n})", " = ", p.col(out.data)))
        p.rows(rows, indent="    ")
    p.line(f"  {t['errors']}:")
    p.rows(
        [
            ("E_o1", " = ", "1/2 (target_o1 - out_o1)^2", " = ", p.col(ex.E_o1.data)),
            ("E_o2", " = ", "1/2 (target_o2 - out_o2)^2", " = ", p.col(ex.E_o2.data)),
            ("E_total", " = ", "E_o1 + E_o2", " = ", p.col(ex.E_total.data)),
        ],
        indent="    ",
    )


def _w5(p: Printer, t: Mapping[str, str], ex: WorkedExample) -> None:
    p.heading(t["w5"])
    p.line(f"  {t['w5_intro']}")
    p.line("    dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5")
    d_out = ex.out_o1.grad  # dE_total/dout_o1 from backward()
    d_sig = explain(ex.out_o1, ex.net_o1).total  # the sigmoid edge: out_o1 (1 - out_o1)
    d_w5 = explain(ex.net_o1, ex.w5).total  # = out_h1
    p.rows(
        [
            ("dE_total/dout_o1", " = ", "-(target_o1 - out_o1)", " = ", p.col(d_out)),
            ("dout_o1/dnet_o1", " = ", "out_o1 (1 - out_o1)", " = ", p.col(d_sig)),
            ("dnet_o1/dw5", " = ", "out_h1", " = ", p.col(d_w5)),
        ],
        indent="    ",
    )
    p.line(
        f"    dE_total/dw5 = {p.num(d_out)} * {p.num(d_sig)} * {p.num(d_w5)}"
        f" = {p.num(d_out * d_sig * d_w5)}"
    )
    p.line(f"    {t['engine']}: w5.grad = {p.num(ex.w5.grad)}")


def _chain(p: Printer, root, leaf) -> tuple[str, str, float]:
    """One path as symbols and numbers, e.g. dE_o1/dout_o1 * ... and 0.74 * ..."""
    (path,) = explain(root, leaf).paths
    factors = path.factors()
    symbols = " * ".join(f"d{f.upper.label}/d{f.lower.label}" for f in factors)
    numbers = " * ".join(p.num(f.value) for f in factors)
    return symbols, numbers, path.product


def _w1(p: Printer, t: Mapping[str, str], ex: WorkedExample) -> None:
    p.heading(t["w1"])
    p.line(f"  {t['w1_intro']}")
    p.line("    dE_total/dw1 = (dE_o1/dout_h1 + dE_o2/dout_h1) * dout_h1/dnet_h1 * dnet_h1/dw1")
    rows: list[tuple[str, ...]] = []
    parts = []
    for k, note in (("o1", t["from_o1"]), ("o2", t["from_o2"])):
        symbols, numbers, value = _chain(p, ex.values[f"E_{k}"], ex.out_h1)
        parts.append(value)
        rows.append((f"dE_{k}/dout_h1", " = ", symbols, f"   {note}"))
        rows.append(("", " = ", numbers, " = ", p.col(value)))
    rows.append(
        ("dE_total/dout_h1", " = ", signed_sum(parts, p.digits), " = ", p.col(ex.out_h1.grad))
    )
    d_sig = explain(ex.out_h1, ex.net_h1).total
    d_w1 = explain(ex.net_h1, ex.w1).total
    rows.append(("dout_h1/dnet_h1", " = ", "out_h1 (1 - out_h1)", " = ", p.col(d_sig)))
    rows.append(("dnet_h1/dw1", " = ", "i1", " = ", p.col(d_w1)))
    p.rows(rows, indent="    ")
    p.line(
        f"    dE_total/dw1 = {p.num(ex.out_h1.grad)} * {p.num(d_sig)} * {p.num(d_w1)}"
        f" = {p.num(ex.out_h1.grad * d_sig * d_w1)}"
    )
    p.line(f"    {t['engine']}: w1.grad = {p.num(ex.w1.grad)}")
    p.line("")
    p.line(f"  {t['paths']}")
    for text in explain(ex.E_total, ex.w1).format(digits=p.digits, lang=p.lang).splitlines():
        p.line("    " + text)


def _update(
    p: Printer, t: Mapping[str, str], ex: WorkedExample, lr: float, update_biases: bool
) -> None:
    p.heading(t["update"])
    p.line(f"  {t['rule']}: w = w - \u03b7 * dE_total/dw,  \u03b7 = {short(lr)}")
    before = ex.E_total.data
    learned = set(ex.parameters(biases=update_biases))
    rows: list[tuple[str, ...]] = [
        (t["param"], "   ", t["value"], "   ", t["grad"] + "(.)", "   ", t["new"])
    ]
    for name in PARAMETERS:
        v = ex.leaves[name]
        new = v.data - lr * v.grad if v in learned else v.data
        row = [name, "  ", p.col(v.data), "  ", p.col(v.grad), "  ", p.col(new)]
        if v not in learned:
            row[-1] += " " + t["kept"]
        rows.append(tuple(row))
    p.rows(rows, indent="    ")
    for bias, (a, b) in (("b1", ("h1", "h2")), ("b2", ("o1", "o2"))):
        first, second = ex.values[f"net_{a}"].grad, ex.values[f"net_{b}"].grad
        p.line(
            f"  {t['bias_sum'].format(b=bias)}: dE_total/d{bias} = dE_total/dnet_{a} + "
            f"dE_total/dnet_{b} = {signed_sum([first, second], p.digits)}"
            f" = {p.num(ex.leaves[bias].grad)}"
        )
    p.line(f"  {t['with_biases'] if update_biases else t['weights_only']}")
    ex.update(lr, update_biases)
    after = ex.forward().data
    p.line(f"  {t['after']}: {p.num(after)}   ({t['before']}: {p.num(before)})")


def _train(p, t, ex, steps, lr, update_biases, progress) -> None:
    p.heading(t["train"].format(n=steps))
    p.line(f"  ({t['train_more'].format(n=steps - 1)})")
    ex.train(steps - 1, lr, update_biases, progress=progress)
    p.line(f"  {t['final'].format(n=steps)}: {p.num(ex.E_total.data)}")
    p.line(f"  {t['outputs']}:")
    rows = [
        (
            f"out_{k}",
            " = ",
            p.col(ex.values[f"out_{k}"].data),
            f"   {t['target']} {as_given(tgt.data)}",
        )
        for k, tgt in (("o1", ex.leaves["target_o1"]), ("o2", ex.leaves["target_o2"]))
    ]
    p.rows(rows, indent="    ")
