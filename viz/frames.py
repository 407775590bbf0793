"""Stepper frames: the forward pass filling in values node by node, then the backward pass.

``frames(root)`` returns one ``Frame`` per step, each a pinned ``viz.Drawing`` (laid out once with
Graphviz ``dot``, drawn with the positions kept, so nothing moves) and a caption:

- forward pass (正向传播): first the leaves, then one frame per computed node, in topological
  order; values not computed yet show ``?`` and are greyed; the new node and its operand edges
  are highlighted; the caption gives its equation with numbers (``out_h1 = sigmoid(0.3775)``).
- backward pass (反向传播): one frame per node with operands, in reverse topological order (the
  engine's ``backward_steps``); the node being processed and the edges receiving gradient are
  highlighted, gradients filled in so far are shown, nodes whose gradient is not final yet (some
  user not processed) are greyed; the caption is the chain-rule step with its numbers, e.g.
  ``dE_total/dw5 += 0.7414 x 0.1868 x 0.5933 = 0.0822``.

Running the frames leaves every ``.grad`` as ``backward()`` would.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from microgrid import ops
from microgrid.engine import Value, topological_order
from microgrid.explain import count_paths, explain
from microgrid.naming import bare as _bare
from microgrid.naming import derivative_name as dname
from microgrid.naming import expression_name as name
from microgrid.stepwise import backward_steps
from viz import render
from viz.dot import draw
from viz.drawing import Drawing

PHASES = ("forward", "backward")

WORDS = {
    "en": {
        "forward": "Forward pass",
        "backward": "Backward pass",
        "leaves": "the inputs, weights, biases and targets are given; everything else is ?",
        "done": "done: every gradient is final",
    },
    "zh": {
        "forward": "正向传播",
        "backward": "反向传播",
        "leaves": "输入、权重、偏置和目标值已知, 其余为 ?",
        "done": "完成: 所有梯度都已确定",
    },
}
TIMES = " \u00d7 "  # the multiplication sign, as a learner writes it


@dataclass
class Frame:
    """One picture of the stepper: which phase, its caption, and the pinned drawing."""

    phase: str
    index: int
    caption: str
    node: Value | None
    data_known: set = field(repr=False, default_factory=set)
    grad_known: set = field(repr=False, default_factory=set)
    dim: set = field(repr=False, default_factory=set)
    highlight: list = field(repr=False, default_factory=list)
    grads: dict = field(repr=False, default_factory=dict)
    drawing: Drawing | None = field(repr=False, default=None)
    svg: bytes | None = field(repr=False, default=None)  # rendered once, then reused


# ------------------------------------------------------------------------------------ names
def num(x: float) -> str:
    """A number in a caption: 4 decimals, scientific when tiny or huge."""
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4f}"
    return f"{x:.3e}"


def equation(v: Value) -> str:
    """A computed node's forward equation with numbers: ``net_h1 = (w1*i1 + w2*i2) + b1 = ...``."""
    children = v.children
    values = [num(c.data) for c in children]
    op = ops.lookup(v.op)
    if op.name in ("+", "-", "*", "/") and len(children) == 2:
        # between numbers a times sign, not the dot of a symbolic name
        symbol = TIMES if op.name == "*" else f" {op.infix.strip()} "
        with_numbers = symbol.join(values)
    elif op.name in ("pow", "**") and children:
        base = values[0] if children[0].data >= 0 else f"({values[0]})"
        exponent = values[1] if op.name == "**" else op.param_text
        with_numbers = f"{base}^{exponent}"
    else:
        with_numbers = f"{v.op}({', '.join(values)})"
    symbolic = _bare(name(_unlabelled(v) if v.label else v, 3))
    left = f"{v.label} = " if v.label else ""
    return f"{left}{symbolic} = {with_numbers} = {num(v.data)}"


def _unlabelled(v: Value) -> Value:
    """A stand-in for ``v`` without its label, to write its own expression."""
    return Value(v.data, v.children, v.local_grads, v.op)


def _upstream(root: Value, node: Value) -> list[float]:
    """d(root)/d(node) as the seed's factors (ones left out) if one path leads there."""
    if node is root:
        return [node.grad]
    if count_paths(root, node) != 1:  # counted without listing: deep graphs have very many
        return [node.grad]
    (path,) = explain(root, node, limit=1).paths
    factors = [f.value for f in path.factors() if f.value != 1.0]
    return factors or [node.grad]


