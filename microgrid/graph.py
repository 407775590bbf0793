"""Walking a Value graph: topological order, the backward pass, and the same pass step by step.

Everything here is iterative (an explicit stack, never recursion), so a chain of a million
nodes works, and deterministic: children are visited in operand order, so the same graph
always gives the same order, the same drawing and the same stepper frames.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from microgrid.engine import Value, _as_float


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each operand before the nodes that use it; root last.

    Depth-first post-order over ``children`` in operand order, with an explicit stack.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()
    # Each stack entry is a node and the index of the next child to visit.
    stack: list[tuple[Value, int]] = [(root, 0)]
    visited.add(root)
    push, pop, mark = stack.append, stack.pop, visited.add
    while stack:
        node, i = pop()
        children = node.children
        while i < len(children):
            child = children[i]
            i += 1
            if child not in visited:
                mark(child)
                push((node, i))
                node, children, i = child, child.children, 0
        order.append(node)
    return order


def _seed(root: Value, grad: float, order: list[Value]) -> None:
    """Reset interior gradients (leaves keep accumulating) and seed the root."""
    for node in order:
        if node.children:
            node.grad = 0.0
    root.grad += _as_float(grad, "backward's seed grad")


def backward(root: Value, grad: float = 1.0) -> list[Value]:
    """Fill every node's ``.grad`` with d(root)/d(node) by the chain rule; returns the order used.

    One generic loop over the reverse topological order: for each node, each edge adds
    ``local_grad * node.grad`` to its child. See ``Value.backward`` for accumulation rules.
    """
    order = topological_order(root)
    _seed(root, grad, order)
    for node in reversed(order):
        g = node.grad
        for child, local in zip(node.children, node.local_grads):
            child.grad += local * g
    return order


@dataclass(frozen=True)
class Contribution:
    """One edge of one backward step: ``child.grad += local_grad * upstream``."""

    child: Value
    local_grad: float
    contribution: float
    child_grad_after: float


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass: its (now final) gradient, pushed to its operands."""

    index: int
    node: Value
    grad: float
    contributions: tuple[Contribution, ...]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """The backward pass, one node at a time; running it to the end equals ``backward()``.

    Each step is taken when the generator advances, so a stepper can show the gradients filled
    in so far. Leaves yield a step with no contributions (their gradient is final there).
    """
    order = topological_order(root)
    _seed(root, grad, order)
    for index, node in enumerate(reversed(order)):
        g = node.grad
        contributions = []
        for child, local in zip(node.children, node.local_grads):
            added = local * g
            child.grad += added
            contributions.append(Contribution(child, local, added, child.grad))
        yield BackwardStep(index, node, g, tuple(contributions))
