"""2-D convolution on grids of Values: one small kernel of weights slid over the whole image.

For an input ``x[n][c][i][j]`` and a weight grid ``w[o][c][a][b]`` (C_out x C_in x kh x kw)::

    y[n][o][i][j] = bias[o] + sum_{c, a, b} w[o][c][a][b] * x[n][c][i*s + a - p][j*s + b - p]

(cross-correlation, as every deep-learning library computes "convolution"), with stride s and
zero padding p. Seed 003 and seed 000 Q9 ask what this buys over a dense layer:

* weight sharing: the same kh x kw weights are used at every position, so a 3x3 kernel has 9
  weights however large the image, and in the backward pass each weight's gradient is the *sum*
  of its contributions from every position it touched (the drawing shows one weight node feeding
  many products);
* spatial information: each output sees only a neighbourhood, so a kernel learns a local
  pattern (an edge, a bar) and finds it wherever it is.

Positions in the zero padding contribute 0 * w = 0 to the sum and 0 to w's gradient, so they
are left out of the graph: the numbers are the same, the drawing smaller.
"""

from __future__ import annotations

from typing import Any

from microgrid.engine import Value, as_float, constant
from microgrid.functional import value_sum
from microgrid.grid import Grid, as_grid, as_images, pair, unbatch
from microgrid.pooling import output_size

__all__ = ["conv2d"]


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Grid:
    """Convolve ``x`` ([N][C_in][H][W], or one image [C_in][H][W]) with ``weight``.

    ``weight`` is ``[C_out][C_in][kh][kw]``, ``bias`` is None or ``[C_out]``; ``stride`` and
    ``padding`` are ints or (height, width) pairs. Returns ``[N][C_out][H_out][W_out]`` with
    H_out = floor((H + 2 p - kh) / s) + 1 (and likewise W_out).
    """
    who = "conv2d"
    images, (n, c_in, h, w), batched = as_images(x, f"{who} input")
    kernels, (c_out, c_w, kh, kw) = as_grid(weight, (4,), f"{who} weight")
    if c_w != c_in:
        raise ValueError(
            f"{who}: weight of shape {(c_out, c_w, kh, kw)} expects {c_w} input channels, "
            f"but the input of shape {(n, c_in, h, w)} has {c_in}"
        )
    biases: list[Value] | None = None
    if bias is not None:
        if isinstance(bias, Value) or not isinstance(bias, list | tuple):
            raise TypeError(f"{who}: bias must be a list of {c_out} Values (one per kernel)")
        if len(bias) != c_out:
            raise ValueError(f"{who}: bias has {len(bias)} entries, weight has {c_out} kernels")
        biases = [b if isinstance(b, Value) else constant(as_float(b, f"{who} bias")) for b in bias]
    sh, sw = pair("stride", stride)
    ph, pw = pair("padding", padding, minimum=0)
    ho, wo = output_size((h, w), (kh, kw), (sh, sw), (ph, pw), who)

    out = []
    for sample in images:
        maps = []
        for o in range(c_out):
            kernel = kernels[o]
            rows = []
            for i in range(ho):
                top = i * sh - ph
                row = []
                for j in range(wo):
                    left = j * sw - pw
                    terms = []
                    for c in range(c_in):
                        plane, taps = sample[c], kernel[c]
                        for a in range(kh):
                            r = top + a
                            if 0 <= r < h:
                                line, weights = plane[r], taps[a]
                                for b in range(kw):
                                    col = left + b
                                    if 0 <= col < w:
                                        terms.append(weights[b] * line[col])
                    if biases is not None:
                        terms.append(biases[o])
                    row.append(value_sum(terms) if terms else constant(0.0))
                rows.append(row)
            maps.append(rows)
        out.append(maps)
    return unbatch(out, batched)
