"""Stepper frames as data: the forward pass filling in values, then the backward pass.

``plan(root)`` returns one ``Frame`` per step. A frame is a small record of what *changes*
(values now known, local derivatives now known, gradients received) plus what the step involves
(highlights by role) and its caption; the stepper page applies frames to one picture, so the
page grows linearly with the graph.

- forward pass (正向传播): frame 0 gives the leaves; then one frame per computed node, in the
  order a learner computes by hand (a neuron's net, then its out, layer by layer). The caption is
  the node's equation in names and in numbers; the local derivatives of its edges appear only now.
- backward pass (反向传播): one frame per computed node, in the engine's order (``backward_steps``).
  Every caption line has one form, *local derivative × upstream gradient*::

      dE_total/dnet_o1 = dout_o1/dnet_o1 × dE_total/dout_o1 = 0.1868 × 0.7414 = 0.1385
      dE_total/dw5 += dnet_o1/dw5 × dE_total/dnet_o1 = 0.5933 × 0.1385 = 0.0822

  the first line says where the upstream gradient came from. Steps into constants (the 0.5 of
  ``0.5 * err**2``) are left out; a node that receives gradient from several users says
  "1 of 2 contributions" until the last one is in.

Every number comes from a fresh backward pass: the stepper zeroes the gradients, replays the
engine's steps, and puts the user's ``.grad`` values back, so stepping never changes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from microgrid import ops
from microgrid.engine import Value, topological_order
from microgrid.naming import hand_order, node_names
from microgrid.stepwise import BackwardStep, backward_steps
from microgrid.users import users_of
from microgrid.words import words as words_of
from viz import labels

TIMES = " \u00d7 "  # the multiplication sign, as a learner writes it

#: A piece of caption text and its role, which gives its colour (the same colour as the
#: picture's highlight): "head", "new", "operand", "local", "up", "src", "result", "muted" or "".
Segment = tuple[str, str]
#: A highlighted node (its topological index) or operand edge (node index, operand position).
Target = int | tuple[int, int]


@dataclass(frozen=True)
class Term:
    """One line of a backward step: ``d(root)/d(child) += local_grad × upstream``."""

    child: Value
    local_grad: float
    upstream: float
    contribution: float
    grad_after: float  # the child's gradient with this contribution in
    received: int  # contributions the child has received, this one included
    expected: int  # contributions it receives in all (its number of operand edges)


@dataclass
class Frame:
    """One step of the stepper: what changes, what is highlighted, and the caption."""

    phase: str  # "forward" or "backward"
    index: int  # step within its phase (0: the leaves given / the last: done)
    total: int  # steps in the phase
    node: Value | None  # the node computed (forward) or processed (backward)
    lines: list[list[Segment]] = field(default_factory=list)
    data_new: list[int] = field(default_factory=list)  # nodes whose value is now known
    locals_new: list[tuple[int, int]] = field(default_factory=list)  # edges now labelled
    grads_new: list[tuple[int, float, int, int]] = field(default_factory=list)  # i, g, k, n
    roles: dict[Target, str] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)

    @property
    def caption(self) -> str:
        """The caption as plain text, one line per line."""
        return "\n".join("".join(text for text, _ in line) for line in self.lines)


@dataclass
class Plan:
    """Every frame of one graph, with the graph's order, names and true gradients."""

    root: Value
    order: list[Value]
    names: dict[Value, str]
    grads: dict[Value, float]  # d(root)/d(node) of a fresh backward pass
    frames: list[Frame]
    lang: str


# ------------------------------------------------------------------------------ numbers, names
def num(x: float) -> str:
    """A number in a caption, exactly as the picture writes it (``viz.labels.fmt_number``)."""
    return labels.fmt_number(x).lstrip("\u00a0")


def _formula(v: Value, parts: list[str]) -> str:
    """``v``'s op applied to written operands (the ``microgrid.ops`` table): ``a + b``, ``a^2``."""
    op = ops.lookup(v.op)
    if op.name == "pow" and len(parts) == 1:
        return f"{parts[0]}^{op.param_text}"
    if op.kind == "infix" and len(parts) == 2:
        # between operands a times sign, as a learner writes a product of numbers
        symbol = (
            TIMES if op.name == "*" else op.infix if op.name == "**" else f" {op.infix.strip()} "
        )
        return symbol.join(parts)
    if op.kind == "prefix" and len(parts) == 1:
        return f"{op.infix}{parts[0]}"
    return f"{op.word or op}({', '.join(parts)})"


def factor(x: float) -> str:
    """A number as a factor or term: negatives in brackets, ``1.0000 × (-0.7414)``."""
    return num(x) if x >= 0 else f"({num(x)})"


def _numbers(v: Value) -> list[str]:
    """The operands' values as written in ``v``'s equation: ``tanh(-0.5)``, ``2 × (-0.5)``."""
    if ops.lookup(v.op).kind == "function":
        return [num(c.data) for c in v.children]
    return [factor(c.data) for c in v.children]


