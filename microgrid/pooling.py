"""Pooling on grids of Values: max, average, global average and stochastic pooling.

Each output summarizes one window of ``kernel_size`` positions of one channel; windows move by
``stride`` (default: the kernel size, so they tile the image without overlap). Pooling has no
parameters; what a learner wants to see is where the gradient goes in the backward pass
(seed 004: "池化层的反向传播"):

* max pooling: y = max(window). The whole gradient goes to the arg-max, the other positions get
  0 (the seed: "把梯度直接传给前一层的某一个像素"). On a tie the *first* position of the window,
  in row-major order, is the arg-max (as the engine's ``maximum`` keeps its first operand).
* average pooling: y = (1/k) sum(window). Every position gets 1/k of the gradient
  ("平均分成 n 份").
* global average pooling: one average per channel over the whole H x W plane,
  ``[N][C][H][W] -> [N][C]``.
* stochastic pooling (Zeiler and Fergus): with p_i = a_i / sum(a) over a window of
  non-negative activations, training *samples* one position with probability p_i and passes
  its value (the gradient goes to it alone, as in max pooling); evaluation takes the
  probability-weighted average sum_i p_i a_i = sum_i a_i^2 / sum_i a_i, whose gradient reaches
  every position.

Each window of max, average and (in training) stochastic pooling is ONE node of the graph, op
``max_pool`` / ``avg_pool`` / ``stochastic_pool``, with an edge to every position of the window
carrying its local derivative: 1 for the arg-max and 0 for the rest, or 1/k each. So the
drawing shows the routing at a glance, and ``explain`` finds one path per window. Evaluation-mode
stochastic pooling is composed of engine ops (squares, two sums, a division), so the drawing
shows the formula sum a^2 / sum a itself.

When windows overlap (stride < kernel size) a position receives the sum of the gradients of
every window it is in. Inputs are ``[N][C][H][W]`` or one image ``[C][H][W]`` (returned as one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgrid.engine import Value
from microgrid.functional import value_sum
from microgrid.grid import Grid, as_images, pair, unbatch
from microgrid.init import Rng, make_rng

__all__ = ["avg_pool2d", "global_avg_pool2d", "max_pool2d", "output_size", "stochastic_pool2d"]

Window = Callable[[list[Value]], Value]


def output_size(
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int] = (0, 0),
    who: str = "pooling",
) -> tuple[int, int]:
    """(H_out, W_out) = floor((H + 2p - k) / s) + 1 per side; refuses a kernel larger than the
    padded input, naming both shapes."""
    out = []
    for side, n, k, s, p in zip(("height", "width"), size, kernel, stride, padding):
        if k > n + 2 * p:
            padded = f" (padded by {p} on each side: {n + 2 * p})" if p else ""
            raise ValueError(
                f"{who}: kernel {kernel[0]}x{kernel[1]} is larger than the input "
                f"{size[0]}x{size[1]}{padded} in {side}"
            )
        out.append((n + 2 * p - k) // s + 1)
    return out[0], out[1]


def _pool(x: Any, kernel_size: Any, stride: Any, reduce: Window, who: str) -> Grid:
    """Apply ``reduce`` to every window of every channel of every sample."""
    images, (n, c, h, w), batched = as_images(x, f"{who} input")
    kh, kw = pair("kernel_size", kernel_size)
    sh, sw = (kh, kw) if stride is None else pair("stride", stride)
    ho, wo = output_size((h, w), (kh, kw), (sh, sw), who=who)
    out = []
    for sample in images:
        channels = []
        for plane in sample:
            rows = []
            for i in range(ho):
                top = i * sh
                band = plane[top : top + kh]
                row = []
                for j in range(wo):
                    left = j * sw
                    window = [v for line in band for v in line[left : left + kw]]
                    row.append(reduce(window))
                rows.append(row)
            channels.append(rows)
        out.append(channels)
    return unbatch(out, batched)


def routed(window: list[Value], pick: int, op: str) -> Value:
    """One node passing on ``window[pick]``: local derivative 1 to it, 0 to the others."""
    local = [0.0] * len(window)
    local[pick] = 1.0
    return Value(window[pick].data, window, local, op)


def first_argmax(values: list[Value]) -> int:
    """The position of the largest value, the first one on a tie; a NaN wins (and is passed
    on, never hidden, as with the engine's ``maximum``)."""
    best, top = 0, values[0].data
    for i in range(1, len(values)):
        if top != top:  # NaN
            break
        d = values[i].data
        if d > top or d != d:  # strictly larger: on a tie the first position stays
            best, top = i, d
    return best


def _window_max(window: list[Value]) -> Value:
    return routed(window, first_argmax(window), "max_pool")


def _window_mean(window: list[Value]) -> Value:
    k = len(window)
    return Value(sum(v.data for v in window) / k, window, [1.0 / k] * k, "avg_pool")


def max_pool2d(x: Any, kernel_size: int | Sequence[int], stride: Any = None) -> Grid:
    """The largest value of each window; its gradient goes to the arg-max (first on a tie)."""
    return _pool(x, kernel_size, stride, _window_max, "max_pool2d")


def avg_pool2d(x: Any, kernel_size: int | Sequence[int], stride: Any = None) -> Grid:
    """The mean of each window; each of its k positions gets 1/k of the gradient."""
    return _pool(x, kernel_size, stride, _window_mean, "avg_pool2d")


def global_avg_pool2d(x: Any) -> Grid:
    """One mean per channel over the whole plane: ``[N][C][H][W] -> [N][C]`` (``[C][H][W] ->
    [C]``), as ``adaptive_avg_pool2d(x, 1)`` without the trailing 1x1."""
    images, (n, c, h, w), batched = as_images(x, "global_avg_pool2d input")
    out = [[_window_mean([v for row in plane for v in row]) for plane in s] for s in images]
    return unbatch(out, batched)


def stochastic_pool2d(
    x: Any,
    kernel_size: int | Sequence[int],
    stride: Any = None,
    *,
    training: bool = True,
    seed: int | None = None,
    rng: Rng | None = None,
) -> Grid:
    """Stochastic pooling of non-negative activations (after ReLU), p_i = a_i / sum(a).

    ``training=True``: each window passes one of its values, drawn with probability p_i from
    ``seed``/``rng`` (one uniform number per window, in row-major order), and the gradient goes
    to that position alone. ``training=False``: the expected value sum_i p_i a_i =
    sum_i a_i^2 / sum_i a_i. A window of zeros has nothing to weigh: it gives its first value, 0,
    in both modes. A negative activation is refused (it is not a probability weight).
    """
    if not isinstance(training, bool):
        raise TypeError(f"training must be True or False, got {training!r}")
    source = make_rng(seed, rng) if training else None

    def reduce(window: list[Value]) -> Value:
        weights = np.array([v.data for v in window])
        if weights.min() < 0.0:
            raise ValueError(
                f"stochastic_pool2d needs non-negative activations (apply relu first), got "
                f"{weights.min():g} in a window"
            )
        total = weights.sum()
        if total != total:  # a NaN activation: passed on, never hidden
            return routed(window, int(np.flatnonzero(np.isnan(weights))[0]), "stochastic_pool")
        if total == 0.0:
            return routed(window, 0, "stochastic_pool")
        if source is None:
            return value_sum([v * v for v in window]) / value_sum(window)
        cumulative = np.cumsum(weights / total)
        pick = int(np.searchsorted(cumulative, float(source.random()), side="right"))
        return routed(window, min(pick, len(window) - 1), "stochastic_pool")

    return _pool(x, kernel_size, stride, reduce, "stochastic_pool2d")
