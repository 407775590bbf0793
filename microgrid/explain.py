"""``explain(root, leaf)``: the chain rule written out, every path from root to leaf, summed.

The gradient d(root)/d(leaf) is the sum, over every path from ``root`` down to ``leaf``, of the
product of the local derivatives on that path's edges. For the seed's network::

    dE_total/dw1 = dE_total/dE_o1 * dE_o1/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dout_h1 * ...
                 + dE_total/dE_o2 * dE_o2/dout_o2 * dout_o2/dnet_o2 * dnet_o2/dout_h1 * ...

(two paths: out_h1 receives error from both E_o1 and E_o2). Every edge carries its local
derivative (``Value.local_grads``), so the paths can be read straight off the graph. When
printed, the edges between two labelled nodes are merged into one factor (``dnet_h1/dw1``),
as the seed writes it; ``format(edges=True)`` lists every edge too.

The number of paths can grow exponentially with depth, so it is counted first (one pass over
the graph) and ``explain`` refuses, with a message saying how many, above ``limit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from microgrid._checks import positive_int
from microgrid.engine import Value, topological_order
from microgrid.formatting import fixed, short, signed_sum
from microgrid.naming import definition, derivative_name, node_names
from microgrid.words import words

#: explain() refuses to list more paths than this unless told otherwise.
DEFAULT_LIMIT = 1000


class TooManyPathsError(ValueError):
    """More paths from root to leaf than the limit; the message says how many."""


@dataclass(frozen=True)
class Edge:
    """One edge of a path: d(parent)/d(child) = ``local_grad``."""

    parent: Value
    child: Value
    local_grad: float


@dataclass(frozen=True)
class Factor:
    """Edges merged between two named nodes: d(upper)/d(lower) along this path = ``value``."""

    upper: Value
    lower: Value
    edges: tuple[Edge, ...]
    value: float


@dataclass(frozen=True)
class Path:
    """One path from root to leaf: its edges (root first), and the product of their locals."""

    edges: tuple[Edge, ...]
    product: float

    @property
    def nodes(self) -> tuple[Value, ...]:
        """root, ..., leaf."""
        return (self.edges[0].parent, *(e.child for e in self.edges)) if self.edges else ()

    def factors(self) -> tuple[Factor, ...]:
        """The path as the seed writes it: one factor per stretch between labelled nodes.

        When no node inside the path is labelled, every edge is its own factor, so an unnamed
        graph still shows each chain-rule step.
        """
        factors: list[Factor] = []
        start = 0
        last = len(self.edges) - 1
        every_edge = not _labelled_inside(self.nodes)
        for k, edge in enumerate(self.edges):
            if every_edge or edge.child.label or k == last:
                stretch = self.edges[start : k + 1]
                value = math.prod(e.local_grad for e in stretch)
                factors.append(Factor(stretch[0].parent, edge.child, tuple(stretch), value))
                start = k + 1
        return tuple(factors)


@dataclass(frozen=True)
class Explanation:
    """Every path from ``root`` to ``leaf``, each path's product, and their sum (the gradient)."""

    root: Value
    leaf: Value
    paths: tuple[Path, ...]
    total: float
    #: How each node is written: ``naming.node_names`` of the root's graph (t7, layer0.neuron1.net),
    #: the names the stepper's captions and the drawings use.
    names: dict[Value, str] = field(default_factory=dict, repr=False, compare=False)

    def name(self, v: Value) -> str:
        """How node ``v`` is written in this explanation."""
        return self.names.get(v) or name_of(v)

    def __str__(self) -> str:
        return self.format()

    def format(self, digits: int = 6, edges: bool = False, lang: str = "en") -> str:
        """The derivation as text, in the seed's notation; ``edges=True`` lists every edge too.

        ``lang="zh"`` writes the words in Chinese (路径, 链式法则); the maths stays the same.
        """
        said = words(lang, "explain")
        top, bottom = self.name(self.root), self.name(self.leaf)
        grad = f"d{top}/d{bottom}"
        n = len(self.paths)
        head = said["head_one"] if n == 1 else said["head"]
        lines = [f"{grad}: " + head.format(n=n, top=top, bottom=bottom)]
        if n == 0:
            lines.append("  " + said["none"].format(top=top, bottom=bottom) + f": {grad} = 0")
            return "\n".join(lines)
        lines.append("  " + said["rule"])
        for k, path in enumerate(self.paths, 1):
            factors = path.factors()
            route = " -> ".join(_elide([self.name(v) for v in _named(path)], "..."))
            lines.append(f"  {said['path']} {k}: {route}")
            unnamed = [v for v in _named(path) if v.children and not v.label]
            if unnamed:  # t7 and L mean nothing until said what they are
                defined = [f"{self.name(v)} = {definition(v, self.names)}" for v in unnamed]
                lines.append(f"    {said['where']} {'; '.join(_elide(defined, '...'))}")
            symbols = _elide(
                [f"d{self.name(f.upper)}/d{self.name(f.lower)}" for f in factors], "..."
            )
            numbers = _elide([fixed(f.value, digits) for f in factors], "...")
            widths = [max(len(s), len(t)) for s, t in zip(symbols, numbers)]
            lines.append("    " + " * ".join(s.rjust(w) for s, w in zip(symbols, widths)))
            lines.append("  = " + " * ".join(t.rjust(w) for t, w in zip(numbers, widths)))
            lines.append(f"  = {fixed(path.product, digits)}")
            if edges:
                for e in path.edges:
                    lines.append(
                        f"      edge d{self.name(e.parent)}/d{self.name(e.child)}"
                        f" = {fixed(e.local_grad, digits)}"
                    )
        if n > 1:
            lines.append(f"{grad} = {signed_sum([p.product for p in self.paths], digits)}")
        lines.append(f"{grad} = {fixed(self.total, digits)}")
        return "\n".join(lines)


