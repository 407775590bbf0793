"""Argument checks shared by the layers above the engine (optimizers, schedules, penalties, data).

One place for "a finite real number in a range", so every hyperparameter error reads the same:
``lr must be >= 0, got -1.0``.
"""

from __future__ import annotations

import math
import numbers


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
