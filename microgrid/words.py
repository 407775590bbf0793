"""The languages microgrid speaks: the one ``lang`` check, and the library's words per language.

``check_lang`` is the one check of a ``lang`` argument, and ``LANGUAGES`` the one list; the
library's words are here (``words(lang, part)``, ``part`` the module that speaks:
``"explain"``, ``"frames"`` (the stepper's captions), ``"stepper"`` (the page's controls and
legend)); each walkthrough keeps its own ``TEXT`` table beside its derivation and reads it through
``check_lang`` too. The maths (symbols, numbers, node names) is never translated, only the
words around it. Chinese uses the seeds' terms: 正向传播 (forward pass),
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
            "where": "where",
        },
        "frames": {
            "forward": "Forward pass",
            "backward": "Backward pass",
            "leaves": "the leaves (inputs, weights, biases, targets) are given; every "
            "computed value is ? until its step",
            "locals": "local derivatives, now known: ",
            "seed": "the start: the gradient of {r} with respect to itself",
            "sum": "the sum of its {n} contributions",
            "of": "{k} of {n} contributions",
            "so_far": "so far",
            "done": "done: every gradient is final",
            "more": "and {n} more (each node shows its own)",
        },
        "stepper": {
            "title": "microgrid: backpropagation, step by step",
            "hint": "Forward pass, then backward pass, one node at a time. Keys: ← → "
            "step, Home/End, Space play, + − zoom, O overview, F follow, L "
            "legend; drag to pan.",
            "prev": "prev",
            "next": "next",
            "play": "▶ play",
            "pause": "❚❚ pause",
            "overview": "overview",
            "follow": "follow the step",
            "legend": "legend",
            "legend_title": "How to read the picture",
            "roles": "Nodes",
            "input": "input (data)",
            "parameter": "parameter (learned)",
            "intermediate": "computed value",
            "root": "the loss (start of the backward pass)",
            "constant": "a number written in the expression",
            "rows": "data: the value (forward pass); grad: d(loss)/d(node) (backward pass)",
            "edge": "number on an edge: d(parent)/d(child), the local derivative",
            "unknown": "? : not computed yet",
            "step": "This step (same colours as the caption)",
            "new": "value computed now",
            "operand": "its operands",
            "up": "upstream gradient d(loss)/d(node)",
            "local": "local derivative d(node)/d(child)",
            "result": "gradient received by a child",
            "src": "where the upstream gradient came from",
            "states": "Progress",
            "pending": "grey: not reached yet",
            "partial": "dashed: gradient partly accumulated (k of n contributions)",
        },
    },
    "zh": {
        "explain": {
            "head_one": "从 {top} 到 {bottom} 共 {n} 条路径",
            "head": "从 {top} 到 {bottom} 共 {n} 条路径",
            "none": "{bottom} 不影响 {top}",
            "rule": "(链式法则: 沿每条路径把局部导数相乘, 再把各路径相加)",
            "path": "路径",
            "where": "其中",
        },
        "frames": {
            "forward": "正向传播",
            "backward": "反向传播",
            "leaves": "叶节点 (输入、权重、偏置、目标值) 已知; 每个计算出的值在它那一步之前为 ?",
            "locals": "局部导数, 现已算出: ",
            "seed": "起点: {r} 对自身的梯度",
            "sum": "它的 {n} 份贡献之和",
            "of": "{n} 份贡献中的第 {k} 份",
            "so_far": "目前",
            "done": "完成: 所有梯度都已确定",
            "more": "另有 {n} 个 (见各节点)",
        },
        "stepper": {
            "title": "microgrid: 反向传播, 一步一步",
            "hint": "先正向传播, 再反向传播, 每次一个节点。按键: ← → 单步, Home/End, 空格播放, "
            "+ − 缩放, O 全图, F 跟随, L 图例; 拖动平移。",
            "prev": "上一步",
            "next": "下一步",
            "play": "▶ 播放",
            "pause": "❚❚ 暂停",
            "overview": "全图",
            "follow": "跟随当前步",
            "legend": "图例",
            "legend_title": "如何读这张图",
            "roles": "节点",
            "input": "输入 (数据)",
            "parameter": "参数 (可学习)",
            "intermediate": "计算出的值",
            "root": "损失 (反向传播的起点)",
            "constant": "表达式中的常数",
            "rows": "data: 数值 (正向传播); grad: d(损失)/d(节点) (反向传播)",
            "edge": "边上的数: d(父)/d(子), 局部导数",
            "unknown": "? : 尚未算出",
            "step": "当前步 (颜色与说明文字一致)",
            "new": "本步算出的值",
            "operand": "它的操作数",
            "up": "上游梯度 d(损失)/d(节点)",
            "local": "局部导数 d(节点)/d(子节点)",
            "result": "子节点收到的梯度",
            "src": "上游梯度的来源",
            "states": "进度",
            "pending": "灰色: 尚未到达",
            "partial": "虚线: 梯度只累加了一部分 (n 份中的 k 份)",
        },
    },
}


def check_lang(lang: object) -> str:
    """``lang`` itself when it is one of ``LANGUAGES``, else a ValueError naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return str(lang)


def words(lang: str, part: str) -> Mapping[str, str]:
    """The words ``part`` (a module: "explain") writes in language ``lang``."""
    return WORDS[check_lang(lang)][part]
