"""The scalar autograd engine: ``Value``, a number that remembers how it was computed.

Every op computes its result *and* the local derivative d(out)/d(child) of each operand, and
stores them on the result; ``children`` and ``local_grads`` read them back as two parallel
tuples. Backward is then one generic loop, at the end of this file:
``child.grad += local_grad * node.grad``.

Lean nodes (why the slots look as they do): almost every node has one or two operands, so a
node keeps them in its own slots (``_a``, ``_b`` and their local derivatives ``_da``, ``_db``)
instead of two tuples. A node is then one object for Python's cyclic garbage collector to track,
not three, and an op allocates one object instead of three; building micrograd's moons graph
spends ~3x less time in the collector. A node with more operands (a custom op built with the
constructor) keeps tuples in ``_a`` and ``_da`` and marks ``_b`` with ``_MANY``.
No closures are kept per node, so a graph is plain data that can be drawn, explained and replayed
(``microgrid.stepwise`` replays the same loop one node at a time).

A node's ``op`` is an entry of the one table of ops (``microgrid.ops``): a ``str`` that reads as
``"+"``, ``"tanh"`` or ``"**2"``, carrying its parameter (the exponent, leaky_relu's alpha) as
data.

Derivatives at kinks (documented, and what the tests assume):
relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha, abs'(0) = 0; ``maximum``/``minimum``
route the whole gradient to the first operand on a tie; sqrt'(0) and x**p for 0 < p < 1 at 0
are +inf, and so is a derivative too large for a float (``Value(1e-170) ** -1``).

NaN is never hidden: a NaN operand gives a NaN result through every op (as in PyTorch), and the
ops that choose by comparing (relu, leaky_relu, abs, maximum, minimum) give a NaN local
derivative too, so ``relu(nan)``, ``maximum(nan, 0)`` and ``abs(nan)`` are NaN, not 0.
Infinity is a number: it propagates (``x + inf``), ``sin``/``cos`` of it are NaN (as in
PyTorch), and only a *result* too large for a float raises (``exp``, ``**``), naming the op.
``microgrid.detect_anomaly()`` finds the op where a NaN or infinity first appears.
"""

from __future__ import annotations

import gc
import math
import numbers
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from microgrid import _grad_mode as _mode
from microgrid import ops
from microgrid.formatting import fixed
from microgrid.ops import Op

Number: TypeAlias = int | float
#: What an op accepts as its other operand: a Value, or a plain number (wrapped as a constant).
Operand: TypeAlias = "Value | int | float"

_new = object.__new__


class _Many:
    """The marker in ``_b`` of a node with more than two operands (tuples in ``_a``, ``_da``)."""

    def __reduce__(self) -> str:  # copy and pickle keep the one marker
        return "_MANY"

    def __repr__(self) -> str:
        return "_MANY"


_MANY = _Many()
#: On the walk's stack: "the node below me has all its operands done; emit it".
_EMIT = object()
# (grad_enabled, scope) of this thread or asyncio task; bound once, read by every op
_get_mode = _mode.MODE.get
# exp(x) overflows a float for x above log(max float) ~ 709.78.
_EXP_LIMIT = math.log(1.7976931348623157e308)


