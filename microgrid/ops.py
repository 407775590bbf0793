"""The one table of ops: each op's name, arity, symbols and parameter, read by everything else.

The engine (``microgrid.engine``) computes each op and its derivative; this table says how an op
is *written*, so the naming of nodes, the drawing's markers, the stepper's equations, the CLI's
expression language, ``nn.ACTIVATIONS`` and the property tests' strategies all read one place
and a new op cannot be half-added.

What ``Value.op`` holds (the choice, and why): an ``Op``, which is a ``str`` subclass. Its text
is what a learner reads (``"+"``, ``"tanh"``, ``"**2"``), so ``node.op == "tanh"`` and
``f"{node.op}"`` keep working, and its attributes are the table entry: ``op.name`` (the table
key, e.g. ``"pow"`` for ``x ** 2``), ``op.arity``, ``op.infix``, ``op.symbol`` and ``op.param``
(the exponent of ``x ** p``, the alpha of ``leaky_relu``/``elu``; ``None`` for ops without one).
An op with a parameter is *interned*: every ``x ** 2`` shares one ``Op`` object, so a node keeps
one reference in its existing ``op`` slot and no node grows a slot for parameters. Parameters
are data, never parsed back out of the text.

Equal text means equal ``str``: ``leaky_relu`` with alpha 0.01 and with 0.2 both compare equal to
``"leaky_relu"``; compare ``op.param`` to tell them apart.
"""

from __future__ import annotations

import numbers
from typing import Literal

from microgrid.formatting import exact

Kind = Literal["leaf", "infix", "prefix", "function"]

#: Interned ops (parametrised or custom) kept at most; beyond it an op is made per call.
MAX_INTERNED = 4096


class Op(str):
    """An op of the table: its text (the ``str`` itself) plus how it is written and called.

    Attributes:
        name: the table key ("+", "pow", "leaky_relu"); unique, unlike the text ("**2", "**3").
        arity: how many operands a node of this op has (0 for leaves and constants).
        kind: "leaf" (inputs, constants), "infix" (``a + b``), "prefix" (``-a``) or
            "function" (``tanh(a)``, ``max(a, b)``).
        infix: the operator between operands in a node's name (``w5·out_h1``), "" if none.
        symbol: the op's marker in a drawing (``×`` for ``*``, ``x^2`` for ``**2``).
        word: how the op is called in Python and in the CLI's expressions ("tanh", "max"), ""
            for operators.
        param_name: what the parameter is ("exponent", "alpha"), "" for ops without one.
        param: the parameter's value on an interned op (``None`` on a table entry).
        activation: True for the functions ``nn`` offers as a neuron's activation.
    """

    name: str
    arity: int
    kind: Kind
    infix: str
    symbol: str
    word: str
    param_name: str
    param: float | None
    activation: bool

    def __new__(
        cls,
        name: str,
        arity: int,
        kind: Kind,
        *,
        infix: str = "",
        symbol: str = "",
        word: str = "",
        param_name: str = "",
        activation: bool = False,
        text: str | None = None,
        param: float | None = None,
    ) -> Op:
        op = super().__new__(cls, name if text is None else text)
        op.name, op.arity, op.kind = name, arity, kind
        op.infix, op.symbol, op.word = infix, symbol or name, word
        op.param_name, op.param, op.activation = param_name, param, activation
        return op

    def __reduce__(self) -> tuple[object, ...]:  # pickle and copy as the interned entry
        return (_unpickle, (self.name, self.param))

    @property
    def param_text(self) -> str:
        """The parameter as short text ("2" for the exponent of ``x ** 2``), "" without one."""
        return "" if self.param is None else exact(self.param)

    def with_param(self, value: float) -> Op:
        """This op with its parameter set (``POW.with_param(2.0)`` is ``"**2"``), interned."""
        if not self.param_name:
            raise ValueError(f"the op {self.name!r} takes no parameter, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"the {self.param_name} of {self.name} must be a real number, "
                f"got {type(value).__name__}: {value!r}"
            )
        value = float(value)
        key = (self.name, value)
        op = _interned.get(key)
        if op is None:
            text = f"**{exact(value)}" if self.name == "pow" else str(self)
            symbol = f"x^{exact(value)}" if self.name == "pow" else self.symbol
            op = Op(
                self.name,
                self.arity,
                self.kind,
                infix=self.infix,
                symbol=symbol,
                word=self.word,
                param_name=self.param_name,
                activation=self.activation,
                text=text,
                param=value,
            )
            if len(_interned) < MAX_INTERNED:
                _interned[key] = op
        return op


