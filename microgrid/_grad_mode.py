"""Global switches the engine reads on every op: grad recording and the current module scope.

They live in one tiny module so the hot path reads two module attributes and nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

#: When False, ops build result Values with no children: nothing is recorded for backward.
grad_enabled: bool = True

#: Dotted path of the module whose forward pass is running ("" outside any module).
current_scope: str = ""


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Run the body without recording a graph (optimizer updates, evaluation, finite differences).

    Values computed inside are plain numbers wrapped in leaves: calling ``backward()`` on them
    propagates nothing. Nesting is allowed; the previous mode is restored on exit, even on error.
    """
    global grad_enabled
    previous = grad_enabled
    grad_enabled = False
    try:
        yield
    finally:
        grad_enabled = previous


def is_grad_enabled() -> bool:
    """True when ops record the graph (outside every ``no_grad`` block)."""
    return grad_enabled


@contextlib.contextmanager
def scope(name: str) -> Iterator[str]:
    """Tag every Value created in the body with ``<outer scope>.<name>`` (used to cluster drawings).

    Modules enter their own scope around their forward pass, so a neuron's Values carry a path
    like ``"mlp.layer0.neuron1"``. Yields the full path.
    """
    global current_scope
    if not isinstance(name, str) or not name:
        raise TypeError(f"scope name must be a non-empty str, got {name!r}")
    previous = current_scope
    current_scope = f"{previous}.{name}" if previous else name
    try:
        yield current_scope
    finally:
        current_scope = previous