def as_float(data: object, what: str = "Value data") -> float:
    """Convert a real number to float; refuse bool, str, None, complex, containers by name."""
    if type(data) is float:
        return data
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        raise TypeError(
            f"{what} must be a real number (int, float, numpy scalar), "
            f"got {type(data).__name__}: {data!r}"
        )
    return float(data)


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and the edges to its operands.

    ``Value(data, children=(), local_grads=(), op="", label="")`` builds any node: a leaf
    (``Value(0.4, label="w5")``) or a result, given its operands, the local derivative
    d(this)/d(child) of each, and the op's name (``Value(6.0, (a, b), (b.data, a.data), "*")``).
    Under ``no_grad`` a result records no operands, as every op does there.

    Attributes (all public and documented, for drawers, steppers and learners):
        data: the forward value, always a Python float.
        grad: d(root)/d(this), filled in by ``backward()``; starts at 0.0.
        children: the operands, in order; the same Value appears twice for ``x * x``.
        local_grads: d(this)/d(child) for each entry of ``children``, computed in the forward pass.
        op: the op that made this Value, an entry of ``microgrid.ops`` that reads as text ("+",
            "*", "tanh", "**2"); "" for a leaf, "const" for a number that was wrapped
            automatically (``x * 2`` wraps the 2).
        label: a name for drawings and explanations ("w5", "net_h1"); "" when unnamed.
        scope: dotted path of the module that created it ("mlp.layer0.neuron1"), "" outside one.

    Values hash by identity: a Value is a graph node, not a number, so ``==`` is not overloaded.
    """

    __slots__ = ("data", "grad", "_a", "_b", "_da", "_db", "op", "label", "scope")

    def __init__(
        self,
        data: Number,
        children: Iterable[Value] = (),
        local_grads: Iterable[float] = (),
        op: str = "",
        label: str = "",
    ) -> None:
        self.data = as_float(data)
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        # Any: a Value, a tuple of Values (with _MANY in _b), or None; see the module docstring
        self._a: Any = None
        self._b: Any = None
        self._da: Any = 0.0
        self._db: Any = 0.0
        self.op: Op = ops.lookup(op)
        if children or local_grads:
            edges = _checked_edges(children, local_grads, self.op)
            if _get_mode()[0]:
                self.children, self.local_grads = edges
        self.label = label
        self.scope = _get_mode()[1]

    # ----------------------------------------------------------------- display and conversion
    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={fixed(self.data)}, grad={fixed(self.grad)})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        raise TypeError("a Value has no truth value (it is a graph node); compare v.data instead")

    def _repr_svg_(self) -> str:
        """Jupyter display: the graph drawn by ``viz`` (imported lazily); never raises."""
        import viz

        return viz.notebook_svg(self)

    @property
    def children(self) -> tuple[Value, ...]:
        """The operands, in order (a new tuple on each read: the node keeps them in slots)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (a,)
        if b is _MANY:
            return a
        return (a, b)

    @children.setter
    def children(self, children: tuple[Value, ...]) -> None:
        kids = tuple(children)
        if len(kids) > 2:
            self._a, self._b = kids, _MANY
        else:
            self._a, self._b = (*kids, None, None)[:2]

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this)/d(child) for each entry of ``children``, in the same order."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (self._da,)
        if b is _MANY:
            return self._da
        return (self._da, self._db)

    @local_grads.setter
    def local_grads(self, local_grads: tuple[float, ...]) -> None:
        grads = tuple(local_grads)
        if len(grads) > 2 or self._b is _MANY:
            self._da, self._db = grads, 0.0
        else:
            self._da, self._db = (*grads, 0.0, 0.0)[:2]

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants: nodes with no operands."""
        return self._a is None

    def edges(self) -> Iterator[tuple[Value, float]]:
        """Yield ``(child, local_grad)`` pairs: one per operand occurrence, in order."""
        return zip(self.children, self.local_grads)

    # ------------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Operand) -> Value:
        """a + b; d/da = 1, d/db = 1."""
        if other.__class__ is not Value:
            other = constant(other, ops.ADD)
        return _binary(self.data + other.data, self, other, 1.0, 1.0, ops.ADD)

    def __radd__(self, other: Number) -> Value:
        """number + Value: the number stays the first operand, as written (drawings, explain)."""
        return constant(other, ops.ADD) + self

    def __sub__(self, other: Operand) -> Value:
        """a - b; d/da = 1, d/db = -1."""
        if other.__class__ is not Value:
            other = constant(other, ops.SUB)
        return _binary(self.data - other.data, self, other, 1.0, -1.0, ops.SUB)

    def __rsub__(self, other: Number) -> Value:
        return constant(other, ops.SUB) - self

    def __mul__(self, other: Operand) -> Value:
        """a * b; d/da = b, d/db = a."""
        if other.__class__ is not Value:
            other = constant(other, ops.MUL)
        return _binary(self.data * other.data, self, other, other.data, self.data, ops.MUL)

    def __rmul__(self, other: Number) -> Value:
        """number * Value, e.g. ``0.5 * err``: operands recorded in the order written."""
        return constant(other, ops.MUL) * self

    def __truediv__(self, other: Operand) -> Value:
        """a / b; d/da = 1/b, d/db = -a/b^2. Division by zero raises ZeroDivisionError."""
        if other.__class__ is not Value:
            other = constant(other, ops.DIV)
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {fixed(self.data)} / {fixed(b)}")
        out = self.data / b  # not a * (1/b): that can differ from a / b in the last digit
        return _binary(out, self, other, 1.0 / b, -out / b, ops.DIV)

    def __rtruediv__(self, other: Number) -> Value:
        return constant(other, ops.DIV) / self

    def __neg__(self) -> Value:
        """-a; d/da = -1."""
        return _unary(-self.data, self, -1.0, ops.NEG)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Operand) -> Value:
        """a ** p. For a number p: d/da = p a^(p-1). For a Value p: also d/dp = a^p ln a (a > 0)."""
        if isinstance(exponent, Value):
            return _pow_value(self, exponent)
        p = as_float(exponent, "exponent")
        a = self.data
        out = _checked_pow(a, p)
        if p == 0.0:
            local = 0.0
        elif a == 0.0 and p < 1.0:
            local = math.inf  # the slope of sqrt-like powers is vertical at 0
        else:
            local = _pow_slope(a, p)
        return _unary(out, self, local, ops.POW.with_param(p))

    def __rpow__(self, base: Number) -> Value:
        """number ** Value, e.g. ``2 ** x``; d/dx = 2^x ln 2."""
        return _pow_value(constant(base, "**"), self)

    # ------------------------------------------------------------------------- functions
    def exp(self) -> Value:
        """e^x; d/dx = e^x. Raises OverflowError (naming exp and x) when e^x exceeds a float."""
        x = self.data
        if x > _EXP_LIMIT:
            raise OverflowError(
                f"exp({fixed(x)}) overflows a float (exp needs x <= {_EXP_LIMIT:.2f})"
            )
        out = math.exp(x)
        return _unary(out, self, out, ops.EXP)

    def log(self) -> Value:
        """Natural log; d/dx = 1/x. Raises ValueError for x <= 0."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log({fixed(x)}) is undefined: log needs x > 0")
        return _unary(math.log(x), self, 1.0 / x, ops.LOG)

    def sqrt(self) -> Value:
        """Square root; d/dx = 1/(2 sqrt x), +inf at 0. Raises ValueError for x < 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt({fixed(x)}) is undefined: sqrt needs x >= 0")
        out = math.sqrt(x)
        return _unary(out, self, 0.5 / out if out else math.inf, ops.SQRT)

    def abs(self) -> Value:
        """|x|; d/dx = sign(x), with abs'(0) = 0 (and NaN at NaN)."""
        x = self.data
        local = 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x
        return _unary(abs(x), self, local, ops.ABS)

    __abs__ = abs

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh^2 x. Never overflows."""
        t = math.tanh(self.data)
        return _unary(t, self, 1.0 - t * t, ops.TANH)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x); d/dx = s (1 - s). Stable: sigmoid(-1000) = 0.0, sigmoid(1000) = 1.0."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _unary(s, self, s * (1.0 - s), ops.SIGMOID)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (relu'(0) = 0); NaN stays NaN."""
        x = self.data
        if x > 0.0:
            return _unary(x, self, 1.0, ops.RELU)
        if x != x:  # NaN: passed on, not hidden as 0
            return _unary(x, self, x, ops.RELU)
        return _unary(0.0, self, 0.0, ops.RELU)

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, else alpha x; d/dx = 1 or alpha (alpha at 0); NaN stays NaN."""
        alpha = as_float(alpha, "leaky_relu alpha")
        op = ops.LEAKY_RELU.with_param(alpha)  # alpha kept on the op: a replay needs it
        x = self.data
        if x > 0.0:
            return _unary(x, self, 1.0, op)
        return _unary(alpha * x, self, alpha if x == x else x, op)

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, else alpha (e^x - 1); d/dx = 1 or alpha e^x (alpha at 0)."""
        alpha = as_float(alpha, "elu alpha")
        op = ops.ELU.with_param(alpha)
        x = self.data
        if x > 0.0:
            return _unary(x, self, 1.0, op)
        e = math.exp(x)
        return _unary(alpha * (e - 1.0), self, alpha * e, op)

    def softplus(self) -> Value:
        """ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|); d/dx = sigmoid(x). Never overflows."""
        x = self.data
        e = math.exp(-abs(x))
        out = (x if x > 0.0 else 0.0) + math.log1p(e)
        local = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        return _unary(out, self, local, ops.SOFTPLUS)

    def sin(self) -> Value:
        """sin x; d/dx = cos x. NaN at +-inf (as in PyTorch), where sin has no value."""
        x = self.data
        try:
            return _unary(math.sin(x), self, math.cos(x), ops.SIN)
        except ValueError:  # math.sin(inf) raises "math domain error"
            return _unary(math.nan, self, math.nan, ops.SIN)

    def cos(self) -> Value:
        """cos x; d/dx = -sin x. NaN at +-inf (as in PyTorch), where cos has no value."""
        x = self.data
        try:
            return _unary(math.cos(x), self, -math.sin(x), ops.COS)
        except ValueError:
            return _unary(math.nan, self, math.nan, ops.COS)

    # ----------------------------------------------------------------------- backward pass
    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this Value: fill ``.grad`` of every node with d(self)/d(node).

        ``grad`` is the seed d(L)/d(self) (1.0 for a loss). Leaves *accumulate* across calls,
        like PyTorch: calling ``backward()`` twice doubles every leaf's grad, so call
        ``zero_grad()`` (or an optimizer's) between steps. Intermediate nodes are reset at the
        start of each call and hold the gradient of the latest pass.
        """
        backward(self, grad)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of the graph rooted here (leaves included)."""
        for node in topological_order(self):
            node.grad = 0.0


def maximum(a: Operand, b: Operand) -> Value:
    """The larger of a and b; the whole gradient goes to the chosen operand (``a`` on a tie).

    NaN if either is NaN (as in PyTorch), with NaN local derivatives.
    """
    a_data = a.data if isinstance(a, Value) else as_float(a, "maximum operand")
    b_data = b.data if isinstance(b, Value) else as_float(b, "maximum operand")
    return _pick(a, b, a_data >= b_data, ops.MAXIMUM)


def minimum(a: Operand, b: Operand) -> Value:
    """The smaller of a and b; the whole gradient goes to the chosen operand (``a`` on a tie).

    NaN if either is NaN (as in PyTorch), with NaN local derivatives.
    """
    a_data = a.data if isinstance(a, Value) else as_float(a, "minimum operand")
    b_data = b.data if isinstance(b, Value) else as_float(b, "minimum operand")
    return _pick(a, b, a_data <= b_data, ops.MINIMUM)


# ------------------------------------------------------------------ making nodes, quickly
def _node(data: float, children: tuple, local_grads: tuple, op: Op) -> Value:
    """Make a node from tuples of operands and local derivatives, without the constructor's
    checks (``data`` trusted to be a float, ``op`` a table entry). The ops take the three
    faster paths below (``_binary``, ``_unary``, ``_leaf``), which store the same slots without
    building the tuples; ``microgrid.anomaly`` swaps all four for checking versions."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._a = out._b = None
    out._da = out._db = 0.0
    enabled, out.scope = _get_mode()
    if enabled and children:
        out.children, out.local_grads = children, local_grads
    out.op = op
    out.label = ""
    return out


def _binary(data: float, a: Value, b: Value, da: float, db: float, op: Op) -> Value:
    """An op's result with operands a, b and local derivatives da, db (under ``no_grad``, a
    node without operands): the fast path of every two-operand op."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    enabled, out.scope = _get_mode()
    if enabled:
        out._a = a
        out._b = b
        out._da = da
        out._db = db
    else:
        out._a = out._b = None
        out._da = out._db = 0.0
    out.op = op
    out.label = ""
    return out