#: A path with more factors than this is printed with its middle elided (the numbers stay exact).
MAX_SHOWN_FACTORS = 12


def _elide(items: list[str], gap: str) -> list[str]:
    """Keep a long list readable: its first and last five items around ``gap`` (+ how many)."""
    if len(items) <= MAX_SHOWN_FACTORS:
        return items
    return [*items[:5], f"{gap}({len(items) - 10} more){gap}", *items[-5:]]


def name_of(value: Value) -> str:
    """How a node is written: its label, a constant's value, else its expression in brackets
    (``(x·w + b)``), the same names the stepper's captions use."""
    if value.op == "const" and not value.label:
        return short(value.data)
    return derivative_name(value)


def _labelled_inside(nodes: tuple[Value, ...]) -> bool:
    """True when some node strictly between the path's ends has a label."""
    return any(v.label for v in nodes[1:-1])


def _named(path: Path) -> list[Value]:
    """The nodes a path is written with: its ends and labelled nodes (all, if none is labelled)."""
    nodes = path.nodes
    if not _labelled_inside(nodes):
        return list(nodes)
    return [v for k, v in enumerate(nodes) if v.label or k in (0, len(nodes) - 1)]


def count_paths(root: Value, leaf: Value) -> int:
    """How many paths lead from ``root`` down to ``leaf`` (``x * x`` counts its two edges)."""
    order = topological_order(root)
    ways = {root: 1}
    for node in reversed(order):
        n = ways.get(node, 0)
        if n:
            for child in node.children:
                ways[child] = ways.get(child, 0) + n
    return ways.get(leaf, 0)


def explain(root: Value, leaf: Value, limit: int = DEFAULT_LIMIT) -> Explanation:
    """Every path from ``root`` to ``leaf``, the local derivative on each edge, and the sum.

    ``explain(root, leaf).total`` equals ``leaf.grad`` after ``root.backward()`` (with fresh
    leaf grads). Paths are listed in operand order. Raises ``TooManyPathsError`` if there are
    more than ``limit`` paths (counted first, without listing them).

    >>> from microgrid import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> e = explain(y, x)
    >>> [p.product for p in e.paths], e.total
    ([3.0, 3.0], 6.0)
    """
    for what, v in (("root", root), ("leaf", leaf)):
        if not isinstance(v, Value):
            raise TypeError(f"explain needs a Value as {what}, got {type(v).__name__}: {v!r}")
    limit = positive_int("limit", limit)
    n = count_paths(root, leaf)
    if n > limit:
        raise_limit = f", or pass limit={n}" if n <= 100_000 else ""
        raise TooManyPathsError(
            f"{n} paths lead from {name_of(root)} to {name_of(leaf)}, more than limit={limit}: "
            f"listing them all would be slow and unreadable. Explain a smaller piece (from a "
            f"node nearer {name_of(leaf)}){raise_limit}. The gradient itself needs no "
            "paths: root.backward() then leaf.grad."
        )
    reaches = _reaching(root, leaf)
    paths: list[Path] = []
    # Depth-first with an explicit stack of (node, next edge index); ``trail`` is the path so far.
    trail: list[Edge] = []
    stack: list[list] = [[root, 0]] if root in reaches else []
    if root is leaf:
        paths.append(Path((), 1.0))
        stack = []
    while stack:
        top = stack[-1]
        node, i = top
        if i == len(node.children):
            stack.pop()
            if trail:
                trail.pop()
            continue
        top[1] = i + 1
        child = node.children[i]
        if child not in reaches:
            continue
        trail.append(Edge(node, child, node.local_grads[i]))
        if child is leaf:
            paths.append(Path(tuple(trail), math.prod(e.local_grad for e in trail)))
            trail.pop()
        else:
            stack.append([child, 0])
    names = node_names(topological_order(root))
    return Explanation(root, leaf, tuple(paths), sum(p.product for p in paths), names)


def _reaching(root: Value, leaf: Value) -> set[Value]:
    """The nodes under ``root`` from which ``leaf`` can be reached (leaf included)."""
    reaches = {leaf}
    for node in topological_order(root):  # children come before their users
        if any(child in reaches for child in node.children):
            reaches.add(node)
    return reaches
