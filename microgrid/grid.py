"""Grids of Values: images as nested lists ``[N][C][H][W]``, feature batches as ``[N][F]``.

There is no tensor class. A batch of images is a plain Python list of samples, each a list of
channels, each a list of rows, each a list of Values, so ``x[n][c][i][j]`` is one scalar node a
learner can print, label and draw. This module converts between such grids and numpy arrays and
checks their shape, so every layer (convolution, pooling, normalization) can refuse a ragged or
wrongly nested input with a message that names the shapes.

>>> import numpy as np
>>> from microgrid import grid
>>> x = grid.from_numpy(np.arange(4.0).reshape(1, 1, 2, 2), label="x")
>>> x[0][0][1][0]
Value(label='x[0,0,1,0]', data=2.0000, grad=0.0000)
>>> grid.shape(x)
(1, 1, 2, 2)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import numpy as np

from microgrid._checks import whole_number
from microgrid.engine import Value, as_float, constant

__all__ = [
    "apply",
    "as_grid",
    "as_images",
    "data",
    "flat",
    "from_numpy",
    "grad",
    "pair",
    "shape",
    "unbatch",
]

#: A nested list of Values of any depth (``[N][C][H][W]``, ``[N][F]``, ...).
Grid = list[Any]


def _is_nest(x: object) -> bool:
    return isinstance(x, list | tuple)


def _describe(x: object) -> str:
    return f"a {type(x).__name__}" if not isinstance(x, numbers.Real) else f"the number {x!r}"


def shape(g: Any, what: str = "grid") -> tuple[int, ...]:
    """The shape of a rectangular nested list, e.g. ``(N, C, H, W)``.

    Raises ValueError naming the first place where the nesting is ragged (a row of another
    length, a number where a list should be) and TypeError for a leaf that is not a Value or
    a real number.
    """
    if isinstance(g, np.ndarray):
        raise TypeError(f"{what} is a numpy array: make Values first with grid.from_numpy(array)")
    if not _is_nest(g):
        raise TypeError(f"{what} must be a nested list of Values, got {_describe(g)}")
    dims: list[int] = []
    node: Any = g
    while _is_nest(node):
        if len(node) == 0:
            raise ValueError(f"{what} has an empty list at depth {len(dims)}")
        dims.append(len(node))
        node = node[0]
    # The fast pass only checks; the slow one, run on failure, finds the place to name.
    level: list[Any] = [g]
    for size in dims:
        below: list[Any] = []
        for item in level:
            if not _is_nest(item) or len(item) != size:
                _explain_ragged(g, dims, what)
            below.extend(item)
        level = below
    for leaf in level:
        if leaf.__class__ is not Value and (
            _is_nest(leaf) or isinstance(leaf, bool) or not isinstance(leaf, numbers.Real)
        ):
            _explain_ragged(g, dims, what)
    return tuple(dims)


def _explain_ragged(g: Any, dims: list[int], what: str) -> NoReturn:
    """Raise the error for the first ragged place or bad leaf of ``g``, named by its index."""
    level: list[tuple[tuple[int, ...], Any]] = [((), g)]
    for depth, size in enumerate(dims):
        below: list[tuple[tuple[int, ...], Any]] = []
        for index, item in level:
            where = f"{what}[{','.join(map(str, index))}]" if index else what
            if not _is_nest(item):
                raise ValueError(
                    f"{what} is ragged: {where} is {_describe(item)} but should be a list of "
                    f"{size} (the shape starts {tuple(dims[: depth + 1])})"
                )
            if len(item) != size:
                raise ValueError(
                    f"{what} is ragged: {where} has {len(item)} entries, but "
                    f"{'the first' if index else 'it'} has {size} "
                    f"(shape {tuple(dims)} expected)"
                )
            below.extend(((*index, k), child) for k, child in enumerate(item))
        level = below
    for index, leaf in level:
        where = ",".join(map(str, index))
        if _is_nest(leaf):  # deeper than the first entry's nesting
            raise ValueError(f"{what} is ragged: {what}[{where}] is a list, expected a Value")
        if not isinstance(leaf, Value) and (
            isinstance(leaf, bool) or not isinstance(leaf, numbers.Real)
        ):
            raise TypeError(
                f"{what}[{where}] must be a Value or a real number, got {_describe(leaf)}"
            )
    raise AssertionError(f"{what}: the fast shape check failed but no fault was found")


def as_grid(g: Any, depths: tuple[int, ...], what: str = "input") -> tuple[Grid, tuple[int, ...]]:
    """Check ``g`` has one of the nesting ``depths``; return it with Values only, and its shape.

    Plain numbers in the grid become constant leaves (as ``x * 2`` wraps the 2); Values are kept
    themselves, so gradients reach them.
    """
    dims = shape(g, what)
    if len(dims) not in depths:
        names = {2: "[N][F]", 3: "[C][H][W]", 4: "[N][C][H][W]"}
        wanted = " or ".join(names.get(d, f"{d}-deep") for d in depths)
        raise ValueError(
            f"{what} must be nested {wanted}, got a grid of depth {len(dims)} with shape {dims}"
        )
    return _values(g, len(dims), what), dims


def as_images(x: Any, what: str = "input") -> tuple[Grid, tuple[int, int, int, int], bool]:
    """A batch ``[N][C][H][W]`` or one image ``[C][H][W]`` as a batch; also its shape, and
    whether it was batched (so a layer can hand one image back as one image, as PyTorch does).
    """
    g, dims = as_grid(x, (3, 4), what)
    if len(dims) == 3:
        return [g], (1, *dims), False
    return g, dims, True  # type: ignore[return-value]


def unbatch(out: Grid, batched: bool) -> Grid:
    """A layer's batch output as the caller gave the input: one image back as one image."""
    return out if batched else out[0]