def _unary(data: float, a: Value, da: float, op: Op) -> Value:
    """An op's result with one operand a and local derivative da (see ``_binary``)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._b = None
    out._db = 0.0
    enabled, out.scope = _get_mode()
    if enabled:
        out._a = a
        out._da = da
    else:
        out._a = None
        out._da = 0.0
    out.op = op
    out.label = ""
    return out


def _leaf(data: float, op: Op) -> Value:
    """A leaf made on the hot path (a constant operand), without the constructor's checks."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._a = out._b = None
    out._da = out._db = 0.0
    out.op = op
    out.label = ""
    out.scope = _get_mode()[1]
    return out


def constant(x: Operand, used_by: str = "") -> Value:
    """A plain number as a constant leaf (op "const"); a Value is returned unchanged.

    Ops call it for a number operand (``x * 2`` wraps the 2); ``used_by`` names the op in the
    error for a non-number ("the operand of *").
    """
    if type(x) is not float:  # the message is only built when it is needed
        if isinstance(x, Value):  # a subclass of Value is an operand, not a number
            return x
        x = as_float(x, f"the operand of {used_by}" if used_by else "operand")
    return _leaf(x, ops.CONST)


def _checked_edges(
    children: Iterable[Value], local_grads: Iterable[float], op: Op
) -> tuple[tuple[Value, ...], tuple[float, ...]]:
    """The constructor's operands and local derivatives as tuples, or an error naming the fault."""
    if isinstance(children, (str, bytes)) or not isinstance(children, Iterable):
        hint = " (to name a Value, pass label=...)" if isinstance(children, str) else ""
        raise TypeError(
            f"children must be a tuple of Values, got {type(children).__name__}: {children!r}{hint}"
        )
    kids = tuple(children)
    for i, child in enumerate(kids):
        if not isinstance(child, Value):
            raise TypeError(f"children[{i}] must be a Value, got {type(child).__name__}: {child!r}")
    if isinstance(local_grads, (str, bytes)) or not isinstance(local_grads, Iterable):
        raise TypeError(
            f"local_grads must be a tuple of numbers, got {type(local_grads).__name__}: "
            f"{local_grads!r}"
        )
    grads = tuple(as_float(g, f"local_grads[{i}]") for i, g in enumerate(local_grads))
    if len(grads) != len(kids):
        raise ValueError(
            f"a node needs one local_grad per child: got {len(kids)} children and "
            f"{len(grads)} local_grads"
        )
    if op is ops.LEAF or op is ops.CONST:
        raise ValueError(f"a node with children needs an op name (got op={str(op)!r})")
    if op.arity and len(kids) != op.arity:
        raise ValueError(f"the op {op.name!r} takes {op.arity} operands, got {len(kids)} children")
    return kids, grads


