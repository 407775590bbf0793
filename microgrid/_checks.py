"""Argument checks shared by every layer: whole numbers, finite reals, names, tables of samples.

One place for "a whole number in a range" and "a finite real number in a range", so every
argument error reads the same: ``steps must be a whole number >= 0, got 2.5``,
``lr must be >= 0, got -1.0``. numpy is imported only by ``finite_table``, so the engine and
``import microgrid`` can use these checks without loading it.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np


def whole_number(name: str, value: object, *, minimum: int = 0, maximum: int | None = None) -> int:
    """``value`` as an int, refused (ValueError) unless a whole number from ``minimum`` to
    ``maximum``: a Python int or a numpy integer, never a bool, a float or a string."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = operator.index(value)
        if number >= minimum and (maximum is None or number <= maximum):
            return number
    if maximum is not None:
        kind = f"a whole number from {minimum} to {maximum}"
    else:
        kind = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
    raise ValueError(f"{name} must be {kind}, got {value!r}")


def positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1 (a count: neurons, steps per decay, a limit), else ValueError."""
    return whole_number(name, value, minimum=1)


F = TypeVar("F", bound=Callable[..., Any])


def lookup(what: str, table: Mapping[str, F], key: str | F, *, more: Iterable[str] = ()) -> F:
    """A callable ``key`` as is, else ``table``'s entry for the name ``key``, in any case
    (``"MSE"`` is ``"mse"``; tables are keyed in lower case). Anything else is a ValueError
    listing the known names (and ``more``, names known elsewhere)."""
    if callable(key):
        return key
    if isinstance(key, str) and key.lower() in table:
        return table[key.lower()]
    known = ", ".join([*table, *more])
    raise ValueError(f"unknown {what} {key!r}; known: {known} (or a callable)")


def finite_real(
    name: str,
    value: object,
    *,
    low: float | None = 0.0,
    below: float | None = None,
    positive: bool = False,
) -> float:
    """``value`` as a float, refused unless real, finite, ``>= low`` (``> 0`` when ``positive``)
    and ``< below``. bool is not a number here; TypeError for non-numbers, ValueError otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low:g}, got {value!r}")
    if below is not None and value >= below:
        raise ValueError(f"{name} must be < {below:g}, got {value!r}")
    return value


def finite_table(data: Any, name: str) -> np.ndarray:
    """``data`` as a finite float64 array of 1 or 2 dimensions with at least one row."""
    import numpy as np

    if isinstance(data, str | bytes):
        raise TypeError(f"{name} must be an array or list of numbers, got a {type(data).__name__}")
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} is not a table of numbers: rows of equal length, all numeric ({error})"
        ) from None
    if arr.ndim == 0:
        raise ValueError(f"{name} must be a list or array of samples, got one number")
    if arr.ndim > 2:
        raise ValueError(
            f"{name} must have 1 or 2 dimensions (samples x features), got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: there are no samples")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} has {arr.shape[0]} rows but no columns")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = bad[0]
        value = arr[tuple(where)]
        place = f"row {where[0]}" + (f", column {where[1]}" if arr.ndim == 2 else "")
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise ValueError(f"{name} contains {value} at {place}{more}: clean the data first")
    return arr
