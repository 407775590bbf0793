"""Walking a Value graph: topological order, the backward pass, and the same pass step by step.

Everything here is iterative (an explicit stack, never recursion), so a chain of a million
nodes works, and deterministic: the same graph always gives the same order, the same drawing
and the same stepper frames.

Two orders, both valid topological orders of the same graph:
- ``topological_order`` visits operands left to right, so the forward pass reads as written
  (``w1, i1, w1*i1, w2, ...``);
- the backward pass walks operands right to left and then reverses, so it handles the *first*
  operand's branch first: in the seed's network it reaches w5 (via E_o1) before w7 (via E_o2),
  and the output layer before the hidden one, in the order of the hand derivation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from microgrid.engine import Value, _as_float


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each operand before the nodes that use it; root last.

    Depth-first post-order over ``children`` in operand order, with an explicit stack.
    """
    _check_root(root, "topological_order")
    return _post_order(root, reset_grads=False, operands=iter)


def _check_root(root: object, who: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{who} needs a Value, got {type(root).__name__}")


def _post_order(root: Value, reset_grads: bool, operands=iter) -> list[Value]:
    """Depth-first post-order; ``operands`` is ``iter`` (left to right) or ``reversed``.

    With ``reset_grads`` it also zeroes interior grads: resetting while walking saves the
    backward pass a second sweep over every node.
    """
    order: list[Value] = []
    visited: set[Value] = {root}
    # The nodes we descended from, each with an iterator over its children still to visit.
    stack: list[tuple[Value, Iterator[Value]]] = []
    push, pop, mark, emit = stack.append, stack.pop, visited.add, order.append
    node, pending = root, operands(root.children)
    while True:
        for child in pending:
            if child not in visited:
                mark(child)
                if child.children:  # descend; come back to node's next child later
                    push((node, pending))
                    node, pending = child, operands(child.children)
                    break
                emit(child)  # a leaf is finished as soon as it is seen
        else:  # every child of node is done
            if reset_grads and node.children:
                node.grad = 0.0
            emit(node)
            if not stack:
                return order
            node, pending = pop()


def _start(root: Value, grad: float, who: str) -> list[Value]:
    """Order the graph, reset interior gradients (leaves keep accumulating), seed the root."""
    _check_root(root, who)
    seed = _as_float(grad, "backward's seed grad")
    order = _post_order(root, reset_grads=True, operands=reversed)
    root.grad += seed
    return order


def backward(root: Value, grad: float = 1.0) -> list[Value]:
    """Fill every node's ``.grad`` with d(root)/d(node) by the chain rule; returns the order used.

    One generic loop over a reverse topological order (first operand's branch first, see the
    module docstring): for each node, each edge adds ``local_grad * node.grad`` to its child.
    See ``Value.backward`` for accumulation rules. The returned list is in forward order.
    """
    order = _start(root, grad, "backward")
    for node in reversed(order):
        children = node.children
        if len(children) == 2:  # most ops are binary: unpacking beats zip() on the hot path
            g = node.grad
            a, b = children
            local_a, local_b = node.local_grads
            a.grad += local_a * g
            b.grad += local_b * g
        elif children:
            g = node.grad
            for child, local in zip(children, node.local_grads):
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
    order = _start(root, grad, "backward_steps")
    for index, node in enumerate(reversed(order)):
        g = node.grad
        contributions = []
        for child, local in zip(node.children, node.local_grads):
            added = local * g
            child.grad += added
            contributions.append(Contribution(child, local, added, child.grad))
        yield BackwardStep(index, node, g, tuple(contributions))
