"""Batch, layer, instance and group normalization on grids of Values, in the seeds' formulas.

All four do the same three steps on a set S of values (seed 004, Q6 to Q8; seed 002)::

    mu      = (1/|S|) sum_{x in S} x                        the mean
    sigma^2 = (1/|S|) sum_{x in S} (x - mu)^2                the *biased* variance, as PyTorch
    x_hat   = (x - mu) / sqrt(sigma^2 + eps)                 eps = 1e-5 keeps it finite
    y       = gamma_c * x_hat + beta_c                       learnable scale and shift

and differ only in which values share one mu and sigma (for an image batch ``[N][C][H][W]``):

* batch norm: per channel c, over the batch and the plane (N, H, W), so a sample's output
  depends on the other samples of its batch (per feature over N for ``[N][F]``);
* layer norm: per sample, over all of its features (C, H, W);
* instance norm: per sample and channel, over the plane (H, W);
* group norm: per sample, over each group of C / G consecutive channels and their planes
  (1 group is layer norm, C groups are instance norm).

gamma and beta have one entry per channel (per feature for ``[N][F]``), as in PyTorch's
BatchNorm2d, GroupNorm and InstanceNorm(affine=True); ``None`` means no affine step (gamma = 1,
beta = 0). Everything is made of engine ops, so the backward pass also runs through mu and
sigma: each x gets d/dx of its own x_hat and of the statistics it helped compute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from microgrid._checks import finite_real, positive_int
from microgrid.engine import Value, as_float, constant
from microgrid.functional import value_sum
from microgrid.grid import Grid, as_grid

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "standardize"]

EPS = 1e-5

Planes = list[list[list[Value]]]  # [N][C][H*W]


def _planes(x: Any, who: str) -> tuple[Planes, tuple[int, ...]]:
    """``[N][C][H][W]`` or ``[N][F]`` as [N][C][H*W] flat planes (F features as C planes of 1)."""
    g, dims = as_grid(x, (2, 4), f"{who} input")
    if len(dims) == 2:
        return [[[v] for v in sample] for sample in g], dims
    return [[[v for row in plane for v in row] for plane in sample] for sample in g], dims


def _unplanes(planes: Planes, dims: tuple[int, ...]) -> Grid:
    if len(dims) == 2:
        return [[plane[0] for plane in sample] for sample in planes]
    w = dims[3]
    return [
        [[plane[i : i + w] for i in range(0, len(plane), w)] for plane in sample]
        for sample in planes
    ]


def _affine(param: Any, channels: int, name: str, who: str) -> list[Value] | None:
    """gamma or beta: None, or one Value (or number) per channel."""
    if param is None:
        return None
    if isinstance(param, Value | str | bytes) or not hasattr(param, "__len__"):
        raise TypeError(f"{who}: {name} must be a list of {channels} Values (one per channel)")
    if len(param) != channels:
        raise ValueError(
            f"{who}: {name} has {len(param)} entries but the input has {channels} channels"
        )
    return [p if isinstance(p, Value) else constant(as_float(p, f"{who} {name}")) for p in param]


def _eps(eps: object, who: str) -> float:
    return finite_real(f"{who} eps", eps)


def standardize(values: Sequence[Value], eps: float) -> list[Value]:
    """(x - mu) / sqrt(sigma^2 + eps) for every x of ``values``, mu and sigma^2 over them all."""
    n = len(values)
    mean = value_sum(values) / n
    centered = [v - mean for v in values]
    var = value_sum([d * d for d in centered]) / n
    std = (var + eps).sqrt()
    return [d / std for d in centered]


def _scale_shift(planes: Planes, gamma: list[Value] | None, beta: list[Value] | None) -> Planes:
    if gamma is None and beta is None:
        return planes
    out = []
    for sample in planes:
        channels = []
        for c, plane in enumerate(sample):
            if gamma is not None:
                plane = [gamma[c] * v for v in plane]
            if beta is not None:
                plane = [v + beta[c] for v in plane]
            channels.append(plane)
        out.append(channels)
    return out


Members = list[list[tuple[int, int]]]  # each statistic's (sample, channel) planes


def _per_channel(n: int, c: int) -> Members:
    """Batch norm's sets: channel k of every sample."""
    return [[(i, k) for i in range(n)] for k in range(c)]


def _per_sample(n: int, c: int) -> Members:
    """Layer norm's sets: every channel of sample i."""
    return [[(i, k) for k in range(c)] for i in range(n)]


def _per_plane(n: int, c: int) -> Members:
    """Instance norm's sets: one channel of one sample."""
    return [[(i, k)] for i in range(n) for k in range(c)]


