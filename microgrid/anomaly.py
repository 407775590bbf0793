"""Find where a NaN or an infinity came from: ``microgrid.detect_anomaly()``, a context manager.

Inside the block, every op checks its result and every backward step the gradients it adds;
the first value that is not finite raises ``AnomalyError`` naming the op, its operands' data,
the node's label and scope, and the file:line of the user's code where the node was made::

    with microgrid.detect_anomaly():
        loss = model(x)          # an op giving NaN raises here, naming the op and the line
        loss.backward()          # a NaN or inf gradient raises here, naming the node

How it costs nothing outside the block: the engine makes every node through four functions,
``engine._binary``, ``_unary`` and ``_leaf`` (the ops' fast paths) and ``_node`` (from
tuples). While some thread is inside ``detect_anomaly()``, those names point to checking
versions (which looks up this thread's or task's record, so other threads are not
checked); when the last block ends, the plain function is put back. ``backward()`` reads the
record once per call and, inside a block, runs the record's checked loop. Anomaly mode is for
finding a bug, not for training: it keeps every node made inside the block alive until the
block ends (to say where each was made).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import FrameType

from microgrid import _grad_mode, engine, ops
from microgrid.engine import Value

__all__ = ["AnomalyError", "detect_anomaly"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_plain_node = engine._node
_plain_binary, _plain_unary, _plain_leaf = engine._binary, engine._unary, engine._leaf
_lock = threading.Lock()
_blocks_open = 0


class AnomalyError(FloatingPointError):
    """An op or a backward step produced NaN or an infinity inside ``detect_anomaly()``."""


@dataclass
class _Record:
    """Where each node made inside the block was made: id -> (node, "file:line")."""

    origins: dict[int, tuple[Value, str]] = field(default_factory=dict)

    def origin(self, node: Value) -> str:
        found = self.origins.get(id(node))
        if found is not None and found[0] is node:
            return f"made at {found[1]}"
        return "made outside detect_anomaly()"

    def backward(self, order: list[Value]) -> None:
        """The backward loop of ``engine.backward``, checking every gradient it adds."""
        for node in reversed(order):
            g = node.grad
            if not math.isfinite(g) and node is order[-1]:
                raise AnomalyError(f"detect_anomaly: backward() was seeded with {g!r}")
            for i, (child, local) in enumerate(zip(node.children, node.local_grads)):
                child.grad += local * g
                if not math.isfinite(child.grad):
                    operands = ", ".join(_describe(c) for c in node.children)
                    raise AnomalyError(
                        f"detect_anomaly: the backward step of {node.op} gave operand {i} "
                        f"({_describe(child)}) the gradient {child.grad!r} = its gradient so "
                        f"far + local_grad {local!r} * grad {g!r}; the node: {_where(node)}, "
                        f"data {node.data!r}, from {operands}, {self.origin(node)}"
                    )


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first op result or gradient that is NaN or infinite.

    Checks this thread (or asyncio task) only; nests. See the module docstring for the cost.
    """
    global _blocks_open
    token = _grad_mode.ANOMALY.set(_Record())
    with _lock:
        _blocks_open += 1
        _swap(checked=True)
    try:
        yield
    finally:
        _grad_mode.ANOMALY.reset(token)
        with _lock:
            _blocks_open -= 1
            if _blocks_open == 0:
                _swap(checked=False)


def _swap(checked: bool) -> None:
    """Point the engine's node makers at the checking versions, or back at the plain ones."""
    engine._node = _checked_node if checked else _plain_node
    engine._binary = _checked_binary if checked else _plain_binary
    engine._unary = _checked_unary if checked else _plain_unary
    engine._leaf = _checked_leaf if checked else _plain_leaf


def _checked_binary(data: float, a: Value, b: Value, da: float, db: float, op: ops.Op) -> Value:
    return _check(_plain_binary(data, a, b, da, db, op), data, (a, b), op)


def _checked_unary(data: float, a: Value, da: float, op: ops.Op) -> Value:
    return _check(_plain_unary(data, a, da, op), data, (a,), op)


def _checked_leaf(data: float, op: ops.Op) -> Value:
    return _check(_plain_leaf(data, op), data, (), op)


def _checked_node(data: float, children: tuple, local_grads: tuple, op: ops.Op) -> Value:
    return _check(_plain_node(data, children, local_grads, op), data, children, op)


def _check(out: Value, data: float, children: tuple, op: ops.Op) -> Value:
    """The anomaly check of a node just made: record where it was made, check its data."""
    record = _grad_mode.ANOMALY.get()
    if record is None:  # another thread is in anomaly mode, not this one
        return out
    where = _user_line()
    record.origins[id(out)] = (out, where)
    if op is not ops.CONST and not math.isfinite(data):
        operands = ", ".join(_describe(c) for c in children) or "no operands"
        raise AnomalyError(
            f"detect_anomaly: {op} gave {data!r} in the forward pass, from {operands}; "
            f"{_where(out)}, made at {where}"
        )
    return out


def _describe(v: Value) -> str:
    """An operand for a message: its label (or op) and data, and its scope if any."""
    name = v.label or ("const" if v.op is ops.CONST else f"({v.op})" if v.op else "leaf")
    scope = f" in {v.scope}" if v.scope else ""
    return f"{name}={v.data!r}{scope}"


def _where(v: Value) -> str:
    label = f"label {v.label!r}" if v.label else "unlabelled"
    return f"{label}, scope {v.scope!r}" if v.scope else f"{label}, no scope"


def _user_line() -> str:
    """file:line of the innermost frame outside the microgrid package (the user's code)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "(inside microgrid)"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