def _checked_pow(a: float, p: float) -> float:
    """a ** p as a real float, with errors that name pow and its operands."""
    if a < 0.0 and not p.is_integer():
        raise ValueError(
            f"pow: {fixed(a)} ** {p!r} is complex (a negative base needs an integer exponent)"
        )
    if a == 0.0 and p < 0.0:
        raise ZeroDivisionError(f"pow: 0 ** {p!r} divides by zero")
    try:
        return a**p
    except OverflowError:
        raise OverflowError(f"pow: {fixed(a)} ** {p!r} overflows a float") from None


def _pow_slope(a: float, p: float) -> float:
    """d(a^p)/da = p a^(p-1); +-inf when that is too large for a float (the result may fit).

    ``Value(1e-170) ** -1`` is 1e170, a float, but its slope -1e340 is not: the slope is then
    infinite (like sqrt'(0)), rather than an error about an exponent the user never wrote.
    """
    try:
        return p * a ** (p - 1.0)
    except OverflowError:
        negative = (p < 0.0) != (a < 0.0 and (p - 1.0) % 2.0 == 1.0)
        return -math.inf if negative else math.inf


def _pow_value(base: Value, exponent: Value) -> Value:
    """base ** exponent with both Values: d/dbase = p a^(p-1), d/dp = a^p ln a (needs a > 0)."""
    a, p = base.data, exponent.data
    if a < 0.0:
        raise ValueError(
            f"pow: {fixed(a)} ** Value({fixed(p)}) needs a base > 0: "
            "its derivative with respect to the exponent is a^p ln a"
        )
    out = _checked_pow(a, p)
    if a == 0.0:
        if p <= 0.0:
            raise ZeroDivisionError(f"pow: 0 ** {p!r} is undefined at a Value exponent")
        d_base = math.inf if p < 1.0 else (0.0 if p > 1.0 else 1.0)
        d_exp = 0.0  # a^p ln a -> 0 as a -> 0+ for p > 0
    else:
        d_base = _pow_slope(a, p)
        d_exp = out * math.log(a)
    return _binary(out, base, exponent, d_base, d_exp, ops.POW_VALUE)


