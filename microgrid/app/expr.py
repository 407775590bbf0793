"""A safe expression language for the CLI: ``"tanh(x*w + b)"`` -> a Value graph, never ``eval``.

The text is parsed with Python's ``ast`` and every node is checked against a whitelist before
anything is built:

- names (variables, given values by the caller), int and float literals;
- ``+ - * / **`` and unary ``-`` / ``+``;
- calls of the functions in the table of ops (``microgrid.ops``): exp log sqrt abs sigmoid
  tanh relu leaky_relu elu softplus sin cos (one argument; leaky_relu and elu take an optional
  number alpha) and max min (two).

Everything else (attribute access, subscripts, other calls, keywords, lambdas, comprehensions,
comparisons, strings, imports) is refused with an ``ExpressionError`` naming what was found and
where. So are expressions longer than ``MAX_LENGTH`` characters, nested deeper than
``MAX_DEPTH``, and number exponents larger than ``MAX_EXPONENT`` in size.

>>> from microgrid.app.expr import build
>>> y, leaves = build("tanh(x*w + b)", {"x": 0.5, "w": -1.2, "b": 0.3})
>>> round(y.data, 4), sorted(leaves)
(-0.2913, ['b', 'w', 'x'])
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import TypeGuard, cast

from microgrid import engine, ops
from microgrid.engine import Value

MAX_LENGTH = 2000
MAX_DEPTH = 200
MAX_EXPONENT = 1000.0

#: Functions an expression may call (the table's functions), by how many Values each takes;
#: the ones with a parameter (leaky_relu, elu) take an optional number alpha as well.
UNARY = tuple(op.word for op in ops.FUNCTIONS if op.arity == 1 and not op.param_name)
WITH_ALPHA = tuple(op.word for op in ops.FUNCTIONS if op.arity == 1 and op.param_name)
BINARY = tuple(op.word for op in ops.FUNCTIONS if op.arity == 2)
FUNCTIONS = UNARY + WITH_ALPHA + BINARY
#: How the binary functions are built (the CLI keeps the words max and min).
_PAIRS = {ops.MAXIMUM.word: engine.maximum, ops.MINIMUM.word: engine.minimum}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class ExpressionError(ValueError):
    """The expression is not in the whitelisted language; the message says what and where."""


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return f" at column {col + 1}" if col is not None else ""


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "indexing (a[i])",
        ast.Lambda: "lambda",
        ast.ListComp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.Compare: "a comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: "an assignment (:=)",
        ast.Starred: "*unpacking",
        ast.JoinedStr: "an f-string",
        ast.Await: "await",
        ast.Yield: "yield",
    }
    for kind, text in names.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        return f"a {type(node).__name__.lower()} literal"
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r} (only int and float numbers are allowed)"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__} (only + - * / ** are allowed)"
    if isinstance(node, ast.UnaryOp):
        return f"the unary operator {type(node.op).__name__} (only - and + are allowed)"
    return type(node).__name__


def parse(text: str) -> ast.expr:
    """Parse and check ``text``; return the expression's AST (only whitelisted nodes)."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )
    if "\n" in text.strip() or "\r" in text:
        raise ExpressionError("the expression must be on one line")
    # Refuse deep nesting before Python's parser sees it (it recurses too).
    depth = max_depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            max_depth = max(max_depth, depth)
        elif ch in ")]}":
            depth -= 1
    if max_depth > MAX_DEPTH:
        raise ExpressionError(f"the expression nests {max_depth} brackets deep; limit {MAX_DEPTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"not a valid expression{col}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"the expression cannot be parsed: {exc}") from None
    _check(tree.body, 0)
    return tree.body


def _is_number(value: object) -> TypeGuard[int | float]:
    """A literal int or float (not a bool, complex or string)."""
    return type(value) in (int, float)


