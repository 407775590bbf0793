"""The primitive ops over numpy arrays: each op's value and local derivatives, for the tape.

``microgrid.tape`` replays a traced scalar graph on arrays, one column per sample. Each kernel
here is the array form of one engine op, with the same formula, the same derivative and the
same choice at kinks as ``microgrid.engine`` (relu'(0) = 0, abs'(0) = 0, ``max``/``min`` send a
tie to the first operand, sqrt'(0) = +inf) and the same NaN rules (relu, leaky_relu, abs,
maximum and minimum pass a NaN on, never hide it), so replaying a graph gives the scalar
engine's numbers. ``tests/test_tape_ops.py`` checks every kernel against the engine op on the same
numbers, kinks included.

The layers' n-ary nodes (``max_pool``, ``maxout``, ``avg_pool``: one node per window or unit,
any number of operands) have kernels too (``LAYER_KERNELS``), with ``microgrid.pooling``'s
rules: the first arg-max wins a tie, the first NaN wins over numbers.

A kernel takes the operand arrays (and the op's parameter, the exponent of ``x ** p`` or the
alpha of ``leaky_relu``/``elu``, else None) and returns ``(out, local_0, local_1, ...)``:
the value and d(out)/d(operand) for each operand, as arrays that broadcast with ``out``.
Inputs the engine refuses (log of x <= 0, division by zero, exp overflow, ...) raise
``DomainError`` carrying the engine's wording and the offending column (the sample).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Array = np.ndarray
Kernel = Callable[..., tuple]

# exp(x) overflows a float for x above log(max float) ~ 709.78 (as the engine says).
_EXP_LIMIT = math.log(1.7976931348623157e308)


class DomainError(ArithmeticError):
    """An op met an input it is undefined for; ``sample`` is the batch column, ``kind`` the class
    of error the scalar engine raises for the same input (ValueError, ZeroDivisionError, ...)."""

    def __init__(self, message: str, where: Array, kind: type[Exception]) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        hits = np.argwhere(np.broadcast_to(where, where.shape))
        self.sample = int(hits[0][-1]) if len(hits) and where.ndim == 2 else 0
        self.value_index = tuple(int(i) for i in hits[0]) if len(hits) else ()


def _refuse(bad: Array, message: str, kind: type[Exception]) -> None:
    if bad.any():
        raise DomainError(message, bad, kind)


def add(a: Array, b: Array, _: object = None) -> tuple:
    return a + b, 1.0, 1.0


def sub(a: Array, b: Array, _: object = None) -> tuple:
    return a - b, 1.0, -1.0


def mul(a: Array, b: Array, _: object = None) -> tuple:
    return a * b, b, a


def div(a: Array, b: Array, _: object = None) -> tuple:
    _refuse(b == 0.0, "division by zero", ZeroDivisionError)
    out = a / b
    return out, 1.0 / b, -out / b


def neg(a: Array, _: object = None) -> tuple:
    return -a, -1.0


def power(a: Array, p: float) -> tuple:
    """a ** p for a number p: d/da = p a^(p-1), 0 for p = 0, +inf at a = 0 when p < 1."""
    if not float(p).is_integer():
        _refuse(a < 0.0, f"pow: a negative base ** {p!r} is complex", ValueError)
    if p < 0.0:
        _refuse(a == 0.0, f"pow: 0 ** {p!r} divides by zero", ZeroDivisionError)
    out = a**p
    if p == 0.0:
        return out, np.zeros_like(a)
    if p == 1.0:
        return out, np.ones_like(a)
    with np.errstate(divide="ignore"):
        local = p * a ** (p - 1.0)
    if p < 1.0:
        local = np.where(a == 0.0, math.inf, local)
    return out, local


def power_value(a: Array, p: Array, _: object = None) -> tuple:
    """a ** p with both operands in the graph: also d/dp = a^p ln a (needs a > 0)."""
    _refuse(a < 0.0, "pow: a negative base ** Value needs a base > 0", ValueError)
    zero = a == 0.0
    _refuse(zero & (p <= 0.0), "pow: 0 ** p is undefined at a Value exponent", ZeroDivisionError)
    out = a**p
    safe = np.where(zero, 1.0, a)
    at_zero = np.where(p < 1.0, math.inf, np.where(p > 1.0, 0.0, 1.0))
    d_base = np.where(zero, at_zero, p * safe ** (p - 1.0))
    d_exp = np.where(zero, 0.0, out * np.log(safe))
    return out, d_base, d_exp


def exp(x: Array, _: object = None) -> tuple:
    message = f"exp overflows a float (exp needs x <= {_EXP_LIMIT:.2f})"
    _refuse(x > _EXP_LIMIT, message, OverflowError)
    out = np.exp(x)
    return out, out


def log(x: Array, _: object = None) -> tuple:
    _refuse(x <= 0.0, "log is undefined: log needs x > 0", ValueError)
    return np.log(x), 1.0 / x


def sqrt(x: Array, _: object = None) -> tuple:
    _refuse(x < 0.0, "sqrt is undefined: sqrt needs x >= 0", ValueError)
    out = np.sqrt(x)
    with np.errstate(divide="ignore"):
        local = np.where(out == 0.0, math.inf, 0.5 / out)
    return out, local


def absolute(x: Array, _: object = None) -> tuple:
    return np.abs(x), np.sign(x)


def tanh(x: Array, _: object = None) -> tuple:
    t = np.tanh(x)
    return t, 1.0 - t * t


def _stable_sigmoid(x: Array) -> tuple[Array, Array]:
    """sigmoid(x) as the engine computes it, and e = exp(-|x|), which never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)), e


