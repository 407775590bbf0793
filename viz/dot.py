"""Value graph -> DOT: ``draw(root)`` builds a ``graphviz.Digraph`` and returns a ``Drawing``.

The picture reads left to right like the forward pass: operands -> op marker -> result. Each
value node shows its label, ``data`` and ``grad``; each op marker shows the operation; with
``local_grads=True`` each edge into an op marker carries d(result)/d(operand), so the chain rule
can be read off the picture (``x * x`` draws two edges, each with its own local derivative).

Ids are stable and come from the topological order (``v<i>`` value, ``o<i>`` its op marker,
``e<i>`` marker -> value, ``e<i>_<j>`` the j-th operand edge, ``c<k>`` a collapsed scope,
``cluster_<k>`` a scope's cluster), never from ``id()``: the same graph gives byte-identical DOT.

Hooks for stepper frames (see ``viz.render`` for pinned layouts):

- ``grad_known``: only these Values show their grad; the others show a grey ``?`` of the same
  width (a gradient not final yet). ``None`` shows every grad. ``data_known`` does the same for
  data (forward-pass frames filling in values node by node).
- ``dim``: Values drawn greyed out (not reached yet).
- ``highlight``: Values (the node being processed: accent border) and ``(parent, child)`` pairs
  (the edges receiving gradient: accent, thicker; both edges of ``x * x``).
- ``title``: a caption above the graph (e.g. the chain-rule step with its numbers); on pinned
  frames it is drawn in a fixed box the size of the layout's title (see ``viz.render``).
- ``layout``: a ``viz.render.Layout`` from a drawing of the same graph and options; every
  position is pinned so frames line up exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import graphviz

from microgrid._checks import positive_int
from microgrid.engine import Value, topological_order
from microgrid.naming import node_names
from microgrid.users import users_of
from viz import labels, style
from viz.drawing import Drawing
from viz.render import DEFAULT_BACKEND, Layout

#: ``draw`` refuses graphs with more drawn nodes than this unless told otherwise.
DEFAULT_MAX_NODES = 500
RANKDIRS = ("LR", "RL", "TB", "BT")


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw less."""


