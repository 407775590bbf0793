"""The numpy steps a tape runs: one op over stacked rows, a segmented sum, a layer's W @ X.

``microgrid.tape`` compiles a traced graph into a list of these steps. Every node's values live
in one row of one of two buffers: ``U`` (uniform, shape (n, 1): parameters, constants and what
is computed from them alone, the same for every sample) or ``V`` (per sample, shape
(n, batch)). Row 0 of each buffer is always zero. A step reads its operands' rows, writes its
nodes' rows (consecutive, so as one slice) and keeps what its backward needs; its backward adds
local_grad * upstream to its operands' gradient rows, summing over the batch for uniform rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microgrid.tape_ops import KERNELS

U, V = 0, 1  # the two buffers: uniform (n x 1) and per-sample (n x batch)


class Rows:
    """Rows of one buffer, read as a slice when they are consecutive (no copy)."""

    __slots__ = ("buf", "sel", "unique", "n")

    def __init__(self, buf: int, rows: Sequence[int]) -> None:
        self.buf, self.n = buf, len(rows)
        start = rows[0] if rows else 0
        step = rows[1] - rows[0] if len(rows) > 1 else 1
        if step > 0 and list(rows) == list(range(start, start + step * len(rows), step)):
            self.sel: slice | np.ndarray = slice(start, start + step * len(rows), step)
            self.unique = True
        else:
            self.sel = np.asarray(rows, dtype=np.intp)
            self.unique = len(set(rows)) == len(rows)

    def add(self, grads: list[np.ndarray], contrib: Any) -> None:
        """grads[buf][rows] += contrib, summing over the batch for uniform rows."""
        target = grads[self.buf]
        if self.buf == U and np.ndim(contrib) == 2 and contrib.shape[1] != 1:
            contrib = contrib.sum(axis=1, keepdims=True)
        if self.unique:
            target[self.sel] += contrib
        else:
            rows = np.asarray(self.sel)  # duplicate rows: each occurrence adds its share
            np.add.at(target, rows, np.broadcast_to(contrib, (self.n, target.shape[1])))


class Step:
    """One numpy step of the program: some nodes' rows computed together."""

    out: Rows
    nodes: list[int]

    def forward(self, bufs: list[np.ndarray]) -> None:
        raise NotImplementedError

    def backward(self, bufs: list[np.ndarray], grads: list[np.ndarray]) -> None:
        raise NotImplementedError


class Elementwise(Step):
    """Nodes with the same op whose operands are all ready: one kernel call on stacked rows."""

    def __init__(self, name: str, param: float | None, operands: list[Rows], out: Rows) -> None:
        self.name, self.param = name, param
        self.kernel = KERNELS[name]
        self.operands, self.out = operands, out
        self.locals: list = []

    def forward(self, bufs: list[np.ndarray]) -> None:
        args = [bufs[r.buf][r.sel] for r in self.operands]
        out, *self.locals = self.kernel(*args, self.param)
        bufs[self.out.buf][self.out.sel] = out

    def backward(self, bufs: list[np.ndarray], grads: list[np.ndarray]) -> None:
        g = grads[self.out.buf][self.out.sel]
        for rows, local in zip(self.operands, self.locals):
            rows.add(grads, g if type(local) is float and local == 1.0 else local * g)