def _number(node: ast.AST) -> float | None:
    """The value of a literal number, possibly signed (``2``, ``-0.5``); None otherwise."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if isinstance(node.op, ast.USub):
            sign = -sign
        node = node.operand
    if isinstance(node, ast.Constant) and _is_number(node.value):
        try:
            return sign * float(node.value)
        except OverflowError:  # too large for a float: _check says so
            return None
    return None


def _check(node: ast.AST, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError(
            f"the expression is nested more than {MAX_DEPTH} levels deep "
            "(each operator of a chain like a+b+c+... counts one level)"
        )
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
        return
    if isinstance(node, ast.Constant):
        if not _is_number(node.value):
            raise ExpressionError(f"{_describe(node)}{_where(node)} is not allowed")
        try:
            finite = math.isfinite(float(node.value))
        except OverflowError:  # an int literal of 309 digits or more
            digits = len(str(abs(node.value)))
            raise ExpressionError(
                f"the number{_where(node)} ({digits} digits) is too large for a float"
            ) from None
        if not finite:
            raise ExpressionError(f"the number {node.value!r}{_where(node)} is not finite")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"{_describe(node)}{_where(node)} is not allowed")
        _check(node.operand, depth + 1)
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExpressionError(f"{_describe(node)}{_where(node)} is not allowed")
        if isinstance(node.op, ast.Pow):
            p = _number(node.right)
            if p is not None and abs(p) > MAX_EXPONENT:
                raise ExpressionError(
                    f"the exponent {p:g}{_where(node.right)} is too large "
                    f"(at most {MAX_EXPONENT:g} in size)"
                )
        _check(node.left, depth + 1)
        _check(node.right, depth + 1)
        return
    if isinstance(node, ast.Call):
        _check_call(node, depth)
        return
    raise ExpressionError(f"{_describe(node)}{_where(node)} is not allowed in an expression")


def _check_call(node: ast.Call, depth: int) -> None:
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(
            f"only the engine's functions can be called ({', '.join(FUNCTIONS)}); "
            f"found a call of {_describe(node.func)}{_where(node)}"
        )
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {name}(){_where(node)}: use one of {', '.join(FUNCTIONS)}"
        )
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments{_where(node)}")
    n = len(node.args)
    if name in UNARY and n != 1:
        raise ExpressionError(f"{name}() takes 1 argument, got {n}{_where(node)}")
    if name in BINARY and n != 2:
        raise ExpressionError(f"{name}() takes 2 arguments, got {n}{_where(node)}")
    if name in WITH_ALPHA:
        if n not in (1, 2):
            raise ExpressionError(f"{name}() takes 1 or 2 arguments, got {n}{_where(node)}")
        if n == 2 and _number(node.args[1]) is None:
            raise ExpressionError(f"{name}(x, alpha): alpha must be a number{_where(node)}")
    for arg in node.args:
        _check(arg, depth + 1)


def variables(text_or_tree: str | ast.expr) -> list[str]:
    """The variable names an expression uses, in order of first appearance."""
    tree = parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            seen.setdefault(node.id, None)
    # ast.walk is breadth-first; order by position in the text instead.
    positions: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in seen:
            key = (node.lineno, node.col_offset)
            positions[node.id] = min(positions.get(node.id, key), key)
    return sorted(seen, key=lambda name: positions[name])


def build(text: str, values: Mapping[str, float | Value]) -> tuple[Value, dict[str, Value]]:
    """Build the Value graph of ``text``; returns the result and the leaf Value of each variable.

    Each variable becomes one leaf labelled with its name (used wherever the name appears).
    Numbers in the expression become constants. Raises ``ExpressionError`` for a bad expression
    or missing variables, and the engine's own errors (``ValueError``, ``ZeroDivisionError``,
    ``OverflowError``) for maths that is undefined at the given values.
    """
    tree = parse(text)
    names = variables(tree)
    missing = [name for name in names if name not in values]
    if missing:
        raise ExpressionError(
            f"no value for {', '.join(missing)}: give one with --set {missing[0]}=NUMBER"
        )
    leaves: dict[str, Value] = {}
    for name in names:
        given = values[name]
        leaves[name] = given if isinstance(given, Value) else Value(given, label=name)
    result = _build(tree, leaves)
    if not isinstance(result, Value):
        result = engine.constant(result)
    return result, leaves


def _build(node: ast.AST, leaves: dict[str, Value]) -> Value | float:
    """Evaluate a checked AST: literals stay numbers (the engine wraps them as constants)."""
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, leaves)
        if isinstance(node.op, ast.UAdd):
            return operand
        return -operand
    if isinstance(node, ast.BinOp):
        left = _build(node.left, leaves)
        right = _build(node.right, leaves)
        op = _BINOPS[type(node.op)]
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = engine.constant(left)  # 2 * 3 is drawn too, as constants
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        return left**right
    if isinstance(node, ast.Call):
        name = cast(ast.Name, node.func).id  # _check allows calls of names only
        args = [_build(arg, leaves) for arg in node.args]
        first = args[0] if isinstance(args[0], Value) else engine.constant(args[0])
        if name in BINARY:
            return _PAIRS[name](first, args[1])
        if name in WITH_ALPHA and len(args) == 2:
            alpha = _number(node.args[1])
            return getattr(first, name)(alpha)
        return getattr(first, name)()
    raise ExpressionError(f"{_describe(node)} is not allowed")  # unreachable after _check
