"""Toy data sets and normalization: seeded generators, a train/test split, and the seeds' scalers.

Generators (numpy, reproducible: the same ``seed`` gives the same arrays) return ``(X, y)`` with
``X`` of shape (n_samples, 2) (``make_blobs``: (n_samples, n_features)), float64, and ``y`` of
shape (n_samples,), int64 class labels 0..k-1. For a hinge loss (labels -1/+1) use ``2 * y - 1``.
Classes are balanced: each gets n_samples // k points, the first n_samples % k classes one more.

Normalization (seed 000 Q7 and seed 004 Q6) follows fit / transform semantics: ``fit`` learns
the numbers from the training data (a column's min and max, mean and std, ...), ``transform``
applies them to any data with the same columns, ``inverse_transform`` undoes it. A constant
column never divides by zero (its scale is taken as 1). Column-wise scalers: MinMaxScaler,
StandardScaler (z-score), DecimalScaler, LogTransform; row-wise: Normalizer (L1 / L2 norm).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from microgrid._checks import finite_real, finite_table, positive_int, whole_number

__all__ = [
    "DecimalScaler",
    "LogTransform",
    "MinMaxScaler",
    "Normalizer",
    "NotFittedError",
    "StandardScaler",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]


# ------------------------------------------------------------------------------- helpers


def _per_class(n_samples: int, k: int) -> list[int]:
    """Balanced class sizes: n // k each, the first n % k classes one more."""
    return [n_samples // k + (1 if c < n_samples % k else 0) for c in range(k)]


def _finish(
    parts: list[np.ndarray], sizes: list[int], noise: float, shuffle: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    X = np.concatenate(parts).astype(np.float64)
    y = np.concatenate([np.full(s, c, dtype=np.int64) for c, s in enumerate(sizes)])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return X, y


# ----------------------------------------------------------------------------- generators


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (micrograd's demo data): X (n, 2), y (n,) in {0, 1}.

    Class 0 is the upper half circle of radius 1 centred at (0, 0); class 1 the lower half circle
    centred at (1, 0.5). ``noise`` is the std of Gaussian noise added to every coordinate.
    """
    n_samples = whole_number("n_samples", n_samples, minimum=2)
    noise = finite_real("noise", noise)
    rng = np.random.default_rng(seed)
    sizes = _per_class(n_samples, 2)
    t0 = np.linspace(0, math.pi, sizes[0])
    t1 = np.linspace(0, math.pi, sizes[1])
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([upper, lower], sizes, noise, shuffle, rng)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.0,
    factor: float = 0.5,
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside a circle: X (n, 2), y (n,); class 0 on radius 1, class 1 on ``factor``.

    Not linearly separable in (x0, x1); separable with the added feature x0^2 + x1^2.
    """
    n_samples = whole_number("n_samples", n_samples, minimum=2)
    noise = finite_real("noise", noise)
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    sizes = _per_class(n_samples, 2)
    parts = []
    for radius, size in zip((1.0, float(factor)), sizes):
        t = np.linspace(0, 2 * math.pi, size, endpoint=False)
        parts.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    return _finish(parts, sizes, noise, shuffle, rng)


def make_xor(
    n_samples: int = 100,
    noise: float = 0.0,
    margin: float = 0.1,
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """XOR in the plane (seed 000 Q2): X (n, 2) in [-1, 1]^2, y (n,) = 1 when the signs differ.

    Points are spread evenly over the four quadrants (n // 4 each, the rest to the first), each
    at least ``margin`` from both axes before noise: quadrants (+,+) and (-,-) are class 0,
    (+,-) and (-,+) class 1. No single line separates them; the feature x0 * x1 does.
    """
    n_samples = whole_number("n_samples", n_samples, minimum=4)
    noise = finite_real("noise", noise)
    if not isinstance(margin, numbers.Real) or not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin!r}")
    rng = np.random.default_rng(seed)
    signs = [(1, 1), (-1, -1), (1, -1), (-1, 1)]
    quads = _per_class(n_samples, 4)
    parts = [rng.uniform(margin, 1.0, size=(q, 2)) * np.array(s) for s, q in zip(signs, quads)]
    sizes = [quads[0] + quads[1], quads[2] + quads[3]]
    return _finish(parts, sizes, noise, shuffle, rng)


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float = 0.0,
    turns: float = 1.0,
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy set): X (n, 2), y (n,) in 0..k-1.

    Arm c has radius r growing from 0 to 1 while its angle turns ``turns`` full circles,
    starting at 2 pi c / k; ``noise`` is added to the points (std, in the units of X).
    """
    n_samples = whole_number("n_samples", n_samples, minimum=2)
    n_classes = whole_number("n_classes", n_classes, minimum=2)
    if n_samples < n_classes:
        raise ValueError(f"n_samples ({n_samples}) must be at least n_classes ({n_classes})")
    noise = finite_real("noise", noise)
    turns = finite_real("turns", turns)
    rng = np.random.default_rng(seed)
    sizes = _per_class(n_samples, n_classes)
    parts = []
    for c, size in enumerate(sizes):
        r = np.linspace(0.05, 1.0, size)
        t = 2 * math.pi * (c / n_classes + turns * r)
        parts.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
    return _finish(parts, sizes, noise, shuffle, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Any = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters: X (n, n_features), y (n,) in 0..k-1, class c around centre c.

    ``centers`` is a count (centres drawn uniformly in ``center_box``) or an array of shape
    (k, n_features) of given centres. ``cluster_std`` is each cluster's standard deviation.
    """
    n_samples = positive_int("n_samples", n_samples)
    cluster_std = finite_real("cluster_std", cluster_std)
    rng = np.random.default_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = positive_int("centers", centers)
        n_features = positive_int("n_features", n_features)
        low, high = center_box
        if not low < high:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        points = rng.uniform(low, high, size=(k, n_features))
    else:
        points = np.asarray(centers, dtype=np.float64)
        if points.ndim != 2 or len(points) == 0 or not np.isfinite(points).all():
            raise ValueError(
                "centers must be a count or a (k, n_features) array of finite numbers, "
                f"got shape {points.shape}"
            )
        k = len(points)
    if n_samples < k:
        raise ValueError(f"n_samples ({n_samples}) must be at least the number of centres ({k})")
    sizes = _per_class(n_samples, k)
    parts = [
        c + rng.normal(scale=cluster_std, size=(s, points.shape[1])) for c, s in zip(points, sizes)
    ]
    return _finish(parts, sizes, 0.0, shuffle, rng)


def train_test_split(
    X: Any,
    y: Any,
    test_size: float | int = 0.25,
    seed: int | None = None,
    shuffle: bool = True,
    stratify: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split (X, y) into ``X_train, X_test, y_train, y_test`` (as numpy arrays).

    ``test_size`` is a fraction in (0, 1) (the test set gets ceil(fraction * n) rows) or a count.
    ``stratify=True`` splits every class of y in that proportion, so both sets keep the class
    balance. Both sets are non-empty; rows keep their (X, y) pairing.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays of samples, not single numbers")
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} samples but y has {len(y)}: they must match")
    if n < 2:
        raise ValueError(f"need at least 2 samples to split, got {n}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction or a count, got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size < n:
            raise ValueError(f"test_size as a count must be in 1..{n - 1}, got {test_size}")
        fraction = test_size / n
    else:
        if not 0 < test_size < 1:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}")
        fraction = float(test_size)
    rng = np.random.default_rng(seed)
    if stratify:
        if not shuffle:
            raise ValueError("stratify=True needs shuffle=True")
        test_idx = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test_idx.extend(members[: math.ceil(fraction * len(members) - 1e-9)])
        test = np.zeros(n, dtype=bool)
        test[test_idx] = True
        order_test = rng.permutation(np.flatnonzero(test))
        order_train = rng.permutation(np.flatnonzero(~test))
    else:
        n_test = test_size if isinstance(test_size, numbers.Integral) else math.ceil(fraction * n)
        n_test = min(max(int(n_test), 1), n - 1)
        order = rng.permutation(n) if shuffle else np.arange(n)
        order_train, order_test = order[: n - n_test], order[n - n_test :]
    if len(order_test) == 0 or len(order_train) == 0:
        raise ValueError("the split left one side empty: change test_size")
    return X[order_train], X[order_test], y[order_train], y[order_test]


# ---------------------------------------------------------------------------- normalization


class NotFittedError(RuntimeError):
    """A scaler was asked to transform before ``fit`` taught it the data's numbers."""


class _Scaler:
    """Shared fit / transform plumbing: input checks, column counts, fit_transform."""

    def __init__(self) -> None:
        self.n_features: int | None = None

    def _check(self, X: Any, action: str) -> np.ndarray:
        name = type(self).__name__
        arr = finite_table(X, f"{name}.{action}: X")
        if arr.ndim != 2:
            raise ValueError(
                f"{name}.{action}: X must be 2-D (samples x features), got shape {arr.shape}; "
                "for one feature use X.reshape(-1, 1)"
            )
        if action != "fit":
            if self.n_features is None:
                raise NotFittedError(f"{name} is not fitted yet: call fit(X_train) first")
            if arr.shape[1] != self.n_features:
                raise ValueError(
                    f"{name}.{action}: X has {arr.shape[1]} column(s) but the scaler was "
                    f"fitted on {self.n_features}"
                )
        return arr

    def fit(self, X: Any) -> _Scaler:
        """Learn the numbers from X (shape (n, d)); returns self."""
        arr = self._check(X, "fit")
        self._fit(arr)
        self.n_features = arr.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Apply the fitted normalization to X (same number of columns as at fit)."""
        return self._transform(self._check(X, "transform"))

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Map normalized data back to the original units."""
        return self._inverse(self._check(X, "inverse_transform"))

    def _fit(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _transform(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _inverse(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _safe(scale: np.ndarray) -> np.ndarray:
    """A column scale with zeros replaced by 1: a constant column is shifted, never divided by 0."""
    return np.where(scale == 0.0, 1.0, scale)


class MinMaxScaler(_Scaler):
    """Min-max (linear) normalization to [a, b]: x' = a + (x - min) (b - a) / (max - min).

    The seed's x' = (x - min) / (max - min) is the default range (0, 1). A constant column
    (max = min) maps to a. Values outside the fitted [min, max] land outside [a, b].
    """

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        super().__init__()
        try:
            a, b = (float(v) for v in feature_range)
        except (TypeError, ValueError):
            raise TypeError(f"feature_range must be a pair (a, b), got {feature_range!r}") from None
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise ValueError(f"feature_range must be finite with a < b, got {feature_range!r}")
        self.feature_range = (a, b)

    def _fit(self, X: np.ndarray) -> None:
        self.data_min = X.min(axis=0)
        self.data_max = X.max(axis=0)
        a, b = self.feature_range
        with np.errstate(over="ignore"):
            scale = (b - a) / _safe(self.data_max - self.data_min)
        # A span so tiny that dividing by it overflows is, for floats, a constant column.
        self.scale = np.where(np.isfinite(scale), scale, b - a)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return self.feature_range[0] + (X - self.data_min) * self.scale

    def _inverse(self, X: np.ndarray) -> np.ndarray:
        return self.data_min + (X - self.feature_range[0]) / self.scale


class StandardScaler(_Scaler):
    """Z-score standardization: x' = (x - mu) / sigma per column, giving mean 0 and std 1.

    sigma is the population standard deviation (divide by n, numpy's default ddof=0). A constant
    column (sigma = 0) is only centred.
    """

    def _fit(self, X: np.ndarray) -> None:
        self.mean = X.mean(axis=0)
        self.std = X.std(axis=0)
        self.scale = _safe(self.std)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.scale

    def _inverse(self, X: np.ndarray) -> np.ndarray:
        return X * self.scale + self.mean


class DecimalScaler(_Scaler):
    """Decimal scaling: x' = x / 10^j per column, j the smallest integer with max |x'| < 1.

    So 986 -> 0.986 (j = 3) and 1000 -> 0.1 (j = 4); small data scale up (0.05 -> 0.5, j = -1).
    An all-zero column (or one whose peak is below the smallest normal float) keeps j = 0.
    """

    def _fit(self, X: np.ndarray) -> None:
        peaks = np.abs(X).max(axis=0)
        exps = []
        for peak in peaks:
            if peak < np.finfo(np.float64).tiny:  # zero, or subnormal: 10^j would underflow
                exps.append(0)
                continue
            j = math.floor(math.log10(peak)) + 1
            while peak / 10.0**j >= 1.0:  # guard log10 rounding either way
                j += 1
            while peak / 10.0 ** (j - 1) < 1.0:
                j -= 1
            exps.append(j)
        self.exponents = np.array(exps, dtype=np.int64)
        self.scale = 10.0 ** self.exponents.astype(np.float64)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return X / self.scale

    def _inverse(self, X: np.ndarray) -> np.ndarray:
        return X * self.scale


class LogTransform(_Scaler):
    """Log (non-linear) normalization: x' = log_base(x + shift) per column.

    With ``divide_by_max=True`` each column is also divided by log_base(max + shift) of the fit
    data, the textbook x' = log10(x) / log10(max) (``base=10, shift=0``), which maps [1, max] to
    [0, 1]. A column whose max + shift is 1 (log 0) is not divided. x + shift must be > 0:
    anything else is refused, naming the row and column.
    """

    def __init__(self, base: float = math.e, shift: float = 1.0, divide_by_max: bool = False):
        super().__init__()
        if not isinstance(base, numbers.Real) or not base > 0 or base == 1:
            raise ValueError(f"base must be > 0 and not 1, got {base!r}")
        if not isinstance(shift, numbers.Real) or not math.isfinite(shift):
            raise ValueError(f"shift must be a finite number, got {shift!r}")
        self.base: float = float(base)
        self.shift: float = float(shift)
        self.divide_by_max: bool = bool(divide_by_max)

    def _log(self, X: np.ndarray, action: str) -> np.ndarray:
        shifted = X + self.shift
        if (shifted <= 0).any():
            row, col = np.argwhere(shifted <= 0)[0]
            raise ValueError(
                f"LogTransform.{action}: x + shift must be > 0, but row {row}, column {col} "
                f"is {X[row, col]} with shift {self.shift}"
            )
        return np.log(shifted) / math.log(self.base)

    def _fit(self, X: np.ndarray) -> None:
        self._log(X, "fit")  # refuse x + shift <= 0 at fit time already
        if self.divide_by_max:
            self.scale = _safe(self._log(X.max(axis=0, keepdims=True), "fit")[0])
        else:
            self.scale = np.ones(X.shape[1])

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return self._log(X, "transform") / self.scale

    def _inverse(self, X: np.ndarray) -> np.ndarray:
        return self.base ** (X * self.scale) - self.shift


class Normalizer(_Scaler):
    """Vector-norm normalization of each row (sample): x' = x / ||x||, L2 (default) or L1.

    Row-wise, so fit learns only the column count. An all-zero row stays zero. The norms are
    not kept (they differ for every row), so ``inverse_transform(X_norm, norms)`` needs the
    norms from ``row_norms(X)``.
    """

    def __init__(self, norm: str = "l2") -> None:
        super().__init__()
        if norm not in ("l1", "l2"):
            raise ValueError(f"norm must be 'l1' or 'l2', got {norm!r}")
        self.norm = norm

    def _fit(self, X: np.ndarray) -> None:
        pass

    def row_norms(self, X: Any) -> np.ndarray:
        """||x||_1 or ||x||_2 of every row of X, shape (n,)."""
        arr = self._check(X, "row_norms")
        return self._norms(arr)

    def _norms(self, X: np.ndarray) -> np.ndarray:
        if self.norm == "l1":
            return np.abs(X).sum(axis=1)
        return np.sqrt((X * X).sum(axis=1))

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return X / _safe(self._norms(X))[:, None]

    def inverse_transform(self, X: Any, norms: Any = None) -> np.ndarray:
        """Multiply each row back by its norm (``norms``, from ``row_norms`` of the original)."""
        arr = self._check(X, "inverse_transform")
        if norms is None:
            raise ValueError(
                "Normalizer.inverse_transform needs the row norms: "
                "inverse_transform(X_norm, norms=normalizer.row_norms(X_original))"
            )
        norms = np.asarray(norms, dtype=np.float64)
        if norms.shape != (len(arr),):
            raise ValueError(f"norms must have shape ({len(arr)},), got {norms.shape}")
        return arr * norms[:, None]