def equation(v: Value, names: dict[Value, str] | None = None) -> str:
    """A computed node's equation in its operands' names, then numbers: ``b^y = 1.5^0.5 = 1.2``.

    ``names`` are the graph's ``naming.node_names`` (made from ``v``'s own graph if not given).
    """
    if names is None:
        names = node_names(topological_order(v))
    symbolic = _formula(v, [names[c] for c in v.children])
    return f"{symbolic} = {_formula(v, _numbers(v))} = {num(v.data)}"


# ------------------------------------------------------------------------------ forward pass
def forward_frames(
    order: list[Value], names: dict[Value, str], words: Mapping[str, str]
) -> list[Frame]:
    """Frame 0 gives the leaves; then one frame per computed node (``naming.hand_order``)."""
    index = {v: i for i, v in enumerate(order)}
    computed = hand_order(order)
    total = len(computed)
    head = f"{words['forward']} "
    first = Frame(
        phase="forward",
        index=0,
        total=total,
        node=None,
        lines=[[(f"{head}0/{total}: ", "head"), (words["leaves"], "")]],
        data_new=[i for i, v in enumerate(order) if not v.children],
    )
    out = [first]
    for k, v in enumerate(computed, 1):
        i = index[v]
        operands = [names[c] for c in v.children]
        equation: list[Segment] = [(f"{head}{k}/{total}: ", "head"), (names[v], "new")]
        equation += [(" = ", ""), (_formula(v, operands), "operand"), (" = ", "")]
        equation += [(_formula(v, _numbers(v)), "operand"), (" = ", ""), (num(v.data), "new")]
        locals_line: list[Segment] = [(words["locals"], "muted")]
        for j, (c, local) in enumerate(v.edges()):
            if j:
                locals_line.append((", ", ""))
            locals_line.append((f"d{names[v]}/d{names[c]} = {num(local)}", "local"))
        roles: dict[Target, str] = {index[c]: "operand" for c in v.children}
        roles.update({(i, j): "local" for j in range(len(v.children))})
        roles[i] = "new"
        out.append(
            Frame(
                phase="forward",
                index=k,
                total=total,
                node=v,
                lines=[equation, locals_line],
                data_new=[i],
                locals_new=[(i, j) for j in range(len(v.children))],
                roles=roles,
            )
        )
    return out


# ----------------------------------------------------------------------------- backward pass
def fresh_steps(root: Value) -> tuple[list[BackwardStep], dict[Value, float]]:
    """The engine's backward steps from zeroed gradients, and d(root)/d(node) for every node.

    The user's ``.grad`` values are put back afterwards, whatever happens.
    """
    order = topological_order(root)
    saved = [v.grad for v in order]
    try:
        for v in order:
            v.grad = 0.0
        steps = list(backward_steps(root))
        grads = {v: v.grad for v in order}
    finally:
        for v, g in zip(order, saved):
            v.grad = g
    return steps, grads


def backward_frames(
    root: Value, order: list[Value], names: dict[Value, str], words: Mapping[str, str]
) -> tuple[list[Frame], dict[Value, float]]:
    """One frame per computed node, as the engine takes the steps, then a last "done" frame."""
    steps, grads = fresh_steps(root)
    index = {v: i for i, v in enumerate(order)}
    users = users_of(order)  # one entry per edge: x * x gives x two
    expected = {c: len(uses) for c, uses in users.items()}
    received: dict[Value, list[float]] = {}
    processed: dict[Value, float] = {}  # d(root)/d(node) of the nodes processed so far
    r = names[root]
    total = sum(1 for v in order if v.children)
    out: list[Frame] = []
    k = 0
    for step in steps:
        node = step.node
        if not node.children:
            continue
        k += 1
        i = index[node]
        processed[node] = step.grad
        roles: dict[Target, str] = {}
        first: list[Segment] = [(f"{words['backward']} {k}/{total}: ", "head")]
        first += _upstream_line(node, r, processed, received, names, words, users, index, roles)
        frame = Frame(phase="backward", index=k, total=total, node=node, lines=[first])
        if node is root:
            frame.grads_new.append((i, step.grad, 1, 1))
        for j, c in enumerate(step.contributions):
            child = c.child
            if child.op == "const":
                continue  # a number written in the expression needs no gradient
            got = received.setdefault(child, [])
            got.append(c.contribution)
            term = Term(
                child=child,
                local_grad=c.local_grad,
                upstream=step.grad,
                contribution=c.contribution,
                grad_after=c.child_grad_after,
                received=len(got),
                expected=expected[child],
            )
            frame.terms.append(term)
            frame.lines.append(_term_line(node, term, r, names, words))
            frame.grads_new.append((index[child], term.grad_after, term.received, term.expected))
            roles[index[child]] = "result"
            roles[(i, j)] = "local"
        roles[i] = "up"
        frame.roles = roles
        out.append(frame)
    done = Frame(
        phase="backward",
        index=total + 1,
        total=total,
        node=None,
        lines=[[(f"{words['backward']}: ", "head"), (words["done"], "")]],
    )
    if not root.children:  # a lone leaf: its gradient with respect to itself is the seed
        done.grads_new.append((index[root], grads[root], 1, 1))
    leaves = [v for v in order if not v.children and v.op != "const" and v is not root]
    leaves.sort(key=lambda v: _natural(names[v]))  # w1, w2, ..., w10, as a reader looks them up
    done.lines += _gradient_lines(leaves, r, names, grads, words)
    out.append(done)
    return out, grads


