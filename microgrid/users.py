"""Who uses each node: the reverse of ``Value.children``, which a forward graph does not store.

A Value knows its operands, not the nodes built from it. Drawing (what leaves a collapsed box,
which leaf belongs in it) and stepping (which users hand a gradient back, and how many times)
both need the other direction; ``users_of`` builds it once per graph.
"""

from __future__ import annotations

from collections.abc import Iterable

from microgrid.engine import Value


def users_of(order: Iterable[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """For each node used as an operand, its uses ``(user, j)``: ``user.children[j]`` is the
    node. One entry per edge (``y = x * x`` gives ``x`` the uses ``(y, 0), (y, 1)``), users in
    the order given (topological: earliest user first). Nodes nobody uses (the root) are absent.
    """
    users: dict[Value, list[tuple[Value, int]]] = {}
    for v in order:
        for j, child in enumerate(v.children):
            users.setdefault(child, []).append((v, j))
    return users