def pair(name: str, value: object, minimum: int = 1) -> tuple[int, int]:
    """A window size, stride or padding: an int, or a pair (height, width), each >= minimum."""
    items = value if isinstance(value, list | tuple) else (value, value)
    if len(items) != 2:
        raise TypeError(f"{name} must be a whole number or a pair (height, width), got {value!r}")
    h, w = (whole_number(name, v, minimum=minimum) for v in items)
    return h, w


def _values(g: Any, depth: int, what: str) -> Grid:
    if depth == 1:
        return [v if isinstance(v, Value) else constant(as_float(v, what)) for v in g]
    return [_values(item, depth - 1, what) for item in g]


def from_numpy(array: Any, label: str = "x") -> Grid:
    """Leaf Values for every entry of ``array``, nested like it and labelled ``x[0,1,2,3]``.

    ``label=""`` leaves them unlabelled. The array must be finite and at least 1-D.
    """
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("from_numpy needs an array of at least one dimension, got a scalar")
    if arr.size == 0:
        raise ValueError(f"from_numpy got an empty array of shape {arr.shape}")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = ",".join(map(str, bad[0]))
        raise ValueError(f"from_numpy: entry [{where}] is {arr[tuple(bad[0])]}, not finite")
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")

    def build(sub: np.ndarray, index: tuple[int, ...]) -> Any:
        if sub.ndim == 0:
            name = f"{label}[{','.join(map(str, index))}]" if label else ""
            return Value(float(sub), label=name)
        return [build(sub[k], (*index, k)) for k in range(sub.shape[0])]

    return build(arr, ())


def _leaves(g: Any) -> Iterator[Value]:
    stack = [g]
    while stack:
        node = stack.pop()
        if isinstance(node, Value):
            yield node
        else:
            stack.extend(reversed(node))


def flat(g: Any) -> list[Value]:
    """Every Value of a grid in row-major order (a parameter grid as a list for an optimizer)."""
    shape(g)
    return list(_leaves(g))


def _read(g: Any, attribute: str) -> np.ndarray:
    dims = shape(g)
    values = [v if isinstance(v, Value) else constant(v) for v in _leaves(g)]
    return np.array([getattr(v, attribute) for v in values], dtype=np.float64).reshape(dims)


def data(g: Any) -> np.ndarray:
    """The forward values of a grid as a float64 array of the same shape."""
    return _read(g, "data")


def grad(g: Any) -> np.ndarray:
    """The gradients (``.grad``) of a grid as a float64 array of the same shape."""
    return _read(g, "grad")


def apply(fn: Callable[[Value], Value], g: Any) -> Grid:
    """``fn`` applied to every Value of a grid (e.g. ``grid.apply(Value.relu, x)``), same shape."""
    dims = shape(g)

    def walk(node: Any, depth: int) -> Any:
        if depth == len(dims):
            return fn(node if isinstance(node, Value) else constant(node))
        return [walk(item, depth + 1) for item in node]

    return walk(g, 0)
