"""Shared Hypothesis strategies: numbers in safe domains and random expression DAGs.

An expression DAG is drawn as plain data (``Dag``): leaf values plus a list of nodes, each an op
name, the indices of its operands (earlier leaves or nodes, so subexpressions are shared and the
same operand may appear twice) and one op parameter. ``evaluate`` builds it with any backend
(microgrid Values, plain floats, torch tensors), so one drawn DAG can be checked against finite
differences and against PyTorch.

Domains are kept by construction, not by loosening tolerances: while drawing, every node's value
is computed with plain float math, and an op is only used where its domain holds with a margin
(log and sqrt of x >= 0.1, |divisor| >= 0.1, kinks of relu/abs/max at least KINK_MARGIN away)
and its result stays within VALUE_CAP. A central difference with eps = 1e-6 moves no node across
a kink or a domain edge, so backward() and finite differences must agree tightly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

import microgrid
from microgrid import Value, ops

#: Nodes closer than this to a kink (relu, abs, leaky_relu, elu at 0; max/min ties) are avoided.
KINK_MARGIN = 0.05
#: Every node's value stays within +-VALUE_CAP, so round-off in finite differences stays tiny.
VALUE_CAP = 50.0
#: Smallest operand for log, sqrt, fractional powers and divisors.
DOMAIN_MARGIN = 0.1


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi] (no NaN, no infinity)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def nonzero_reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats with lo <= |x| <= hi, either sign: divisors, operands kept away from 0."""
    return st.one_of(reals(lo, hi), reals(-hi, -lo))


def separated_pairs(lo: float, hi: float, gap: float) -> st.SearchStrategy[tuple[float, float]]:
    """Pairs (a, b) in [lo, hi] with |a - b| >= gap: max/min away from a tie."""
    return st.tuples(reals(lo, hi), reals(lo, hi)).filter(lambda ab: abs(ab[0] - ab[1]) >= gap)


# ---------------------------------------------------------------------------- expression DAGs
@dataclass(frozen=True)
class Node:
    """One op of a drawn DAG: ``op`` applied to earlier entries ``args``, with ``param``."""

    op: str
    args: tuple[int, ...]
    param: float


@dataclass(frozen=True)
class Dag:
    """A drawn expression: leaves are entries 0..len(leaves)-1, node i is entry len(leaves)+i.

    The root is the sum of every *sink* (an entry no node uses), so each leaf reaches it.
    """

    leaves: tuple[float, ...]
    nodes: tuple[Node, ...]

    @property
    def sinks(self) -> tuple[int, ...]:
        used = {i for node in self.nodes for i in node.args}
        return tuple(i for i in range(len(self.leaves) + len(self.nodes)) if i not in used)

    def __repr__(self) -> str:  # readable in Hypothesis' falsifying examples
        n = len(self.leaves)
        lines = [f"Dag(leaves={list(self.leaves)}"]
        for i, node in enumerate(self.nodes):
            args = ", ".join(f"v{a}" for a in node.args)
            lines.append(f"  v{n + i} = {node.op}({args}; param={node.param!r})")
        lines.append(f"  root = sum of v{list(self.sinks)})")
        return "\n".join(lines)


#: An op: its arity, how its parameter comes from a knob u in [0, 1], and its float forward.
@dataclass(frozen=True)
class OpSpec:
    arity: int
    param: Callable[[float], float]
    math: Callable[..., float]
    ok: Callable[..., bool]


def _no_param(u: float) -> float:
    return 0.0


def _pick(choices: Sequence[float]) -> Callable[[float], float]:
    return lambda u: choices[min(int(u * len(choices)), len(choices) - 1)]


def _always(*args: float) -> bool:
    return True


def _away_from_kink(x: float, p: float = 0.0) -> bool:
    return abs(x) >= KINK_MARGIN


def _pow_ok(x: float, p: float) -> bool:
    if p < 0 and abs(x) < DOMAIN_MARGIN:
        return False
    if not float(p).is_integer() and x < DOMAIN_MARGIN:
        return False
    return abs(x) <= 10.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _nonlinear_slope(u: float) -> float:
    return 0.01 + 0.5 * u


