"""Plain-numpy references for the grid layer tests, and inputs kept away from ties.

Shared by test_grid_ops, test_grid_torch and test_grid_layers (as strategies.py is for the
engine's tests): each reference is written from the formula, with numpy slicing and einsum, and
never calls microgrid.
"""

from __future__ import annotations

import numpy as np


def untied(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.09 apart: a shuffled ladder 0.1 apart plus noise below 0.01."""
    n = int(np.prod(shape))
    ladder = rng.permutation(n) * 0.1 - 0.05 * n + rng.uniform(0.0, 0.01, n)
    return ladder.reshape(shape)


def np_windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int) -> np.ndarray:
    """[N, C, Ho, Wo, kh, kw]: every window of every plane (plain numpy slicing)."""
    n, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.empty((n, c, ho, wo, kh, kw))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
    return out


def np_conv(x, w, b, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    patches = np_windows(xp, w.shape[2], w.shape[3], stride, stride)
    out = np.einsum("ncijab,ocab->noij", patches, w)
    return out if b is None else out + b[None, :, None, None]


def np_norm(x, axes, gamma, beta, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return y * gamma.reshape(shape) + beta.reshape(shape)


def np_group_norm(x, groups, gamma, beta, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    mean = g.mean(axis=2, keepdims=True)
    var = g.var(axis=2, keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(x.shape)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return y * gamma.reshape(shape) + beta.reshape(shape)