def _pick(a: Operand, b: Operand, take_a: bool, op: Op) -> Value:
    a = constant(a, op.word)
    b = constant(b, op.word)
    if take_a:
        return _binary(a.data, a, b, 1.0, 0.0, op)
    if a.data != a.data or b.data != b.data:  # a NaN compares False: pass it on, not the other
        return _binary(math.nan, a, b, math.nan, math.nan, op)
    return _binary(b.data, a, b, 0.0, 1.0, op)


# --------------------------------------------------------------------- the backward pass
# Both walks are iterative (an explicit stack, never recursion), so a chain of a million nodes
# works, and deterministic: the same graph always gives the same order, drawing and frames.
# Two orders, both valid topological orders of the same graph:
# - ``topological_order`` visits operands left to right, so the forward pass reads as written
#   (``w1, i1, w1*i1, w2, ...``);
# - the backward pass walks operands right to left and then reverses, so it handles the *first*
#   operand's branch first: in the seed's network it reaches w5 (via E_o1) before w7 (via E_o2),
#   and the output layer before the hidden one, in the order of the hand derivation.


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

    The walk keeps one stack of nodes still to look at; a node being expanded stays on it
    under an ``_EMIT`` marker, so it is emitted once everything pushed above it is done. A node
    is checked against ``visited`` when it comes off the stack (not when pushed), which keeps
    exactly the order of the recursive walk: operands in turn, each finished before the next.
    Leaves are emitted as soon as they are seen. With ``reset_grads`` interior grads are
    zeroed as nodes are emitted, which saves backward a second sweep.
    """
    left_first = operands is iter
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list = [root]
    push, pop, mark, emit = stack.append, stack.pop, visited.add, order.append
    while stack:
        node = pop()
        if node is _EMIT:
            node = pop()
            if reset_grads:
                node.grad = 0.0
            emit(node)
            continue
        if node in visited:
            continue
        mark(node)
        a = node._a
        if a is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        b = node._b
        if b is None:
            push(a)
        elif b is _MANY:
            stack.extend(reversed(a) if left_first else a)
        elif left_first:  # the first operand comes off the stack first
            push(b)
            push(a)
        else:
            push(a)
            push(b)
    return order


def start_backward(root: Value, grad: float, who: str) -> list[Value]:
    """Order the graph for backward, reset interior gradients (leaves accumulate), seed the root.

    Shared by ``backward`` and ``microgrid.stepwise.backward_steps``; returns the forward order.
    """
    _check_root(root, who)
    seed = as_float(grad, "backward's seed grad")
    order = _post_order(root, reset_grads=True, operands=reversed)
    root.grad += seed
    return order


def backward(root: Value, grad: float = 1.0) -> list[Value]:
    """Fill every node's ``.grad`` with d(root)/d(node) by the chain rule; returns the order used.

    One generic loop over a reverse topological order (first operand's branch first, see the
    comment above): for each node, each edge adds ``local_grad * node.grad`` to its child.
    See ``Value.backward`` for accumulation rules. The returned list is in forward order.

    The plain loop is::

        for node in reversed(order):
            for child, local in zip(node.children, node.local_grads):
                child.grad += local * node.grad

    and the code below is that loop reading the operands from the node's slots (the tests keep
    them equal).

    The cyclic garbage collector is paused while backward runs and restored after, even when
    it raises: a graph of Values holds no reference cycles, so a collection triggered by the
    walk's allocations would only scan the whole graph to find nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()  # see the docstring: restored on the way out, even on an error
    try:
        order = start_backward(root, grad, "backward")
        anomaly = _mode.ANOMALY.get()  # inside microgrid.detect_anomaly(): its checked loop
        if anomaly is not None:
            anomaly.backward(order)
            return order
        for node in reversed(order):
            a = node._a
            if a is None:
                continue
            g = node.grad
            b = node._b
            if b is None:
                a.grad += node._da * g
            elif b is _MANY:
                for child, local in zip(a, node._da):
                    child.grad += local * g
            else:
                a.grad += node._da * g
                b.grad += node._db * g
    finally:
        if was_enabled:
            gc.enable()
    return order