#: Every op the DAG strategy uses, in the order the fallback scan tries them (tanh, which is
#: always valid, comes early so a rejected draw never scans far).
OPS: dict[str, OpSpec] = {
    "+": OpSpec(2, _no_param, lambda a, b, p: a + b, _always),
    "tanh": OpSpec(1, _no_param, lambda x, p: math.tanh(x), _always),
    "*": OpSpec(2, _no_param, lambda a, b, p: a * b, _always),
    "-": OpSpec(2, _no_param, lambda a, b, p: a - b, _always),
    "/": OpSpec(2, _no_param, lambda a, b, p: a / b, lambda a, b, p: abs(b) >= DOMAIN_MARGIN),
    "neg": OpSpec(1, _no_param, lambda x, p: -x, _always),
    "exp": OpSpec(1, _no_param, lambda x, p: math.exp(x), lambda x, p: x <= 3.5),
    "log": OpSpec(1, _no_param, lambda x, p: math.log(x), lambda x, p: x >= DOMAIN_MARGIN),
    "sqrt": OpSpec(1, _no_param, lambda x, p: math.sqrt(x), lambda x, p: x >= DOMAIN_MARGIN),
    "abs": OpSpec(1, _no_param, lambda x, p: abs(x), _away_from_kink),
    "sigmoid": OpSpec(1, _no_param, lambda x, p: _sigmoid(x), _always),
    "relu": OpSpec(1, _no_param, lambda x, p: x if x > 0 else 0.0, _away_from_kink),
    "leaky_relu": OpSpec(1, _nonlinear_slope, lambda x, p: x if x > 0 else p * x, _away_from_kink),
    "elu": OpSpec(
        1, _nonlinear_slope, lambda x, p: x if x > 0 else p * math.expm1(x), _away_from_kink
    ),
    "softplus": OpSpec(1, _no_param, lambda x, p: math.log1p(math.exp(x)), _always),
    "sin": OpSpec(1, _no_param, lambda x, p: math.sin(x), _always),
    "cos": OpSpec(1, _no_param, lambda x, p: math.cos(x), _always),
    "max": OpSpec(
        2, _no_param, lambda a, b, p: a if a >= b else b, lambda a, b, p: abs(a - b) >= KINK_MARGIN
    ),
    "min": OpSpec(
        2, _no_param, lambda a, b, p: a if a <= b else b, lambda a, b, p: abs(a - b) >= KINK_MARGIN
    ),
    # x ** number, with integer, fractional and negative exponents
    "pow": OpSpec(1, _pick([2.0, 3.0, -1.0, 0.5, 1.5, -0.5, 2.5]), lambda x, p: x**p, _pow_ok),
    # Value ** Value: base kept positive (d/dexponent = a^b ln a)
    "powv": OpSpec(
        2,
        _no_param,
        lambda a, b, p: a**b,
        lambda a, b, p: DOMAIN_MARGIN <= a <= 10.0 and abs(b) <= 3.0,
    ),
    # number ** Value, e.g. 2 ** x
    "rpow": OpSpec(1, _pick([0.5, 2.0, 3.0, math.e]), lambda x, p: p**x, lambda x, p: abs(x) <= 4),
    # a constant on either side: x + c, c - x, x * c, c / x
    "addc": OpSpec(1, lambda u: 4.0 * u - 2.0, lambda x, p: x + p, _always),
    "rsubc": OpSpec(1, lambda u: 4.0 * u - 2.0, lambda x, p: p - x, _always),
    "mulc": OpSpec(1, lambda u: 4.0 * u - 2.0, lambda x, p: x * p, _always),
    "rdivc": OpSpec(
        1, lambda u: 0.5 + 2.0 * u, lambda x, p: p / x, lambda x, p: abs(x) >= DOMAIN_MARGIN
    ),
}

OP_NAMES = tuple(OPS)


def _apply_float(op: str, args: Sequence[float], param: float) -> float | None:
    """The op in plain float math, or None when its domain or the value cap would be broken."""
    spec = OPS[op]
    if not spec.ok(*args, param):
        return None
    try:
        out = spec.math(*args, param)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    if not math.isfinite(out) or abs(out) > VALUE_CAP:
        return None
    return out


