"""The words of each language: every sentence microgrid writes for a reader, in one table each.

``words(lang, part)`` is the one place that checks ``lang``; ``part`` is the module that speaks
(``"explain"``, ``"walkthrough"``). The maths (symbols, numbers, node names) is never
translated, only the words around it. Chinese uses the seeds' terms: 正向传播 (forward pass),
反向传播 (backward pass), 链式法则 (chain rule), 学习率 (learning rate).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The languages every table speaks, English first (the default).
LANGUAGES = ("en", "zh")

WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "explain": {
            "head_one": "{n} path from {top} to {bottom}",
            "head": "{n} paths from {top} to {bottom}",
            "none": "{bottom} does not affect {top}",
            "rule": "(chain rule: multiply the local derivatives along a path, add the paths)",
            "path": "path",
        },
        "walkthrough": {
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
            "errors": "error (squared error, halved)",
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
            "weights_only": (
                "As in the seed, only the weights change (--update-biases updates b1, b2)."
            ),
            "with_biases": "Weights and biases are updated.",
            "after": "E_total after one step",
            "before": "before",
            "train": "5. Training: {n} gradient-descent steps in total (full batch)",
            "train_more": "the step above and {n} more",
            "final": "E_total after {n} steps",
            "outputs": "outputs",
            "target": "target",
            "check": "Every number above was computed by the autograd engine (microgrid.Value).",
        },
    },
    "zh": {
        "explain": {
            "head_one": "从 {top} 到 {bottom} 共 {n} 条路径",
            "head": "从 {top} 到 {bottom} 共 {n} 条路径",
            "none": "{bottom} 不影响 {top}",
            "rule": "(链式法则: 沿每条路径把局部导数相乘, 再把各路径相加)",
            "path": "路径",
        },
        "walkthrough": {
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
            "errors": "误差 (均方误差的一半)",
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
            "check": "以上每个数字都由自动求导引擎 (microgrid.Value) 计算得出。",
        },
    },
}


def check_lang(lang: object) -> str:
    """``lang`` itself when it is one of ``LANGUAGES``, else a ValueError naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return str(lang)


def words(lang: str, part: str) -> Mapping[str, str]:
    """The words ``part`` (a module: "explain", "walkthrough") writes in language ``lang``."""
    return WORDS[check_lang(lang)][part]
