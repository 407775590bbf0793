"""Command-line checks shared by the demos: counts, sizes and rates refused with a clear message.

Each is an ``argparse`` ``type=``: a bad value stops the demo before any work with
``error: argument --points: must be a positive integer, got '0'`` instead of a traceback from
deep inside the training loop.
"""

from __future__ import annotations

import argparse
import math

__all__ = ["positive_float", "positive_int", "probability"]


def positive_int(text: str) -> int:
    """An integer >= 1 (sample counts, epochs, steps, widths)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates, thresholds, scales)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0.0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def probability(text: str) -> float:
    """A number p with 0 <= p < 1 (a dropout probability)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value