@st.composite
def expression_dags(
    draw: st.DrawFn,
    min_leaves: int = 1,
    max_leaves: int = 4,
    max_nodes: int = 12,
    ops: Sequence[str] = OP_NAMES,
) -> Dag:
    """A random expression DAG over a few leaves in [-3, 3], sharing subexpressions.

    Each node picks its operands among all earlier entries (leaves and nodes), biased toward the
    most recent so graphs grow deep, and often reusing one (``x * x``, ``a - a``). The drawn op
    is used only where its domain holds (see the module docstring); otherwise the next op in
    ``ops`` that fits is used, and ``tanh`` always fits.
    """
    ops = list(ops)
    if "tanh" not in ops:
        ops.append("tanh")
    n_leaves = draw(st.integers(min_leaves, max_leaves))
    leaves = [draw(reals(-3.0, 3.0)) for _ in range(n_leaves)]
    values = list(leaves)
    nodes = []
    for _ in range(draw(st.integers(1, max_nodes))):
        start = draw(st.integers(0, len(ops) - 1))
        picks = [len(values) - 1 - draw(st.integers(0, len(values) - 1)) for _ in range(2)]
        knob = draw(reals(0.0, 1.0))
        for k in range(len(ops)):
            op = ops[(start + k) % len(ops)]
            spec = OPS[op]
            args = tuple(picks[: spec.arity])
            param = spec.param(knob)
            out = _apply_float(op, [values[i] for i in args], param)
            if out is not None:
                nodes.append(Node(op, args, param))
                values.append(out)
                break
    return Dag(tuple(leaves), tuple(nodes))


#: Backend: op name -> function(args..., param) on that backend's numbers.
Backend = Mapping[str, Callable[..., object]]


def _method(name: str) -> Callable[..., object]:
    return lambda x, p: getattr(x, name)()


#: The table's plain one-operand functions (exp, tanh, ...) are Value methods of the same name.
MICROGRID_OPS: Backend = {
    "+": lambda a, b, p: a + b,
    "*": lambda a, b, p: a * b,
    "-": lambda a, b, p: a - b,
    "/": lambda a, b, p: a / b,
    "neg": lambda x, p: -x,
    **{op.word: _method(op.word) for op in ops.FUNCTIONS if op.arity == 1 and not op.param_name},
    "leaky_relu": lambda x, p: x.leaky_relu(p),
    "elu": lambda x, p: x.elu(p),
    "max": lambda a, b, p: microgrid.maximum(a, b),
    "min": lambda a, b, p: microgrid.minimum(a, b),
    "pow": lambda x, p: x**p,
    "powv": lambda a, b, p: a**b,
    "rpow": lambda x, p: p**x,
    "addc": lambda x, p: x + p,
    "rsubc": lambda x, p: p - x,
    "mulc": lambda x, p: x * p,
    "rdivc": lambda x, p: p / x,
}

FLOAT_OPS: Backend = {name: spec.math for name, spec in OPS.items()}


def evaluate_entries(
    dag: Dag, leaves: Sequence[object], backend: Backend
) -> tuple[list[object], object]:
    """Build ``dag`` on ``leaves`` with ``backend``; returns (every leaf and node, the root)."""
    if len(leaves) != len(dag.leaves):
        raise ValueError(f"dag has {len(dag.leaves)} leaves, got {len(leaves)}")
    entries = list(leaves)
    for node in dag.nodes:
        entries.append(backend[node.op](*[entries[i] for i in node.args], node.param))
    sinks = dag.sinks
    root = entries[sinks[0]]
    for i in sinks[1:]:
        root = root + entries[i]
    return entries, root


def evaluate(dag: Dag, leaves: Sequence[object], backend: Backend) -> object:
    """Build ``dag`` on ``leaves`` (one per dag leaf) with ``backend``; returns the root."""
    return evaluate_entries(dag, leaves, backend)[1]


def build_values(dag: Dag) -> tuple[list[Value], Value]:
    """The DAG as microgrid Values: (leaf Values labelled x0, x1, ..., root)."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(dag.leaves)]
    return leaves, evaluate(dag, leaves, MICROGRID_OPS)