# ----------------------------------------------------------------------------------- frames
def plan(root: Value, *, lang: str = "en") -> list[Frame]:
    """The frames' contents (sets, highlights, captions, grads), not yet drawn.

    Runs the backward pass (via ``backward_steps``), so afterwards every ``.grad`` is set
    as by ``root.backward()``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"frames need a Value to start from, got {type(root).__name__}")
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(WORDS)}, got {lang!r}")
    words = WORDS[lang]
    order = topological_order(root)
    computed = [v for v in order if v.children]
    out: list[Frame] = []

    # Forward pass: leaves given, then each computed node in order.
    known = {v for v in order if not v.children}
    zero = {v: 0.0 for v in order}
    head = f"{words['forward']} 0/{len(computed)}"
    out.append(
        Frame(
            "forward",
            0,
            f"{head}: {words['leaves']}",
            None,
            set(known),
            set(),
            set(computed),
            [],
            dict(zero),
        )
    )
    for k, v in enumerate(computed, 1):
        known.add(v)
        dim = {u for u in computed if u not in known}
        caption = f"{words['forward']} {k}/{len(computed)}: {equation(v)}"
        highlight = [v, *((v, c) for c in v.children)]
        out.append(Frame("forward", k, caption, v, set(known), set(), dim, highlight, dict(zero)))

    # Backward pass: one frame per node with operands, as the engine takes the steps.
    users: dict[Value, set[Value]] = {}
    for v in order:
        for c in v.children:
            users.setdefault(c, set()).add(v)
    waiting = {v: len(users.get(v, ())) for v in order}
    final = {root}
    received = {root}
    r = root.label or "root"
    total = len(computed)
    k = 0
    for step in backward_steps(root):
        node = step.node
        if not node.children:
            continue
        k += 1
        lines = [f"{words['backward']} {k}/{total}: d{r}/d{dname(node)} = {num(step.grad)}"]
        factors = _upstream(root, node)
        done = set()
        for c in step.contributions:
            received.add(c.child)
            if c.child not in done:
                done.add(c.child)
                waiting[c.child] -= 1
                if waiting[c.child] == 0:
                    final.add(c.child)
            product = TIMES.join(num(f) for f in [*factors, c.local_grad])
            line = f"  d{r}/d{dname(c.child)} += {product} = {num(c.contribution)}"
            if c.child_grad_after != c.contribution:
                line += f"  \u2192 {num(c.child_grad_after)}"
            lines.append(line)
        grads = {v: v.grad for v in order}
        dim = {v for v in order if v not in final}
        highlight = [node, *((node, c.child) for c in step.contributions)]
        out.append(
            Frame(
                "backward",
                k,
                "\n".join(lines),
                node,
                set(order),
                set(received),
                dim,
                highlight,
                grads,
            )
        )
    if computed:
        grads = {v: v.grad for v in order}
        caption = f"{words['backward']}: {words['done']}"
        out.append(
            Frame("backward", total + 1, caption, None, set(order), set(order), set(), [], grads)
        )
    return out


def frames(
    root: Value,
    *,
    lang: str = "en",
    local_grads: bool = True,
    params: Collection[Value] | None = None,
    rankdir: str = "LR",
) -> list[Frame]:
    """Every frame of the forward and backward pass of ``root``, drawn with pinned positions.

    The layout is computed once (Graphviz ``dot``) from a drawing with the biggest caption, and
    every frame is drawn at exactly those positions. Afterwards every ``.grad`` is as after
    ``root.backward()`` (intermediate gradients reset, leaves accumulate as usual).
    """
    planned = plan(root, lang=lang)
    final_grads = {v: v.grad for v in planned[-1].grads} if planned else {}
    options = {"local_grads": local_grads, "params": params, "rankdir": rankdir}
    widest = max((line for f in planned for line in f.caption.split("\n")), key=len, default="")
    tallest = max((f.caption.count("\n") + 1 for f in planned), default=1)
    first = draw(root, title="\n".join([widest + "    "] * tallest), **options)
    pinned = render.layout(first)
    try:
        for f in planned:
            for v, g in f.grads.items():
                v.grad = g
            f.drawing = draw(
                root,
                data_known=f.data_known,
                grad_known=f.grad_known,
                dim=f.dim,
                highlight=f.highlight,
                title=f.caption,
                layout=pinned,
                **options,
            )
    finally:
        for v, g in final_grads.items():
            v.grad = g
    return planned


def svg_bytes(frame: Frame) -> bytes:
    """A frame's SVG file contents, rendered on first use and kept on the frame."""
    if frame.svg is None:
        frame.svg = frame.drawing.pipe("svg")
    return frame.svg


def svg_text(frame: Frame) -> str:
    """A frame's SVG as text, ready to be placed inside an HTML page (no XML prolog)."""
    text = svg_bytes(frame).decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