#: The last frame lists the leaves' gradients in at most this many lines of this many characters.
DONE_LINES, DONE_WIDTH = 4, 100


def _natural(name: str) -> list:
    """A sort key that puts w2 before w10."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)
    ]


def _gradient_lines(leaves, r, names, grads, words) -> list[list[Segment]]:
    """The gradients a learner came for, a few to a line; a count for the rest."""
    lines: list[list[Segment]] = []
    line: list[Segment] = []
    width = 0
    for k, v in enumerate(leaves):
        item = f"d{r}/d{names[v]} = {num(grads[v])}"
        if line and width + len(item) + 2 > DONE_WIDTH:
            lines.append(line)
            line, width = [], 0
            if len(lines) == DONE_LINES:
                lines[-1].append((f", {words['more'].format(n=len(leaves) - k)}", "muted"))
                return lines
        line += [(", " if line else "  ", "")]
        line.append((item, "result"))
        width += len(item) + 2
    return lines + ([line] if line else [])


def _upstream_line(node, r, processed, received, names, words, users, index, roles):
    """Where the processed node's gradient came from: its one user's step, or the sum of all."""
    grad = processed[node]
    mine = f"d{r}/d{names[node]}"
    mine_users = users.get(node, [])
    if not mine_users:  # the root
        return [(f"{mine} = {num(grad)}", "up"), (f"  ({words['seed'].format(r=r)})", "muted")]
    for u, j in mine_users:
        roles[index[u]] = "src"
        roles[(index[u], j)] = "src"
    if len(mine_users) == 1:
        u, j = mine_users[0]
        return [
            (mine, "up"),
            (" = ", ""),
            (f"d{names[u]}/d{names[node]}{TIMES}d{r}/d{names[u]}", "src"),
            (" = ", ""),
            (f"{factor(u.local_grads[j])}{TIMES}{factor(processed[u])}", "src"),
            (" = ", ""),
            (num(grad), "up"),
        ]
    parts = received[node]
    terms = " + ".join(factor(p) for p in parts)
    return [
        (mine, "up"),
        (" = ", ""),
        (terms, "src"),
        (" = ", ""),
        (num(grad), "up"),
        (f"  ({words['sum'].format(n=len(parts))})", "muted"),
    ]


def _term_line(node: Value, term: Term, r: str, names, words) -> list[Segment]:
    child = names[term.child]
    line: list[Segment] = [
        (f"  d{r}/d{child}", "result"),
        (" += ", ""),
        (f"d{names[node]}/d{child}", "local"),
        (TIMES, ""),
        (f"d{r}/d{names[node]}", "up"),
        (" = ", ""),
        (factor(term.local_grad), "local"),
        (TIMES, ""),
        (factor(term.upstream), "up"),
        (" = ", ""),
        (num(term.contribution), "result"),
    ]
    if term.expected > 1:
        share = words["of"].format(k=term.received, n=term.expected)
        if term.received < term.expected:
            line.append((f"  ({share}; {words['so_far']} {num(term.grad_after)})", "muted"))
        else:
            line.append((f"  ({share} \u2192 {num(term.grad_after)})", "result"))
    return line


# ----------------------------------------------------------------------------------- the plan
def plan(root: Value, *, lang: str = "en") -> Plan:
    """Every frame of ``root``'s forward and backward pass; the user's ``.grad``s are untouched."""
    if not isinstance(root, Value):
        raise TypeError(f"frames need a Value to start from, got {type(root).__name__}")
    words = words_of(lang, "frames")
    order = topological_order(root)
    names = node_names(order)
    forward = forward_frames(order, names, words)
    backward, grads = backward_frames(root, order, names, words)
    return Plan(root, order, names, grads, forward + backward, lang)


@dataclass
class State:
    """What one frame shows, all told (for pictures drawn per frame and for tests)."""

    data_known: set[Value]
    locals_known: set[tuple[int, int]]
    grads: dict[Value, float]  # gradients received so far (backward pass)
    status: dict[Value, str]  # "final" or "partial"; absent: not reached


def states(p: Plan) -> Iterator[tuple[Frame, State]]:
    """Each frame with everything it shows, accumulated from the frames before it."""
    data: set[Value] = set()
    edges: set[tuple[int, int]] = set()
    grads: dict[Value, float] = {}
    status: dict[Value, str] = {}
    for f in p.frames:
        data.update(p.order[i] for i in f.data_new)
        edges.update(f.locals_new)
        for i, g, got, n in f.grads_new:
            grads[p.order[i]] = g
            status[p.order[i]] = "final" if got == n else "partial"
        yield f, State(set(data), set(edges), dict(grads), dict(status))
