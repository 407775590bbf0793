"""Argument checks shared by the layers above the engine (optimizers, schedules, data, fit).

One place for "a finite real number in a range", so every hyperparameter error reads the same:
``lr must be >= 0, got -1.0``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


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