def sigmoid(x: Array, _: object = None) -> tuple:
    s, _e = _stable_sigmoid(x)
    return s, s * (1.0 - s)


def relu(x: Array, _: object = None) -> tuple:
    down = x <= 0.0  # NaN is neither up nor down: passed on as the engine does, never hidden
    return np.where(down, 0.0, x), np.where(down, 0.0, np.where(x > 0.0, 1.0, x))


def leaky_relu(x: Array, alpha: float) -> tuple:
    up = x > 0.0
    return np.where(up, x, alpha * x), np.where(up, 1.0, np.where(x <= 0.0, alpha, x))


def elu(x: Array, alpha: float) -> tuple:
    up = x > 0.0
    e = np.exp(np.minimum(x, 0.0))
    return np.where(up, x, alpha * (e - 1.0)), np.where(up, 1.0, alpha * e)


def softplus(x: Array, _: object = None) -> tuple:
    """max(x, 0) + ln(1 + e^-|x|); d/dx = sigmoid(x)."""
    e = np.exp(-np.abs(x))
    out = np.maximum(x, 0.0) + np.log1p(e)
    return out, np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def sin(x: Array, _: object = None) -> tuple:
    with np.errstate(invalid="ignore"):  # sin(+-inf) is NaN, as in the engine and PyTorch
        return np.sin(x), np.cos(x)


def cos(x: Array, _: object = None) -> tuple:
    with np.errstate(invalid="ignore"):
        return np.cos(x), -np.sin(x)


def _pick(a: Array, b: Array, take_a: Array) -> tuple:
    """maximum/minimum: the chosen operand gets the gradient; a NaN operand gives NaN."""
    nan = np.isnan(a) | np.isnan(b)
    out = np.where(nan, math.nan, np.where(take_a, a, b))
    local_a = np.where(nan, math.nan, np.where(take_a, 1.0, 0.0))
    return out, local_a, np.where(nan, math.nan, 1.0 - local_a)


def maximum(a: Array, b: Array, _: object = None) -> tuple:
    return _pick(a, b, a >= b)


def minimum(a: Array, b: Array, _: object = None) -> tuple:
    return _pick(a, b, a <= b)


def _window(args: tuple) -> Array:
    """The operands of n-ary window nodes stacked along a new first axis: (k, nodes, batch)."""
    return np.stack(np.broadcast_arrays(*args))


def routed_max(*args: Array) -> tuple:
    """max_pool / maxout: the largest operand, the first on a tie; a NaN operand wins (the first
    NaN), so it is passed on, as ``microgrid.pooling.first_argmax`` does. The winner gets local
    derivative 1, the others 0."""
    *operands, _param = args
    stack = _window(tuple(operands))
    nan = np.isnan(stack)
    pick = np.where(nan.any(axis=0), np.argmax(nan, axis=0), np.argmax(stack, axis=0))
    out = np.take_along_axis(stack, pick[None], axis=0)[0]
    return (out, *((pick == i).astype(np.float64) for i in range(len(operands))))


def mean_window(*args: Array) -> tuple:
    """avg_pool: (a_0 + a_1 + ... + a_k-1) / k, summed left to right as the engine's ``sum``;
    each operand gets local derivative 1/k."""
    *operands, _param = args
    total: Array | float = 0.0
    for a in operands:
        total = total + a
    k = len(operands)
    return (np.asarray(total) / k, *([1.0 / k] * k))


#: The n-ary layer ops (one node per window or unit, any number of operands), by op name.
LAYER_KERNELS: dict[str, Kernel] = {
    "max_pool": routed_max,
    "maxout": routed_max,
    "avg_pool": mean_window,
}

#: Layer ops the tape cannot replay, with the reason (their local derivatives are drawn at
#: random or depend on the data in a way the graph's structure does not record).
REFUSED = {
    "stochastic_pool": (
        "stochastic_pool2d in training mode draws one position per window at random on each "
        "call (and a window of zeros or NaN routes to one position in either mode), which a "
        "tape replaying one graph cannot reproduce: compile with training=False and windows "
        "that are not all zero, or train this model with the scalar engine"
    ),
}

#: Every computed op of the engine, by its table name, with its array kernel.
KERNELS: dict[str, Kernel] = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": div,
    "neg": neg,
    "pow": power,
    "**": power_value,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "abs": absolute,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softplus": softplus,
    "sin": sin,
    "cos": cos,
    "max": maximum,
    "min": minimum,
    **LAYER_KERNELS,
}

#: Ops whose kernel takes the op's parameter (and needs it: there is no default).
PARAMETRISED = frozenset({"pow", "leaky_relu", "elu"})
