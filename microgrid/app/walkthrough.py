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
from microgrid.app.walkthroughs.printing import LANGUAGES, Printer, display_width, words
from microgrid.app.worked_example import BLOG, LEARNING_RATE, PARAMETERS, WorkedExample
from microgrid.explain import explain
from microgrid.formatting import as_given, short, signed_sum

__all__ = ["LANGUAGES", "TEXT", "walkthrough"]

TEXT = {
    "en": {
        "lang": "en",
        "title": "Backpropagation, step by step: the worked example of seed 000",
        "setup": "The network: 2 inputs, 2 hidden neurons, 2 outputs, sigmoid everywhere",
        "inputs": "inputs",
        "weights": "weights",
        "biases": "biases",
        "targets": "targets",
        "shared_b1": "b1 is shared by h1 and h2",
        "shared_b2": "b2 is shared by o1 and o2",
        "loss": "error",
        "lr": "learning rate",
        "forward": "1. Forward pass",
        "hidden": "hidden layer",
        "output": "output layer",
        "errors": "error (half the squared error; E_total adds both, it is not a mean)",
        "w5": "2. Backward pass: how much does w5 change E_total? (chain rule)",
        "w5_intro": "w5 reaches E_total through net_o1 and out_o1 only, so three factors:",
        "engine": "the same number from E_total.backward()",
        "w1": "3. Backward pass into the hidden layer: dE_total/dw1",
        "w1_intro": "out_h1 feeds both outputs, so it receives error from E_o1 and from E_o2:",
        "from_o1": "error from E_o1",
        "from_o2": "error from E_o2",
        "sum": "sum of both",
        "paths": "explain(E_total, w1) lists the same two paths through the graph:",
        "update": "4. All ten gradients and one gradient-descent step",
        "rule": "update rule",
        "param": "param",
        "value": "value",
        "grad": "dE_total/d",
        "new": "new value",
        "kept": "(kept)",
        "bias_sum": "{b} is shared, so its gradient adds both uses",
        "weights_only": "As in the seed, only the weights change (--update-biases updates b1, b2).",
        "with_biases": "Weights and biases are updated.",
        "after": "E_total after one step",
        "before": "before",
        "train": "5. Training: {n} gradient-descent steps in total (full batch)",
        "train_more": "the step above and {n} more",
        "final": "E_total after {n} steps",
        "outputs": "outputs",
        "target": "target",
        "blog_rule": "As the blog computes them (--blog): the hidden layer's gradients use w5..w8 "
        "after their update, dE_total/dout_h1 = dE_total/dnet_o1 * w5_new + dE_total/dnet_o2 "
        "* w7_new",
        "blog_note": "The blog the seed cites reports E_total = {blog} after this step; the "
        "engine gives {ours}.\n  The difference is real: the blog computed the hidden layer's "
        "gradients with w5..w8 already updated,\n  while the chain rule takes the weights the "
        "forward pass used. --blog reproduces the blog's numbers.",
        "blog_same": "the blog reports {blog}",
        "blog_final": "the blog reports out_o1 = {o1}, out_o2 = {o2} after 10,000 steps",
    },
    "zh": {
        "lang": "zh",
        "title": "反向传播, 一步一步: 种子笔记 000 的例题",
        "setup": "网络: 2 个输入, 2 个隐藏神经元, 2 个输出, 全部使用 sigmoid 激活函数",
        "inputs": "输入",
        "weights": "权重",
        "biases": "偏置",
        "targets": "目标值",
        "shared_b1": "b1 由 h1 和 h2 共享",
        "shared_b2": "b2 由 o1 和 o2 共享",
        "loss": "误差",
        "lr": "学习率",
        "forward": "1. 正向传播",
        "hidden": "隐藏层",
        "output": "输出层",
        "errors": "误差 (平方误差的一半, 两个输出相加而不是求平均)",
        "w5": "2. 反向传播: w5 对总误差 E_total 有多大影响? (链式法则)",
        "w5_intro": "w5 只经过 net_o1 和 out_o1 影响 E_total, 所以是三个因子相乘:",
        "engine": "E_total.backward() 算出的同一个数",
        "w1": "3. 反向传播到隐藏层: dE_total/dw1",
        "w1_intro": "out_h1 连接两个输出, 所以它接受 E_o1 和 E_o2 两个地方传来的误差:",
        "from_o1": "来自 E_o1 的误差",
        "from_o2": "来自 E_o2 的误差",
        "sum": "两者之和",
        "paths": "explain(E_total, w1) 在计算图中列出同样的两条路径:",
        "update": "4. 全部十个梯度, 以及一步梯度下降 (更新权值)",
        "rule": "更新规则",
        "param": "参数",
        "value": "当前值",
        "grad": "dE_total/d",
        "new": "更新后",
        "kept": "(不变)",
        "bias_sum": "{b} 是共享的, 梯度是两处之和",
        "weights_only": "与笔记相同, 只更新权重 (加 --update-biases 也更新 b1, b2)。",
        "with_biases": "权重和偏置都更新。",
        "after": "更新一步后的总误差 E_total",
        "before": "更新前",
        "train": "5. 训练: 共 {n} 步梯度下降 (全批量)",
        "train_more": "上面的一步, 再加 {n} 步",
        "final": "{n} 步之后的总误差 E_total",
        "outputs": "输出",
        "target": "目标值",
        "blog_rule": "按博客的算法 (--blog): 隐藏层的梯度用更新后的 w5..w8, dE_total/dout_h1 = "
        "dE_total/dnet_o1 * w5_new + dE_total/dnet_o2 * w7_new",
        "blog_note": "笔记引用的博客报告这一步之后 E_total = {blog}; 引擎算出 {ours}。\n  "
        "差别是真实的: 博客计算隐藏层梯度时用的是已经更新过的 w5..w8,\n  "
        "而链式法则用的是正向传播时的权重。"
        "加 --blog 可重现博客的数字。",
        "blog_same": "博客报告 {blog}",
        "blog_final": "博客报告 10,000 步之后 out_o1 = {o1}, out_o2 = {o2}",
    },
}


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
    blog: bool = False,
) -> WorkedExample:
    """Write the walkthrough line by line with ``write``; returns the example (trained).

    ``steps`` is the total number of gradient-descent steps (0 or 1: just the step of part 4;
    more: part 5 trains on and reports the final error). ``progress`` wraps the training loop
    (for a progress bar). ``example`` is the network to use (a fresh one by default).
    ``blog=True`` updates as the blog the seed cites does (hidden-layer gradients through the
    already updated w5..w8), which reproduces the blog's figures.
    """
    t = words(TEXT, lang)
    p = Printer(write, digits)
    steps = whole_number("steps", steps)
    ex = example if example is not None else WorkedExample()
    ex.backward()

    _setup(p, t, ex, lr)
    _forward(p, t, ex)
    _w5(p, t, ex)
    _w1(p, t, ex)
    _update(p, t, ex, lr, update_biases, blog)
    if steps > 1:
        _train(p, t, ex, steps, lr, update_biases, progress, blog)
    p.closing(lang)
    return ex