_interned: dict[tuple[str, float | None], Op] = {}


# --------------------------------------------------------------------------------- the table
LEAF = Op("", 0, "leaf")  # an input or parameter: a Value made from a number
CONST = Op("const", 0, "leaf")  # a number written in an expression (the 2 in ``x * 2``)

ADD = Op("+", 2, "infix", infix=" + ")
SUB = Op("-", 2, "infix", infix=" \u2212 ", symbol="\u2212")
MUL = Op("*", 2, "infix", infix="\u00b7", symbol="\u00d7")
DIV = Op("/", 2, "infix", infix="/", symbol="\u00f7")
POW_VALUE = Op("**", 2, "infix", infix="^", symbol="x^y")  # Value ** Value, number ** Value
POW = Op("pow", 1, "infix", infix="^", symbol="x^p", param_name="exponent")  # Value ** number
NEG = Op("neg", 1, "prefix", infix="\u2212", symbol="\u2212x")

EXP = Op("exp", 1, "function", word="exp")
LOG = Op("log", 1, "function", word="log")
SQRT = Op("sqrt", 1, "function", word="sqrt")
ABS = Op("abs", 1, "function", word="abs")
SIGMOID = Op("sigmoid", 1, "function", word="sigmoid", activation=True)
TANH = Op("tanh", 1, "function", word="tanh", activation=True)
RELU = Op("relu", 1, "function", word="relu", activation=True)
LEAKY_RELU = Op("leaky_relu", 1, "function", word="leaky_relu", param_name="alpha", activation=True)
ELU = Op("elu", 1, "function", word="elu", param_name="alpha", activation=True)
SOFTPLUS = Op("softplus", 1, "function", word="softplus", activation=True)
SIN = Op("sin", 1, "function", word="sin")
COS = Op("cos", 1, "function", word="cos")
MAXIMUM = Op("max", 2, "function", word="max")  # microgrid.maximum(a, b)
MINIMUM = Op("min", 2, "function", word="min")  # microgrid.minimum(a, b)

#: Every op by name, in the order the docs list them.
TABLE: dict[str, Op] = {
    op.name: op
    for op in (
        *(LEAF, CONST, ADD, SUB, MUL, DIV, POW_VALUE, POW, NEG),
        *(EXP, LOG, SQRT, ABS, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTPLUS, SIN, COS),
        *(MAXIMUM, MINIMUM),
    )
}
#: The ops a computed node can have (every op but leaves and constants).
COMPUTED: tuple[Op, ...] = tuple(op for op in TABLE.values() if op.arity)
#: The ops called by name, as ``tanh(x)`` or ``max(a, b)``.
FUNCTIONS: tuple[Op, ...] = tuple(op for op in TABLE.values() if op.kind == "function")


def _unpickle(name: str, param: float | None) -> Op:
    op = TABLE.get(name)
    if op is None:  # a custom op
        return lookup(name)
    return op if param is None else op.with_param(param)


def lookup(op: str) -> Op:
    """The table entry for an op given as text ("tanh", "+"); other text becomes a custom op.

    A custom op (a learner's own node, ``Value(..., op="swish")``) is drawn and named like a
    function. Ops with a parameter need it: pass ``POW.with_param(2.0)``, not ``"pow"``.
    """
    if isinstance(op, Op):
        if op.param_name and op.param is None:
            raise ValueError(
                f"the op {op.name!r} needs its {op.param_name}: "
                f"pass microgrid.ops.{_CONSTANT_NAME[op.name]}.with_param(value)"
            )
        return op
    if not isinstance(op, str):
        raise TypeError(f"op must be a str or an ops.Op, got {type(op).__name__}: {op!r}")
    entry = TABLE.get(op)
    if entry is None:  # interned too, so a graph of custom nodes holds one Op per name
        if not op.isprintable():  # control characters would reach terminals, DOT and pages
            raise ValueError(
                f"a custom op name must be printable text (no control characters, newlines or "
                f"lone surrogates), got {op!r}"
            )
        entry = _interned.get((op, None))
        if entry is None:
            entry = Op(op, 0, "function", word=op)
            if len(_interned) < MAX_INTERNED:
                _interned[(op, None)] = entry
        return entry
    if entry.param_name:
        raise ValueError(
            f"the op {op!r} needs its {entry.param_name}: "
            f"pass microgrid.ops.{_CONSTANT_NAME[op]}.with_param(value)"
        )
    return entry


_CONSTANT_NAME = {"pow": "POW", "leaky_relu": "LEAKY_RELU", "elu": "ELU"}
