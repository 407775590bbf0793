"""Who uses each node: the reverse of ``Value.children``, which a forward graph does not store.

A Value knows its operands, not the nodes built from it. Drawing (what leaves a collapsed box,
which leaf belongs in it) and stepping (how many users must hand back a gradient before a node's
own is final) both need the other direction; ``users_of`` builds it once per graph.
"""

from __future__ import annotations

from collections.abc import Iterable

from microgrid.engine import Value


def users_of(order: Iterable[Value]) -> dict[Value, list[Value]]:
    """For each node of ``order`` used as an operand, the nodes that use it: each user once
    (``x * x`` uses ``x`` once), in the order given. Nodes nobody uses (the root) are absent."""
    users: dict[Value, list[Value]] = {}
    for v in order:
        for child in dict.fromkeys(v.children):  # distinct operands, in order
            users.setdefault(child, []).append(v)
    return users