class SumPart:
    """The terms of a group of sums that live in one buffer, and how to reduce them per node."""

    def __init__(self, buf: int, terms: list[list[tuple[int, int, float]]]) -> None:
        rows: list[int] = []
        coefs: list[float] = []
        starts: list[int] = []
        real: list[bool] = []
        for node_terms in terms:
            starts.append(len(rows))
            mine = [(r, c) for b, r, c in node_terms if b == buf]
            real += [True] * len(mine) if mine else [False]
            mine = mine or [(0, 1.0)]  # row 0 of each buffer is always zero
            rows += [r for r, _ in mine]
            coefs += [c for _, c in mine]
        self.any_real = any(real)
        self.rows = Rows(buf, rows)
        self.coefs = None if all(c == 1.0 for c in coefs) else np.asarray(coefs)[:, None]
        self.starts = None if len(rows) == len(terms) else np.asarray(starts, dtype=np.intp)
        # backward: only real terms receive gradient (not the zero-row padding)
        keep = np.flatnonzero(real)
        segment = np.repeat(np.arange(len(terms)), np.diff([*starts, len(rows)]))[keep]
        self.grad_rows = Rows(buf, [rows[i] for i in keep])
        self.segment = None if np.array_equal(segment, np.arange(len(terms))) else segment
        self.grad_coefs = (
            None if all(coefs[i] == 1.0 for i in keep) else np.asarray(coefs)[keep, None]
        )

    def total(self, bufs: list[np.ndarray]) -> np.ndarray:
        x = bufs[self.rows.buf][self.rows.sel]
        if self.coefs is not None:
            x = x * self.coefs
        if self.starts is not None:
            x = np.add.reduceat(x, self.starts, axis=0)
        return x

    def backward(self, g: np.ndarray, grads: list[np.ndarray]) -> None:
        if self.grad_rows.buf == U and g.shape[1] != 1:
            g = g.sum(axis=1, keepdims=True)
        contrib = g if self.segment is None else g[self.segment]
        self.grad_rows.add(grads, contrib if self.grad_coefs is None else contrib * self.grad_coefs)


class Sum(Step):
    """Flattened chains of + and -: each output is a signed sum of its terms (reduceat)."""

    def __init__(self, terms: list[list[tuple[int, int, float]]], out: Rows) -> None:
        self.out = out
        parts = [SumPart(buf, terms) for buf in ((V, U) if out.buf == V else (U,))]
        self.parts = [part for part in parts if part.any_real]

    def forward(self, bufs: list[np.ndarray]) -> None:
        total = self.parts[0].total(bufs)
        for part in self.parts[1:]:
            total = total + part.total(bufs)
        bufs[self.out.buf][self.out.sel] = total

    def backward(self, bufs: list[np.ndarray], grads: list[np.ndarray]) -> None:
        g = grads[self.out.buf][self.out.sel]
        for part in self.parts:
            part.backward(g, grads)


class Linear(Step):
    """Neurons over the same inputs: out = W @ X (+ b), W gathered from the parameters.

    A layer's weights usually sit in the parameter list neuron by neuron (w0..w_m-1, b), so W
    is then a strided view of the parameter rows: no gather, and its gradient lands in place.
    """

    def __init__(self, xs: Rows, weights: np.ndarray, bias: Rows | None, out: Rows) -> None:
        self.xs, self.w_rows, self.bias, self.out = xs, weights, bias, out
        self.w_unique = len(np.unique(weights)) == weights.size
        k, m = weights.shape
        r0 = int(weights[0, 0])
        stride = int(weights[1, 0] - r0) if k > 1 else m
        grid = r0 + stride * np.arange(k)[:, None] + np.arange(m)[None, :]
        self.grid = (r0, stride) if stride >= m and np.array_equal(grid, weights) else None
        self.W: np.ndarray = np.empty(0)
        self.X: np.ndarray = np.empty(0)

    def bind(self, u: np.ndarray, gu: np.ndarray) -> None:
        """Make W and its gradient views of the (persistent) uniform buffers, when possible."""
        self.W_view = self.dW_view = None
        if self.grid is not None:
            r0, stride = self.grid
            shape, strides = self.w_rows.shape, (stride * u.strides[0], u.strides[0])
            self.W_view = np.lib.stride_tricks.as_strided(u[r0:, 0], shape, strides)
            self.dW_view = np.lib.stride_tricks.as_strided(gu[r0:, 0], shape, strides)

    def forward(self, bufs: list[np.ndarray]) -> None:
        self.X = bufs[V][self.xs.sel]
        self.W = bufs[U][self.w_rows, 0] if self.W_view is None else self.W_view
        out = self.W @ self.X
        if self.bias is not None:
            out += bufs[U][self.bias.sel]
        bufs[V][self.out.sel] = out

    def backward(self, bufs: list[np.ndarray], grads: list[np.ndarray]) -> None:
        g = grads[V][self.out.sel]
        dW = g @ self.X.T
        if self.dW_view is not None:
            self.dW_view += dW
        elif self.w_unique:
            grads[U][self.w_rows, 0] += dW
        else:
            np.add.at(grads[U][:, 0], self.w_rows, dW)
        self.xs.add(grads, self.W.T @ g)
        if self.bias is not None:
            self.bias.add(grads, g)