def _normalize(
    x: Any, groups_of: Callable[[int, int], Members], gamma: Any, beta: Any, eps: Any, who: str
) -> Grid:
    """Standardize each set of (n, c) planes that ``groups_of(N, C)`` lists, then scale, shift."""
    eps = _eps(eps, who)
    planes, dims = _planes(x, who)
    n, c = len(planes), len(planes[0])
    g = _affine(gamma, c, "gamma", who)
    b = _affine(beta, c, "beta", who)
    out: list[list[list[Value]]] = [[[] for _ in range(c)] for _ in range(n)]
    for members in groups_of(n, c):
        values = [v for (i, k) in members for v in planes[i][k]]
        if len(values) == 1:
            raise ValueError(
                f"{who} of input shape {dims}: a statistic over one value is that value itself "
                "(every output would be 0); it needs at least two values per group"
            )
        normed = standardize(values, eps)
        start = 0
        for i, k in members:
            size = len(planes[i][k])
            out[i][k] = normed[start : start + size]
            start += size
    return _unplanes(_scale_shift(out, g, b), dims)


def batch_norm(
    x: Any,
    gamma: Any = None,
    beta: Any = None,
    eps: float = EPS,
    *,
    mean: Sequence[float] | None = None,
    var: Sequence[float] | None = None,
) -> Grid:
    """Batch normalization: per channel (feature) over the batch, N x H x W values.

    With ``mean`` and ``var`` (plain numbers per channel, e.g. a BatchNorm module's running
    statistics in evaluation) those are used instead of the batch's own, and the output of a
    sample no longer depends on the rest of its batch.

    In training (no ``mean``/``var``) a batch of one sample is refused: its statistics are the
    sample's own, not the batch's (use layer, instance or group norm instead).
    """
    who = "batch_norm"
    if (mean is None) != (var is None):
        raise ValueError(f"{who}: give both mean and var (running statistics) or neither")
    if mean is not None:
        return _fixed_stats(x, gamma, beta, eps, mean, var)
    _, dims = as_grid(x, (2, 4), f"{who} input")
    if dims[0] == 1:
        raise ValueError(
            f"{who} in training needs a batch of at least 2 samples, got input shape {dims}: "
            "with one sample the batch statistics are that sample's own (use layer_norm, "
            "instance_norm or group_norm, or the running statistics of evaluation mode)"
        )
    return _normalize(x, _per_channel, gamma, beta, eps, who)


def _fixed_stats(x: Any, gamma: Any, beta: Any, eps: Any, mean: Any, var: Any) -> Grid:
    who = "batch_norm"
    eps = _eps(eps, who)
    planes, dims = _planes(x, who)
    c = len(planes[0])
    stats = []
    for name, values in (("mean", mean), ("var", var)):
        if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
            raise TypeError(f"{who}: {name} must be a list of {c} numbers (one per channel)")
        if len(values) != c:
            raise ValueError(f"{who}: {name} has {len(values)} entries, the input {c} channels")
        stats.append([finite_real(f"{who} {name}[{k}]", v, low=None) for k, v in enumerate(values)])
    mu, sigma2 = stats
    for k, v in enumerate(sigma2):
        if v < 0.0:
            raise ValueError(f"{who}: var[{k}] is {v!r}; a variance is never negative")
    inv = [(v + eps) ** -0.5 for v in sigma2]
    out = [[[(v - mu[k]) * inv[k] for v in plane] for k, plane in enumerate(s)] for s in planes]
    g = _affine(gamma, c, "gamma", who)
    b = _affine(beta, c, "beta", who)
    return _unplanes(_scale_shift(out, g, b), dims)


def layer_norm(x: Any, gamma: Any = None, beta: Any = None, eps: float = EPS) -> Grid:
    """Layer normalization: per sample over all its C x H x W values (F for ``[N][F]``)."""
    return _normalize(x, _per_sample, gamma, beta, eps, "layer_norm")


def instance_norm(x: Any, gamma: Any = None, beta: Any = None, eps: float = EPS) -> Grid:
    """Instance normalization: per sample and channel over its H x W plane."""
    return _normalize(x, _per_plane, gamma, beta, eps, "instance_norm")


def group_norm(
    x: Any, num_groups: int, gamma: Any = None, beta: Any = None, eps: float = EPS
) -> Grid:
    """Group normalization: per sample over each of ``num_groups`` groups of C / G channels."""
    who = "group_norm"
    _, dims = as_grid(x, (2, 4), f"{who} input")
    channels = dims[1]
    num_groups = positive_int(f"{who}: num_groups", num_groups)
    if channels % num_groups:
        raise ValueError(
            f"{who}: num_groups={num_groups} does not divide the {channels} channels of input "
            f"shape {dims}"
        )
    size = channels // num_groups

    def groups(n: int, c: int) -> Members:
        return [
            [(i, k) for k in range(g * size, (g + 1) * size)]
            for i in range(n)
            for g in range(num_groups)
        ]

    return _normalize(x, groups, gamma, beta, eps, who)
