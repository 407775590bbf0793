"""The scalar autograd engine: ``Value``, a number that remembers how it was computed.

Every op computes its result *and* the local derivative d(out)/d(child) of each operand, and
stores them on the result as two parallel tuples, ``children`` and ``local_grads``. Backward is
then one generic loop (see ``microgrid.graph``): ``child.grad += local_grad * node.grad``.
No closures are kept per node, so a graph is plain data that can be drawn, explained and replayed.

Derivatives at kinks (documented, and what the tests assume):
relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha, abs'(0) = 0; ``max``/``min`` route the
whole gradient to the first operand on a tie; sqrt'(0) and x**p for 0 < p < 1 at 0 are +inf.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

from microgrid import _grad_mode as _mode

Number = int | float
Operand = "Value | int | float"

_new = object.__new__
# (grad_enabled, scope) of this thread or asyncio task; bound once, read by every op
_get_mode = _mode.MODE.get
# exp(x) overflows a float for x above log(max float) ~ 709.78.
_EXP_LIMIT = math.log(1.7976931348623157e308)


def _as_float(data: object, what: str = "Value data") -> float:
    """Convert a real number to float; refuse bool, str, None, complex, containers by name."""
    if type(data) is float:
        return data
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        raise TypeError(
            f"{what} must be a real number (int, float, numpy scalar), "
            f"got {type(data).__name__}: {data!r}"
        )
    return float(data)


def _fmt(x: float) -> str:
    """Short, fixed-precision number for repr and messages."""
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


class Value:
    """A scalar in a computation graph: its ``data``, its ``grad``, and the edges to its operands.

    Attributes (all public and documented, for drawers, steppers and learners):
        data: the forward value, always a Python float.
        grad: d(root)/d(this), filled in by ``backward()``; starts at 0.0.
        children: the operands, in order; the same Value appears twice for ``x * x``.
        local_grads: d(this)/d(child) for each entry of ``children``, computed in the forward pass.
        op: the op that made this Value ("+", "*", "tanh", ...); "" for a leaf, "const" for a
            number that was wrapped automatically (``x * 2`` wraps the 2).
        label: a name for drawings and explanations ("w5", "net_h1"); "" when unnamed.
        scope: dotted path of the module that created it ("mlp.layer0.neuron1"), "" outside one.

    Values hash by identity: a Value is a graph node, not a number, so ``==`` is not overloaded.
    """

    __slots__ = ("data", "grad", "children", "local_grads", "op", "label", "scope")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _as_float(data)
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.children: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.op = ""
        self.label = label
        self.scope = _get_mode()[1]

    # ----------------------------------------------------------------- display and conversion
    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={_fmt(self.data)}, grad={_fmt(self.grad)})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        raise TypeError("a Value has no truth value (it is a graph node); compare v.data instead")

    def _repr_svg_(self) -> str:
        """Jupyter display: the graph drawn by ``viz`` (imported lazily); never raises."""
        import viz

        return viz.notebook_svg(self)

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants: nodes with no operands."""
        return not self.children

    def edges(self) -> Iterator[tuple[Value, float]]:
        """Yield ``(child, local_grad)`` pairs: one per operand occurrence, in order."""
        return zip(self.children, self.local_grads)

    # ------------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Operand) -> Value:
        """a + b; d/da = 1, d/db = 1."""
        if other.__class__ is not Value:
            other = _const(other, "+")
        return _result(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __radd__(self, other: Number) -> Value:
        """number + Value: the number stays the first operand, as written (drawings, explain)."""
        return _const(other, "+") + self

    def __sub__(self, other: Operand) -> Value:
        """a - b; d/da = 1, d/db = -1."""
        if other.__class__ is not Value:
            other = _const(other, "-")
        return _result(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other: Number) -> Value:
        return _const(other, "-") - self

    def __mul__(self, other: Operand) -> Value:
        """a * b; d/da = b, d/db = a."""
        if other.__class__ is not Value:
            other = _const(other, "*")
        return _result(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __rmul__(self, other: Number) -> Value:
        """number * Value, e.g. ``0.5 * err``: operands recorded in the order written."""
        return _const(other, "*") * self

    def __truediv__(self, other: Operand) -> Value:
        """a / b; d/da = 1/b, d/db = -a/b^2. Division by zero raises ZeroDivisionError."""
        if other.__class__ is not Value:
            other = _const(other, "/")
        b = other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {_fmt(self.data)} / {_fmt(b)}")
        out = self.data / b  # not a * (1/b): that can differ from a / b in the last digit
        return _result(out, (self, other), (1.0 / b, -out / b), "/")

    def __rtruediv__(self, other: Number) -> Value:
        return _const(other, "/") / self

    def __neg__(self) -> Value:
        """-a; d/da = -1."""
        return _result(-self.data, (self,), (-1.0,), "neg")

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Operand) -> Value:
        """a ** p. For a number p: d/da = p a^(p-1). For a Value p: also d/dp = a^p ln a (a > 0)."""
        if isinstance(exponent, Value):
            return _pow_value(self, exponent)
        p = _as_float(exponent, "exponent")
        a = self.data
        out = _checked_pow(a, p)
        if p == 0.0:
            local = 0.0
        elif a == 0.0 and p < 1.0:
            local = math.inf  # the slope of sqrt-like powers is vertical at 0
        else:
            local = p * _checked_pow(a, p - 1.0)
        return _result(out, (self,), (local,), f"**{_short(p)}")

    def __rpow__(self, base: Number) -> Value:
        """number ** Value, e.g. ``2 ** x``; d/dx = 2^x ln 2."""
        return _pow_value(_const(base, "**"), self)

    # ------------------------------------------------------------------------- functions
    def exp(self) -> Value:
        """e^x; d/dx = e^x. Raises OverflowError (naming exp and x) when e^x exceeds a float."""
        x = self.data
        if x > _EXP_LIMIT:
            raise OverflowError(
                f"exp({_fmt(x)}) overflows a float (exp needs x <= {_EXP_LIMIT:.2f})"
            )
        out = math.exp(x)
        return _result(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """Natural log; d/dx = 1/x. Raises ValueError for x <= 0."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log({_fmt(x)}) is undefined: log needs x > 0")
        return _result(math.log(x), (self,), (1.0 / x,), "log")

    def sqrt(self) -> Value:
        """Square root; d/dx = 1/(2 sqrt x), +inf at 0. Raises ValueError for x < 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt({_fmt(x)}) is undefined: sqrt needs x >= 0")
        out = math.sqrt(x)
        return _result(out, (self,), (0.5 / out if out else math.inf,), "sqrt")

    def abs(self) -> Value:
        """|x|; d/dx = sign(x), with abs'(0) = 0."""
        x = self.data
        return _result(abs(x), (self,), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,), "abs")

    __abs__ = abs

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh^2 x. Never overflows."""
        t = math.tanh(self.data)
        return _result(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x); d/dx = s (1 - s). Stable: sigmoid(-1000) = 0.0, sigmoid(1000) = 1.0."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _result(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (relu'(0) = 0)."""
        x = self.data
        if x > 0.0:
            return _result(x, (self,), (1.0,), "relu")
        return _result(0.0, (self,), (0.0,), "relu")

    def leaky_relu(self, alpha: float = 0.01) -> Value:
        """x for x > 0, else alpha x; d/dx = 1 or alpha (alpha at 0)."""
        alpha = _as_float(alpha, "leaky_relu alpha")
        x = self.data
        if x > 0.0:
            return _result(x, (self,), (1.0,), "leaky_relu")
        return _result(alpha * x, (self,), (alpha,), "leaky_relu")

    def elu(self, alpha: float = 1.0) -> Value:
        """x for x > 0, else alpha (e^x - 1); d/dx = 1 or alpha e^x (alpha at 0)."""
        alpha = _as_float(alpha, "elu alpha")
        x = self.data
        if x > 0.0:
            return _result(x, (self,), (1.0,), "elu")
        e = math.exp(x)
        return _result(alpha * (e - 1.0), (self,), (alpha * e,), "elu")

    def softplus(self) -> Value:
        """ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|); d/dx = sigmoid(x). Never overflows."""
        x = self.data
        e = math.exp(-abs(x))
        out = (x if x > 0.0 else 0.0) + math.log1p(e)
        local = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        return _result(out, (self,), (local,), "softplus")

    def sin(self) -> Value:
        """sin x; d/dx = cos x."""
        x = self.data
        return _result(math.sin(x), (self,), (math.cos(x),), "sin")

    def cos(self) -> Value:
        """cos x; d/dx = -sin x."""
        x = self.data
        return _result(math.cos(x), (self,), (-math.sin(x),), "cos")

    # ----------------------------------------------------------------------- backward pass
    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this Value: fill ``.grad`` of every node with d(self)/d(node).

        ``grad`` is the seed d(L)/d(self) (1.0 for a loss). Leaves *accumulate* across calls,
        like PyTorch: calling ``backward()`` twice doubles every leaf's grad, so call
        ``zero_grad()`` (or an optimizer's) between steps. Intermediate nodes are reset at the
        start of each call and hold the gradient of the latest pass.
        """
        from microgrid.graph import backward

        backward(self, grad)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of the graph rooted here (leaves included)."""
        from microgrid.graph import topological_order

        for node in topological_order(self):
            node.grad = 0.0


def _result(data: float, children: tuple, local_grads: tuple, op: str) -> Value:
    """Make an op's result without re-validating ``data`` (the hot path of every op)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    enabled, out.scope = _get_mode()
    if enabled:
        out.children = children
        out.local_grads = local_grads
    else:
        out.children = ()
        out.local_grads = ()
    out.op = op
    out.label = ""
    return out


def _const(x: object, op: str = "") -> Value:
    """Wrap a plain number that appeared as an operand of ``op`` (``x * 2``) as a constant leaf."""
    if type(x) is not float:  # the message is only built when it is needed
        if isinstance(x, Value):  # a subclass of Value is an operand, not a number
            return x
        x = _as_float(x, f"the operand of {op}" if op else "operand")
    out = _new(Value)  # as _result does, minus a call: constants are made on the hot path
    out.data = x
    out.grad = 0.0
    out.children = out.local_grads = ()
    out.op = "const"
    out.label = ""
    out.scope = _get_mode()[1]
    return out


def _short(p: float) -> str:
    """An exponent as short text for op names: 2.0 -> '2', 0.5 -> '0.5'."""
    return str(int(p)) if p.is_integer() and abs(p) < 1e15 else repr(p)


def _checked_pow(a: float, p: float) -> float:
    """a ** p as a real float, with errors that name pow and its operands."""
    if a < 0.0 and not p.is_integer():
        raise ValueError(
            f"pow: {_fmt(a)} ** {p!r} is complex (a negative base needs an integer exponent)"
        )
    if a == 0.0 and p < 0.0:
        raise ZeroDivisionError(f"pow: 0 ** {p!r} divides by zero")
    try:
        return a**p
    except OverflowError:
        raise OverflowError(f"pow: {_fmt(a)} ** {p!r} overflows a float") from None


def _pow_value(base: Value, exponent: Value) -> Value:
    """base ** exponent with both Values: d/dbase = p a^(p-1), d/dp = a^p ln a (needs a > 0)."""
    a, p = base.data, exponent.data
    if a < 0.0:
        raise ValueError(
            f"pow: {_fmt(a)} ** Value({_fmt(p)}) needs a base > 0: "
            "its derivative with respect to the exponent is a^p ln a"
        )
    out = _checked_pow(a, p)
    if a == 0.0:
        if p <= 0.0:
            raise ZeroDivisionError(f"pow: 0 ** {p!r} is undefined at a Value exponent")
        d_base = math.inf if p < 1.0 else (0.0 if p > 1.0 else 1.0)
        d_exp = 0.0  # a^p ln a -> 0 as a -> 0+ for p > 0
    else:
        d_base = p * _checked_pow(a, p - 1.0)
        d_exp = out * math.log(a)
    return _result(out, (base, exponent), (d_base, d_exp), "**")


def _pick(a: Operand, b: Operand, take_a: bool, op: str) -> Value:
    a = a if a.__class__ is Value else _const(a, op)
    b = b if b.__class__ is Value else _const(b, op)
    if take_a:
        return _result(a.data, (a, b), (1.0, 0.0), op)
    return _result(b.data, (a, b), (0.0, 1.0), op)


def max(a: Operand, b: Operand) -> Value:  # noqa: A001 - mirrors the builtin on purpose
    """The larger of a and b; the whole gradient goes to the chosen operand (``a`` on a tie)."""
    a_data = a.data if isinstance(a, Value) else _as_float(a, "max operand")
    b_data = b.data if isinstance(b, Value) else _as_float(b, "max operand")
    return _pick(a, b, a_data >= b_data, "max")


def min(a: Operand, b: Operand) -> Value:  # noqa: A001 - mirrors the builtin on purpose
    """The smaller of a and b; the whole gradient goes to the chosen operand (``a`` on a tie)."""
    a_data = a.data if isinstance(a, Value) else _as_float(a, "min operand")
    b_data = b.data if isinstance(b, Value) else _as_float(b, "min operand")
    return _pick(a, b, a_data <= b_data, "min")
