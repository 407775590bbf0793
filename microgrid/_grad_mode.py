"""Grad recording, the current module scope and anomaly mode, per thread and per asyncio task.

Both live in one context variable, ``MODE``, holding the pair ``(grad_enabled, scope)``: every
op reads it once (``MODE.get()``, a C call about as cheap as reading a module attribute). A
context variable, unlike a module global, is private to each thread and each asyncio task, so
one task's ``no_grad()`` never switches recording off for another, and two overlapping
``no_grad()`` blocks in different tasks cannot leave recording off for the whole process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

#: ``(grad_enabled, scope)``: when grad_enabled is False, ops build result Values with no
#: children (nothing is recorded for backward); scope is the dotted path of the module whose
#: forward pass is running ("" outside any module). A new thread starts from the default.
MODE: ContextVar[tuple[bool, str]] = ContextVar("microgrid_mode", default=(True, ""))

#: Inside ``microgrid.detect_anomaly()``: its record of where each node was made; else None.
#: Read once per ``backward()`` call, never per op (see ``microgrid.anomaly``).
ANOMALY: ContextVar[Any] = ContextVar("microgrid_anomaly", default=None)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Run the body without recording a graph (optimizer updates, evaluation, finite differences).

    Values computed inside are plain numbers wrapped in leaves: calling ``backward()`` on them
    propagates nothing. Nesting is allowed; the previous mode is restored on exit, even on error.
    Only the calling thread (or asyncio task) is affected.
    """
    token = MODE.set((False, MODE.get()[1]))
    try:
        yield
    finally:
        MODE.reset(token)


def is_grad_enabled() -> bool:
    """True when ops record the graph (outside every ``no_grad`` block of this thread or task)."""
    return MODE.get()[0]


def current_scope() -> str:
    """The dotted scope path new Values get in this thread or task ("" outside any module)."""
    return MODE.get()[1]


@contextlib.contextmanager
def scope(name: str) -> Iterator[str]:
    """Tag every Value created in the body with ``<outer scope>.<name>`` (used to cluster drawings).

    Modules enter their own scope around their forward pass, so a neuron's Values carry a path
    like ``"mlp.layer0.neuron1"``. Yields the full path. Per thread and per asyncio task.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"scope name must be a non-empty str, got {name!r}")
    enabled, outer = MODE.get()
    path = f"{outer}.{name}" if outer else name
    token = MODE.set((enabled, path))
    try:
        yield path
    finally:
        MODE.reset(token)
