"""Maxout (seed 003's activation list): each output is the largest of k linear pieces.

A maxout unit computes k affine functions of its input and keeps the largest::

    h_j(x) = max_{i = 1..k} z_{j,i},    z_{j,i} = w_{j,i} . x + b_{j,i}

so it learns its own piecewise-linear, convex activation (ReLU is the special case
max(w.x + b, 0)). It never saturates, but has k times the parameters of a plain unit. In the
backward pass the gradient goes to the winning piece only, as in max pooling (the first piece
on a tie): each output is one node, op ``maxout``, with local derivative 1 to the winner and 0
to the other pieces.

``maxout(z, pieces)`` takes the pre-activations of a layer of ``nout * pieces`` linear units,
grouped by output (z_{0,1..k}, then z_{1,1..k}, ...), and returns the ``nout`` maxima; the module
``nn.Maxout(nin, nout, pieces)`` owns the linear layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from microgrid._checks import positive_int
from microgrid.engine import Value
from microgrid.functional import Scalar, as_values
from microgrid.pooling import first_argmax, routed

__all__ = ["maxout"]


def maxout(z: Sequence[Scalar], pieces: int) -> list[Value]:
    """The maximum of each consecutive group of ``pieces`` values of ``z``."""
    pieces = positive_int("maxout pieces", pieces)
    values = as_values(z, "maxout input")
    if len(values) % pieces:
        raise ValueError(
            f"maxout: {len(values)} inputs do not split into groups of {pieces} pieces"
        )
    out = []
    for start in range(0, len(values), pieces):
        group = values[start : start + pieces]
        out.append(routed(group, first_argmax(group), "maxout"))
    return out