def draw(
    root: Value,
    *,
    grads: bool = True,
    local_grads: bool = False,
    rankdir: str = "LR",
    cluster: bool = True,
    collapse: str | Iterable[str] = (),
    highlight: Iterable[Value | tuple[Value, Value]]
    | Mapping[Value | tuple[Value, Value], str] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    params: Collection[Value] | None = None,
    grad_known: Collection[Value] | None = None,
    data_known: Collection[Value] | None = None,
    dim: Collection[Value] = (),
    title: str | None = None,
    layout: Layout | None = None,
    backend: str = DEFAULT_BACKEND,
) -> Drawing:
    """Draw the graph that computed ``root``: values, ops, gradients and local derivatives.

    Args:
        root: the Value to draw from (usually the loss); every node it depends on is drawn.
        grads: show each node's ``grad`` under its ``data``.
        local_grads: write d(parent)/d(child) on every operand edge.
        rankdir: "LR" (left to right, default), "TB", "RL" or "BT".
        cluster: group nodes into nested boxes by ``Value.scope`` (layer, neuron).
        collapse: scope paths (or path prefixes such as "mlp.layer0") drawn as one box each;
            leaves used only inside that scope (its weights and bias) go into the box.
        highlight: Values and ``(parent, child)`` edges to emphasise (in the accent colour), or a
            dict from those to their colours (the stepper's frames colour each factor).
        max_nodes: refuse to draw more nodes than this (collapsed boxes count as one).
        params: the learned leaves (e.g. ``model.parameters()``); if None, leaves whose label
            looks like w.. / b.. are drawn as parameters.
        grad_known, data_known, dim, title, layout: hooks for stepper frames (module docstring).
        backend: default backend of the returned Drawing ("pygraphviz" or "system").
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value to draw from, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    max_nodes = positive_int("max_nodes", max_nodes)
    order = topological_order(root)
    groups = _collapse_groups(order, _as_prefixes(collapse))
    n_drawn = sum(1 for v in order if v not in groups) + len(set(groups.values()))
    if n_drawn > max_nodes:
        raise GraphTooLargeError(_too_large_message(order, n_drawn, max_nodes))
    nodes, edges = _highlights(highlight)
    options = _Options(
        root=root,
        order=order,
        groups=groups,
        grads=grads,
        local_grads=local_grads,
        cluster=cluster,
        params=params if params is None else _identity_set(params),
        grad_known=None if grad_known is None else _identity_set(grad_known),
        data_known=None if data_known is None else _identity_set(data_known),
        dim=_identity_set(dim),
        hl_nodes=nodes,
        hl_edges=edges,
        layout=layout,
    )
    builder = _Builder(options)
    graph = builder.build(rankdir, title)
    return Drawing(
        graph.source,
        n_nodes=n_drawn,
        node_ids=builder.node_ids,
        pinned=layout is not None,
        backend=backend,
    )


# ------------------------------------------------------------------------------ argument checks
def _identity_set(values: Iterable[Value]) -> set[Value]:
    out = set()
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"expected Values, got {type(v).__name__}: {v!r}")
        out.add(v)
    return out


def _as_prefixes(collapse: str | Iterable[str]) -> list[str]:
    if not isinstance(collapse, str | Iterable):
        raise TypeError(
            "collapse takes a scope path such as 'mlp.layer0' or a list of them, "
            f"got {type(collapse).__name__}: {collapse!r}"
        )
    items = [collapse] if isinstance(collapse, str) else list(collapse)
    prefixes = []
    for item in items:
        if not isinstance(item, str) or not item.strip("."):
            raise TypeError(f"collapse takes scope paths such as 'mlp.layer0', got {item!r}")
        prefixes.append(item.strip("."))
    return prefixes


def _highlights(highlight) -> tuple[dict[Value, str], dict[tuple[Value, Value], str]]:
    """Highlighted nodes and edges, each with its colour (the accent unless a dict gives one)."""
    nodes: dict[Value, str] = {}
    edges: dict[tuple[Value, Value], str] = {}
    colours = (
        highlight if isinstance(highlight, Mapping) else dict.fromkeys(highlight, style.ACCENT)
    )
    for item, colour in colours.items():
        if not isinstance(colour, str):
            raise TypeError(f"highlight colours are strings such as '#c65d1e', got {colour!r}")
        if isinstance(item, Value):
            nodes[item] = colour
        elif (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], Value)
            and isinstance(item[1], Value)
        ):
            edges[(item[0], item[1])] = colour
        else:
            raise TypeError(
                f"highlight takes Values and (parent, child) pairs of Values, got {item!r}"
            )
    return nodes, edges


def _in_scope(scope: str, prefix: str) -> bool:
    return scope == prefix or scope.startswith(prefix + ".")


def _collapse_groups(order: list[Value], prefixes: list[str]) -> dict[Value, str]:
    """Map each Value inside a collapsed scope to that scope (the outermost one that matches)."""
    if not prefixes:
        return {}
    prefixes = _as_shown(prefixes, {v.scope for v in order if v.scope})
    by_length = sorted(set(prefixes), key=lambda p: (p.count("."), p))
    groups: dict[Value, str] = {}
    used = set()
    for v in order:
        for prefix in by_length:
            if _in_scope(v.scope, prefix):
                groups[v] = prefix
                used.add(prefix)
                break
    # A leaf used only inside one collapsed scope (that neuron's own weights and bias, made
    # outside its forward pass) goes into the box too; shared inputs stay outside.
    users = users_of(order)
    for v in order:
        if not v.children and v not in groups and v is not order[-1]:
            owners = {groups.get(u) for u, _ in users.get(v, ())}
            (owner,) = owners if len(owners) == 1 else (None,)
            if owner is not None:
                groups[v] = owner
    unused = [p for p in prefixes if p not in used and not any(_in_scope(p, u) for u in used)]
    if unused:
        scopes = sorted({v.scope for v in order if v.scope})
        known = ", ".join(scopes[:12]) + (" ..." if len(scopes) > 12 else "") or "none"
        raise ValueError(f"collapse={unused[0]!r} matches no scope in this graph; scopes: {known}")
    return groups


def _as_shown(prefixes: list[str], scopes: set[str]) -> list[str]:
    """Accept a scope as captions name it, without the outermost module ('layer0' for
    'mlp.layer0'), when it matches no full path and one outermost module holds it."""
    out = []
    for prefix in prefixes:
        if not any(_in_scope(s, prefix) for s in scopes):
            roots = {s.split(".", 1)[0] for s in scopes if "." in s}
            hits = [f"{r}.{prefix}" for r in sorted(roots)]
            hits = [h for h in hits if any(_in_scope(s, h) for s in scopes)]
            if len(hits) == 1:
                prefix = hits[0]
        out.append(prefix)
    return out


def _too_large_message(order: list[Value], n: int, max_nodes: int) -> str:
    counts: dict[str, int] = {}
    for v in order:
        parts = v.scope.split(".") if v.scope else []
        for depth in range(1, len(parts) + 1):
            path = ".".join(parts[:depth])
            counts[path] = counts.get(path, 0) + 1
    if counts:
        biggest = sorted(counts, key=lambda p: (-counts[p], p))[:3]
        hint = f"collapse scopes, e.g. collapse={biggest!r}"
    else:
        hint = "collapse scopes (none here: Values made inside a Module's forward pass have one)"
    return (
        f"this graph has {n} nodes to draw, more than max_nodes={max_nodes}. Draw less: {hint}; "
        "or draw a subgraph from a chosen node, viz.draw(some_value); "
        f"or pass max_nodes={n} (slow to lay out, hard to read)"
    )


# ------------------------------------------------------------------------------- DOT building
@dataclass(frozen=True)
class _Options:
    """What ``draw`` was asked to show, checked: everything the builder reads besides its own
    bookkeeping. Sets hold Values by identity (``Value`` hashes by ``id``)."""

    root: Value
    order: list[Value]  # topological order, root last
    groups: dict[Value, str]  # Value -> the collapsed scope it is drawn inside
    grads: bool
    local_grads: bool
    cluster: bool
    params: set[Value] | None  # None: guess parameters from labels
    grad_known: set[Value] | None  # None: every grad is shown
    data_known: set[Value] | None  # None: every value is shown
    dim: set[Value]
    hl_nodes: dict[Value, str]  # highlighted nodes and edges, each with its colour
    hl_edges: dict[tuple[Value, Value], str]
    layout: Layout | None  # pinned positions, or None for a fresh layout


class _Builder:
    """Builds the Digraph: nodes in per-scope clusters, then edges in topological order."""

    def __init__(self, options: _Options) -> None:
        self.o = options
        self.users: dict[Value, list[tuple[Value, int]]] = {}
        self.node_ids: dict[Value, str] = {}
        self.cluster_names: dict[tuple, str] = {(): ""}
        self.members: dict[tuple, list] = {}  # scope parts -> list of (name, attrs)
        self.sub_scopes: dict[tuple, list[tuple]] = {}  # scope parts -> direct sub-scopes
        self.edge_list: list[tuple[str, str, dict[str, str]]] = []
        self.group_ids: dict[str, str] = {}
        self.into_groups: set[tuple[str, str]] = set()  # (source id, group) edges drawn once

    # ids -------------------------------------------------------------------------------
    def _assign_ids(self) -> None:
        for i, v in enumerate(self.o.order):
            group = self.o.groups.get(v)
            if group is None:
                self.node_ids[v] = f"v{i}"
            else:
                if group not in self.group_ids:
                    self.group_ids[group] = f"c{len(self.group_ids)}"
                self.node_ids[v] = self.group_ids[group]

    def _place(self, scope: str, name: str, attrs: dict[str, str]) -> None:
        """Put a node statement in the cluster of ``scope`` (top level without clustering).

        Scope paths are handled as tuples of parts, so odd names ("", "a..b") still nest.
        """
        key = tuple(scope.split(".")) if scope and self.o.cluster else ()
        if key not in self.cluster_names:
            for depth in range(1, len(key) + 1):
                path = key[:depth]
                if path not in self.cluster_names:
                    self.cluster_names[path] = f"cluster_{len(self.cluster_names) - 1}"
                    self.sub_scopes.setdefault(key[: depth - 1], []).append(path)
        self.members.setdefault(key, []).append((name, attrs))

    # nodes -----------------------------------------------------------------------------
    def _value_node(self, i: int, v: Value) -> None:
        role = style.role_of(v, self.o.root, self.o.params)
        dimmed = v in self.o.dim
        name = f"v{i}"
        if role == "constant":
            attrs = {
                "label": labels.constant_label(v.data, v.label, dim=dimmed),
                "shape": "plaintext",
                "fontsize": str(style.SMALL_SIZE),
                "width": "0",
                "height": "0",
                "margin": "0.02",
            }
        else:
            known_data = self.o.data_known is None or v in self.o.data_known
            known_grad = self.o.grad_known is None or v in self.o.grad_known
            attrs = {
                "label": labels.value_label(
                    self.names[v],
                    v.data,
                    v.grad if self.o.grads else None,
                    data_known=known_data,
                    grad_known=known_grad,
                    dim=dimmed,
                ),
                "shape": "box",
                "style": "rounded,filled",
                **style.NODE_STYLE[role],
            }
            if dimmed:  # colours only: a dimmed node keeps its shape, so frames line up
                attrs.update(style.DIM_STYLE)
            if v in self.o.hl_nodes:
                attrs.update(color=self.o.hl_nodes[v], penwidth="2.5")
        self._place(v.scope, name, attrs)
        if v.children:
            op_attrs = {
                "label": labels.op_label(v.op),
                "shape": "ellipse",
                "style": "filled",
                "fontsize": "11",
                "width": "0.3",
                "height": "0.3",
                "margin": "0.04,0.02",
                **(style.DIM_STYLE if dimmed else style.OP_STYLE),
            }
            if v in self.o.hl_nodes:
                op_attrs.update(color=self.o.hl_nodes[v], penwidth="2")
            self._place(v.scope, f"o{i}", op_attrs)
            edge = {"id": f"e{i}", "arrowhead": "normal"}
            if dimmed:
                edge["color"] = style.DIM_STYLE["color"]
            self.edge_list.append((f"o{i}", name, edge))

    def _collapsed_node(self, group: str, members: list[Value]) -> None:
        inside = set(members)
        outputs = []
        for v in members:
            uses = self.users.get(v, ())
            if v is self.o.root or any(u not in inside for u, _ in uses):
                # "neuron2.out" rather than four identical "out"s in a collapsed layer
                inner = v.scope[len(group) + 1 :] if v.scope.startswith(group + ".") else ""
                name = f"{inner}.{v.label}" if inner and v.label else v.label
                outputs.append((name, v.data, v.grad if self.o.grads else None))
        attrs = {
            # Inside its parent's cluster the box needs only its own name; alone, the full path.
            "label": labels.collapsed_label(
                group.rpartition(".")[2] if self.o.cluster else group, len(members), outputs
            ),
            "shape": "box",
            "style": "filled,bold",
            **style.COLLAPSED_STYLE,
        }
        lit = [self.o.hl_nodes[v] for v in members if v in self.o.hl_nodes]
        if lit:
            attrs.update(color=lit[0], penwidth="2.5")
        parent_scope = group.rpartition(".")[0]
        self._place(parent_scope, self.group_ids[group], attrs)

    # edges -----------------------------------------------------------------------------
    def _operand_edges(self, i: int, v: Value) -> None:
        group = self.o.groups.get(v)
        seen = self.into_groups
        for j, (child, local) in enumerate(v.edges()):
            src = self.node_ids[child]
            edge_id = f"e{i}_{j}"
            if group is not None:
                if self.o.groups.get(child) == group or (src, group) in seen:
                    continue  # inside the box, or already drawn into it
                seen.add((src, group))
                self.edge_list.append((src, self.group_ids[group], {"id": edge_id}))
                continue
            attrs = {"id": edge_id}
            if self.o.local_grads:
                attrs["label"] = labels.edge_label(local, color=style.EDGE_LABEL)
            if (v, child) in self.o.hl_edges:
                colour = self.o.hl_edges[(v, child)]
                attrs.update(color=colour, penwidth="2.2")
                if self.o.local_grads:
                    attrs["label"] = labels.edge_label(local, color=colour)
            elif v in self.o.dim or child in self.o.dim:
                attrs["color"] = style.DIM_STYLE["color"]
            self.edge_list.append((src, f"o{i}", attrs))

    # assembly --------------------------------------------------------------------------
    def build(self, rankdir: str, title: str | None) -> graphviz.Digraph:
        self._assign_ids()
        self.names = node_names(self.o.order)  # t7, layer0.neuron1.net: as captions say
        self.users = users_of(self.o.order)
        grouped: dict[str, list[Value]] = {}
        for i, v in enumerate(self.o.order):
            group = self.o.groups.get(v)
            if group is None:
                self._value_node(i, v)
            else:
                if group not in grouped:
                    grouped[group] = []
                grouped[group].append(v)
        for group, members in grouped.items():
            self._collapsed_node(group, members)
        for i, v in enumerate(self.o.order):
            if v.children:
                self._operand_edges(i, v)
        graph = graphviz.Digraph("microgrid")
        graph.attr(
            rankdir=rankdir,
            fontname=style.FONT,
            bgcolor="white",
            nodesep="0.25",
            ranksep="0.35",
            pad="0.15",
        )
        if title is not None:
            size = None
            if self.o.layout is not None:
                size = self.o.layout.title_size
                if size is None:
                    raise ValueError(
                        "a pinned frame can only have a title if its layout was made from a "
                        "drawing with a title: lay out with title=<the longest caption>"
                    )
            graph.attr(label=labels.caption_label(title, size), labelloc="t", labeljust="l")
        graph.attr("node", fontname=style.FONT, fontsize=str(style.FONT_SIZE), margin="0.08,0.04")
        graph.attr(
            "edge",
            color=style.EDGE,
            arrowsize="0.6",
            fontname=style.FONT,
            fontsize=str(style.EDGE_FONT_SIZE),
        )
        layout = self.o.layout
        if layout is not None:
            graph.attr(bb=layout.graph_bb, **({"lp": layout.graph_lp} if layout.graph_lp else {}))
        self._emit((), graph)
        for tail, head, attrs in self.edge_list:
            if layout is not None:
                self._pin_edge(layout, attrs)
            graph.edge(tail, head, **attrs)
        return graph

    def _emit(self, scope: tuple, graph: graphviz.Digraph) -> None:
        """Emit the nodes of ``scope``, then each direct sub-scope as a nested cluster."""
        for name, attrs in self.members.get(scope, []):
            if self.o.layout is not None:
                attrs = {**attrs, "pos": self._need(self.o.layout.nodes, name, "node")}
            graph.node(name, **attrs)
        for sub in self.sub_scopes.get(scope, []):
            cluster = graphviz.Digraph(name=self.cluster_names[sub])
            cluster.attr(label=labels.cluster_label(sub[-1]), **style.CLUSTER_STYLE)
            cluster.attr(labeljust="l", fontname=style.FONT)
            if self.o.layout is not None:
                bb, lp = self._need(self.o.layout.clusters, self.cluster_names[sub], "cluster")
                cluster.attr(bb=bb, **({"lp": lp} if lp else {}))
            self._emit(sub, cluster)
            graph.subgraph(cluster)

    # pinning ---------------------------------------------------------------------------
    def _need(self, table: dict, key: str, what: str):
        try:
            return table[key]
        except KeyError:
            raise ValueError(
                f"layout has no position for {what} {key!r}: lay out a drawing of the same "
                "graph with the same options (viz.render.layout)"
            ) from None

    def _pin_edge(self, layout: Layout, attrs: dict[str, str]) -> None:
        pos, lp = self._need(layout.edges, attrs["id"], "edge")
        attrs["pos"] = pos
        if lp:
            attrs["lp"] = lp
