"""How numbers are written: one set of rules for reprs, explanations, captions, drawings, CLI.

Three forms, each with one rule:

- ``fixed(x, digits)``: a measured number (a value, a gradient) with ``digits`` decimals,
  ``0.5 -> '0.5000'``; scientific when fixed point would keep fewer than three significant
  digits, or the number is ``LARGE`` or more, so a small gradient never prints as ``0.0000``.
- ``padded(x, width)``: the same number in exactly ``width`` characters, for drawings, where every
  number takes the same room (fewer digits, never a wider box).
- ``short(x)``: a constant as a learner writes it, ``2``, ``0.5``, ``1e-08``; ``as_given(x)`` a
  given input as the seed writes it, ``0.05``, ``0.10``; ``exact(x)`` every digit (an op's
  parameter, part of its name: ``"**2"``).

``nan`` and ``inf`` are spelled out by all three. Nothing here imports numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: From this size up, ``fixed`` writes numbers in scientific notation.
LARGE = 1e6
#: Below this size ``fixed`` always writes scientific notation, whatever ``digits``.
SMALL = 1e-4

_NBSP = "\u00a0"


def _special(x: float) -> str | None:
    """``nan``, ``inf``, ``-inf`` for the non-finite numbers, else None."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def fixed(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` decimals; scientific (``digits - 1`` decimals) when tiny or huge.

    Tiny means fixed point would keep fewer than three significant digits (and always below
    ``SMALL``): ``fixed(0.000438568, 3) == '4.39e-04'``, ``fixed(0.000438568, 9) ==
    '0.000438568'``. Huge means ``abs(x) >= LARGE``.
    """
    special = _special(x)
    if special is not None:
        return special
    if x == 0:
        x = 0.0  # no "-0.0000"
    size = abs(x)
    if x != 0 and (size < max(SMALL, 10.0 ** (2 - digits)) or size >= LARGE):
        return f"{x:.{max(digits - 1, 1)}e}"
    return f"{x:.{digits}f}"


def padded(x: float, width: int) -> str:
    """``x`` as exactly ``width`` characters, padded on the left with no-break spaces.

    ``fixed(x, 4)`` when it fits, else scientific with as many decimals as fit:
    ``padded(0.5, 9) == '\u00a0\u00a0\u00a00.5000'``, ``padded(-1234567.0, 9) == '-1.23e+06'``.
    """
    first = fixed(x, 4)
    candidates = [first] if _special(x) else [first, f"{x:.2e}", f"{x:.1e}", f"{x:.0e}"]
    text = next((c for c in candidates if len(c) <= width), candidates[-1])
    return text.rjust(width, _NBSP)


def short(x: float) -> str:
    """A constant as a learner would write it: ``2``, ``0.5``, ``1e-08``, ``1234567``."""
    special = _special(x)
    if special is not None:
        return special
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def exact(x: float) -> str:
    """A number with every digit it has, so it reads back the same: ``2``, ``0.5``,
    ``0.3333333333333333``. For an op's parameter, which names the op (``x ** 2`` is ``"**2"``)."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def as_given(x: float) -> str:
    """A given number as the seed writes it, ``0.05``, ``0.10``, ``0.40`` (else exact, by repr)."""
    return f"{x:.2f}" if round(x, 2) == x else repr(x)


def signed_sum(terms: Sequence[float], digits: int = 6) -> str:
    """``a + b - c`` with each term's sign written once (never ``+ -0.2``)."""
    text = fixed(terms[0], digits)
    for t in terms[1:]:
        text += f" {'-' if t < 0 else '+'} {fixed(abs(t), digits)}"
    return text
