"""Checking gradients against finite differences: ``numerical_gradient`` and ``gradcheck``.

Central differences, (f(x + eps) - f(x - eps)) / 2 eps, have error O(eps^2); backward() must
agree with them on every input, within ``atol + rtol * |numeric|``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from microgrid._grad_mode import no_grad
from microgrid.engine import Value, as_float


def _call_float(f: Callable[..., object], xs: Sequence[float]) -> float:
    out = f(*xs)
    if isinstance(out, Value):
        return out.data
    return as_float(out, "the function's result")


def numerical_gradient(
    f: Callable[..., object], xs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central-difference gradient of ``f(*xs)`` with respect to each of ``xs``.

    ``f`` takes floats (or Values, when called from gradcheck) and returns a number or a Value.
    """
    point = [as_float(x, "gradient point") for x in xs]
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    grads = []
    for i, x in enumerate(point):
        up = point.copy()
        down = point.copy()
        up[i] = x + eps
        down[i] = x - eps
        grads.append((_call_float(f, up) - _call_float(f, down)) / (2.0 * eps))
    return grads


@dataclass(frozen=True)
class GradcheckRow:
    """One input's check: where it was, what backward() said, what differences said."""

    name: str
    x: float
    analytic: float
    numeric: float
    error: float
    ok: bool


@dataclass(frozen=True)
class GradcheckResult:
    """The outcome of ``gradcheck``: truthy when every input passes; prints as a table."""

    rows: tuple[GradcheckRow, ...]
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        return all(row.ok for row in self.rows)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        return tuple(row for row in self.rows if not row.ok)

    def __str__(self) -> str:
        width = max([5] + [len(row.name) for row in self.rows])
        head = f"{'input':<{width}}  {'x':>12}  {'backward()':>14}  {'numeric':>14}  {'error':>9}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            mark = "ok" if r.ok else "FAIL"
            lines.append(
                f"{r.name:<{width}}  {r.x:>12.6g}  {r.analytic:>14.8g}  {r.numeric:>14.8g}"
                f"  {r.error:>9.2e}  {mark}"
            )
        verdict = "passed" if self.passed else f"FAILED on {len(self.failures)} input(s)"
        lines.append(f"gradcheck {verdict} (atol={self.atol:g}, rtol={self.rtol:g})")
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck(
    f: Callable[..., Value],
    xs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    names: Sequence[str] | None = None,
) -> GradcheckResult:
    """Compare backward() gradients of ``f(*Values)`` with central differences, input by input.

    ``f`` takes one Value per entry of ``xs`` and returns a Value. An input passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``; NaN never passes.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of Values, got {type(f).__name__}")
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"gradcheck: xs must be a sequence of numbers, got {type(xs).__name__}")
    point = [as_float(x, "gradcheck input") for x in xs]
    if not point:
        raise ValueError("gradcheck needs at least one input in xs")
    if not as_float(eps, "eps") > 0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps!r}")
    if not (as_float(atol, "atol") >= 0 and as_float(rtol, "rtol") >= 0):
        raise ValueError(f"gradcheck: atol and rtol must be >= 0, got {atol!r} and {rtol!r}")
    names = list(names) if names is not None else [f"x{i}" for i in range(len(point))]
    if len(names) != len(point):
        raise ValueError(f"got {len(names)} names for {len(point)} inputs")
    leaves = [Value(x, label=name) for x, name in zip(point, names)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()

    def plain(*values: float) -> float:
        with no_grad():
            return f(*[Value(v) for v in values]).data

    numeric = numerical_gradient(plain, point, eps)
    rows = []
    for name, x, leaf, num in zip(names, point, leaves, numeric):
        err = abs(leaf.grad - num)
        ok = err <= atol + rtol * abs(num) and not math.isnan(err)
        rows.append(GradcheckRow(name, x, leaf.grad, num, err, ok))
    return GradcheckResult(tuple(rows), atol, rtol)
