"""Reading a walkthrough's printed text back: run it into a string, find numbers by their symbol.

Shared by the walkthrough tests (a helper, not a test module): each test prints a walkthrough
with many decimals and compares the parsed numbers to its own plain-float computation.
"""

from __future__ import annotations

import re
from types import ModuleType

NUMBER = r"-?\d+\.\d+(?:e[-+]\d+)?"


def text_of(module: ModuleType, lang: str = "en", digits: int = 12) -> str:
    out: list[str] = []
    module.walkthrough(out.append, lang=lang, digits=digits)
    return "\n".join(out)


def numbers(line: str) -> list[float]:
    """Every decimal number in ``line``, in order."""
    return [float(x) for x in re.findall(NUMBER, line)]


def lines_starting(text: str, lhs: str) -> list[str]:
    """The lines that start (after indentation) with ``lhs`` followed by `` =``."""
    pattern = rf"^\s*{re.escape(lhs)}\s+=.*$"
    return re.findall(pattern, text, flags=re.MULTILINE)


def value_of(text: str, lhs: str, k: int = 0) -> float:
    """The number ending the ``k``-th line that starts with ``lhs =`` and has a number."""
    found = [line for line in lines_starting(text, lhs) if numbers(line)]
    assert len(found) > k, f"no line {k} for {lhs!r} in the output"
    return numbers(found[k])[-1]


def line_after(text: str, start: str, offset: int = 1) -> str:
    """The line ``offset`` lines below the first line that starts with ``start``."""
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.strip().startswith(start))
    return lines[k + offset]
