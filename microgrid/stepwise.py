"""The backward pass one node at a time, for steppers and explanations: ``backward_steps``.

It replays the engine's chain-rule loop (``microgrid.engine.backward``) in the same order and
with the same numbers, recording each node's step; it depends on the engine only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from microgrid.engine import Value, start_backward


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
    order = start_backward(root, grad, "backward_steps")
    for index, node in enumerate(reversed(order)):
        g = node.grad
        contributions = []
        for child, local in zip(node.children, node.local_grads):
            added = local * g
            child.grad += added
            contributions.append(Contribution(child, local, added, child.grad))
        yield BackwardStep(index, node, g, tuple(contributions))
