"""How a node is named in text: its label (with its module scope), ``t7``, or a constant's value.

One naming for every explanation: ``node_names`` gives each node of a graph a short, distinct
name (``layer0.neuron1.net``, ``t7``, ``L``), which drawings, the stepper's captions and
``explain()`` all use; ``definition`` says what an unlabelled node is (``t7 = w5·out_h1``).
``expression_name`` writes a node as a nested expression instead (``(x·w + b)``).
"""

from __future__ import annotations

from microgrid import ops
from microgrid.engine import Value
from microgrid.formatting import short


def expression_name(v: Value, depth: int = 2) -> str:
    """A node's label, a constant's value, else its expression written ``depth`` levels deep."""
    if v.label:
        return v.label
    if v.op == "const" or not v.children:
        return short(v.data)
    if depth == 0:
        return "(\u2026)"
    parts = [expression_name(c, depth - 1) for c in v.children]
    op = ops.lookup(v.op)
    if op.name == "pow" and len(parts) == 1:
        return f"{parts[0]}^{op.param_text}"
    if op.kind == "infix" and len(parts) == 2:
        joined = f"{parts[0]}{op.infix}{parts[1]}"
        # * / and ^ bind tighter than + and -, so only sums and differences need brackets.
        return f"({joined})" if op.name in ("+", "-") else joined
    if op.kind == "prefix" and len(parts) == 1:
        return f"({op.infix}{parts[0]})"
    return f"{v.op}({', '.join(parts)})"


def definition(v: Value, names: dict[Value, str]) -> str:
    """What a computed node is, in its operands' names: ``t1 + b``, ``x^2``, ``swish(x)``."""
    parts = [names.get(c) or expression_name(c, 0) for c in v.children]
    op = ops.lookup(v.op)
    if op.name == "pow" and len(parts) == 1:
        return f"{parts[0]}^{op.param_text}"
    if op.kind == "infix" and len(parts) == 2:
        return f"{parts[0]}{op.infix}{parts[1]}"
    if op.kind == "prefix" and len(parts) == 1:
        return f"{op.infix}{parts[0]}"
    return f"{v.op}({', '.join(parts)})"


def bare(text: str) -> str:
    """``text`` without one pair of enclosing brackets."""
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def derivative_name(v: Value) -> str:
    """A node as written after d in d(root)/d(node): brackets around anything but a label."""
    return v.label if v.label else f"({bare(expression_name(v))})"


def scoped_label(v: Value) -> str:
    """A label with its module scope, minus the root module: ``layer0.neuron1.net``.

    Parameters already carry their path (``layer0.neuron1.w0``); a label made inside a module's
    forward pass (``net``, ``out``) gets the scope below the root module (``mlp.``) in front.
    """
    label = v.label
    if not label or not v.scope or "." in label:
        return label
    _, dot, below_root = v.scope.partition(".")
    return f"{below_root}.{label}" if dot and below_root else label


def _shown_scope(scope: str) -> str:
    """A module scope as names show it, minus the root module: ``layer0.neuron1``; "" for the
    root module itself and outside any module."""
    _, dot, below_root = scope.partition(".")
    return below_root if dot else ""


def hand_order(order: list[Value]) -> list[Value]:
    """The computed nodes of ``order`` as a learner works by hand: layer by layer, neuron by neuron.

    A node's stage counts the activations (``ops``: a neuron's out feeds the next layer) on
    its longest path from the leaves; nodes are taken
    by stage, then by topological position, so ``net_h1, out_h1, net_h2, out_h2`` come before
    the output layer. Stages only grow along edges, so this is a topological order too.
    """
    stage: dict[Value, int] = {}
    for v in order:
        stage[v] = max((stage[c] + ops.lookup(c.op).activation for c in v.children), default=0)
    position = {v: i for i, v in enumerate(order)}
    return sorted((v for v in order if v.children), key=lambda v: (stage[v], position[v]))


def node_names(order: list[Value]) -> dict[Value, str]:
    """Short, distinct names for the nodes of one graph (``order``: its topological order).

    A labelled node is named by ``scoped_label``; an unlabelled root (the last node, usually
    a loss) is ``L``; any other unlabelled node is ``t1``, ``t2``, ... (leaves first, then
    computed nodes in ``hand_order``), counted per module scope and prefixed with it inside one
    (``layer0.neuron1.t2``: the second inside that neuron); a constant is its value. Names that
    would repeat get ``#2``, ``#3``. Drawings, captions and ``explain`` all use these, so they
    agree on every node.
    """
    names: dict[Value, str] = {}
    taken: dict[str, int] = {}
    temps: dict[str, int] = {}  # per scope: layer0.neuron1.t1 is the first inside that neuron
    for v in [u for u in order if not u.children] + hand_order(order):
        if v.label:
            name = scoped_label(v)
        elif v is order[-1] and v.children:
            name = "L"
        elif v.op == "const":
            names[v] = f"{v.data:g}"  # constants may repeat: the same number is the same name
            continue
        else:
            where = _shown_scope(v.scope)
            temps[where] = temps.get(where, 0) + 1
            name = f"{where}.t{temps[where]}" if where else f"t{temps[where]}"
        seen = taken.get(name, 0) + 1
        taken[name] = seen
        names[v] = name if seen == 1 else f"{name}#{seen}"
    return names