# ------------------------------------------------------------------------------------ parts
def _setup(p: Printer, t: Mapping[str, str], ex: WorkedExample, lr: float) -> None:
    p.line(t["title"])
    p.line("=" * display_width(t["title"]))
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
    for text in explain(ex.E_total, ex.w1).format(digits=p.digits, lang=t["lang"]).splitlines():
        p.line("    " + text)


def _update(
    p: Printer, t: Mapping[str, str], ex: WorkedExample, lr: float, update_biases: bool, blog: bool
) -> None:
    p.heading(t["update"])
    p.line(f"  {t['rule']}: w = w - \u03b7 * dE_total/dw,  \u03b7 = {short(lr)}")
    if blog:
        p.line(f"  {t['blog_rule']}")
        ex.blog_backward(lr)
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
    if blog:
        p.line(f"  ({t['blog_same'].format(blog=BLOG['E_after_1_step'])})")
    elif lr == LEARNING_RATE and not update_biases:
        for text in (
            t["blog_note"].format(blog=BLOG["E_after_1_step"], ours=p.num(after)).split("\n")
        ):
            p.line(f"  {text.strip()}")


def _train(p, t, ex, steps, lr, update_biases, progress, blog) -> None:
    p.heading(t["train"].format(n=steps))
    p.line(f"  ({t['train_more'].format(n=steps - 1)})")
    ex.train(steps - 1, lr, update_biases, progress=progress, blog=blog)
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
    if blog and steps == 10000 and lr == LEARNING_RATE and not update_biases:
        b = BLOG
        p.line(
            "  ("
            + t["blog_final"].format(
                o1=b["out_o1_after_10000_steps"],
                o2=b["out_o2_after_10000_steps"],
            )
            + ")"
        )
