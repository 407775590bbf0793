"""The seeds' derivations as walkthroughs, by name: what ``microgrid walkthrough NAME`` runs.

Each walkthrough is a module with ``walkthrough(write, *, lang, digits)``, which writes the
derivation (symbols first, then numbers, every number from the engine), and
``write_pictures(out_dir, *, lang)``, which writes its graphs and a stepper page. ``backprop``,
the seed's worked example, is the default and lives in ``microgrid.app.walkthrough`` (it has
options of its own: training steps, the blog's variant).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

DEFAULT = "backprop"


@dataclass(frozen=True)
class Entry:
    """One walkthrough: its name, where it lives, which seed it derives, one line about it."""

    name: str
    module: str
    seed: str
    summary: str
    summary_zh: str

    def load(self) -> ModuleType:
        """The module with ``walkthrough()`` and ``write_pictures()`` (imported on first use)."""
        return importlib.import_module(self.module)


_PACKAGE = "microgrid.app.walkthroughs"

WALKTHROUGHS: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "backprop",
            "microgrid.app.walkthrough",
            "seed 000",
            "the worked example: a 2-2-2 sigmoid network, dE_total/dw5 and dE_total/dw1",
            "例题: 2-2-2 sigmoid 网络, dE_total/dw5 和 dE_total/dw1",
        ),
        Entry(
            "softmax-ce",
            f"{_PACKAGE}.softmax_ce",
            "seed 002",
            "softmax, its Jacobian, cross-entropy, and the gradient a_i - y_i from backward()",
            "softmax, 雅可比矩阵, 交叉熵, 以及 backward() 给出的梯度 a_i - y_i",
        ),
        Entry(
            "pooling",
            f"{_PACKAGE}.pooling",
            "seed 004 Q8",
            "max and average pooling on a 4x4 input: the gradient routed to the maximum or spread",
            "4x4 输入上的最大池化与平均池化: 梯度传给最大值, 或平均分配",
        ),
        Entry(
            "batchnorm",
            f"{_PACKAGE}.batchnorm",
            "seed 004 Q6",
            "batch, layer, instance and group norm: which values share a mean and variance; "
            "batch norm's backward",
            "批量/层/实例/分组归一化: 哪些值共用均值和方差; 批量归一化的反向传播",
        ),
        Entry(
            "chain",
            f"{_PACKAGE}.chain",
            "seed 004 eq. 8-9",
            "dL/db1 along a chain of sigmoid neurons: why it vanishes or explodes",
            "一串 sigmoid 神经元上的 dL/db1: 为什么梯度消失或爆炸",
        ),
        Entry(
            "neuron",
            f"{_PACKAGE}.neuron",
            "seed 004 eq. 15-20",
            "one sigmoid neuron, its forward and backward pass by hand",
            "单个 sigmoid 神经元, 手算正向与反向传播",
        ),
        Entry(
            "l2",
            f"{_PACKAGE}.l2",
            "seed 004 eq. 5-7",
            "the L2 penalty, and why one gradient step is the (1 - ηα) shrink of the weight",
            "L2 正则项, 以及为什么一步梯度下降就是把权重乘以 (1 - ηα)",
        ),
        Entry(
            "optimizers",
            f"{_PACKAGE}.optimizers",
            "seed 002",
            "two steps of SGD, momentum, Nesterov, Adagrad, RMSprop and Adam (with and without "
            "bias correction) on one problem",
            "同一问题上 SGD, 动量, Nesterov, Adagrad, RMSprop, Adam (有无偏差修正) 各走两步",
        ),
    )
}


def get(name: str) -> Entry:
    """The walkthrough called ``name``; a KeyError listing the names otherwise."""
    try:
        return WALKTHROUGHS[name]
    except KeyError:
        raise KeyError(
            f"no walkthrough named {name!r}: choose one of {', '.join(WALKTHROUGHS)}"
        ) from None
