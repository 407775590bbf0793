"""Building nodes: the Value constructor, constants, public names, and the engine's layering.

Also the backward loop's optimisations against a plain, obviously-correct reference loop.
"""

from __future__ import annotations

import ast
import builtins
import math
from pathlib import Path

import pytest
from hypothesis import given
from strategies import build_values, expression_dags

import microgrid
from microgrid import Value, constant, no_grad, ops, topological_order
from microgrid.engine import as_float, backward

PACKAGE = Path(microgrid.__file__).parent


# ------------------------------------------------------------------------ the constructor
def test_the_constructor_builds_a_result_node_that_backward_uses() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = Value(a.data * b.data, (a, b), (b.data, a.data), "*", label="y")
    assert (y.data, y.children, y.local_grads, y.label) == (6.0, (a, b), (3.0, 2.0), "y")
    assert y.op is ops.MUL and not y.is_leaf
    (y * y).backward()  # d(y^2)/da = 2 y b
    assert (a.grad, b.grad) == (2 * 6.0 * 3.0, 2 * 6.0 * 2.0)


def test_the_constructor_makes_the_same_node_as_the_op() -> None:
    x = Value(0.3, label="x")
    made = x.tanh()
    built = Value(made.data, made.children, made.local_grads, "tanh")
    assert (built.data, built.children, built.local_grads, built.op, built.label) == (
        made.data,
        made.children,
        made.local_grads,
        made.op,
        "",
    )
    assert built.op is made.op is ops.TANH


def test_the_constructor_takes_lists_and_a_parametrised_op_and_a_learners_own_op() -> None:
    x = Value(-2.0)
    y = Value(0.02 * -2.0, [x], [0.02], ops.LEAKY_RELU.with_param(0.02))
    assert y.children == (x,) and y.local_grads == (0.02,) and y.op.param == 0.02
    swish = Value(x.data * 0.5, (x,), (0.3,), "swish")
    assert swish.op == "swish" and swish.op.kind == "function"
    c = Value(2.0, op="const")
    assert c.op is ops.CONST and c.is_leaf


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda x: Value(1.0, "x"), TypeError, "children must be a tuple of Values, got str"),
        (lambda x: Value(1.0, "x"), TypeError, "pass label="),
        (lambda x: Value(1.0, (x, 2.0), (1.0, 1.0), "+"), TypeError, "children[1] must be a Value"),
        (lambda x: Value(1.0, (x,), (1.0, 2.0), "neg"), ValueError, "1 children and 2 local_grads"),
        (lambda x: Value(1.0, (x,), ("1",), "neg"), TypeError, "local_grads[0] must be a real"),
        (lambda x: Value(1.0, (x,), 1.0, "neg"), TypeError, "local_grads must be a tuple"),
        (lambda x: Value(1.0, (x,), (1.0,)), ValueError, "needs an op name"),
        (lambda x: Value(1.0, (x,), (1.0,), "+"), ValueError, "'+' takes 2 operands, got 1"),
        (lambda x: Value(1.0, (x, x), (1.0, 1.0), "pow"), ValueError, "needs its exponent"),
        (lambda x: Value(1.0, op=3), TypeError, "op must be a str"),
        (lambda x: Value(1.0, label=3), TypeError, "label must be a str"),
        (lambda x: Value("1"), TypeError, "Value data must be a real number"),
    ],
)
def test_the_constructor_refuses_a_malformed_node_by_name(build, error, words) -> None:
    x = Value(1.0)
    with pytest.raises(error) as info:
        build(x)
    assert words in str(info.value)


def test_under_no_grad_the_constructor_records_no_operands_like_every_op() -> None:
    x = Value(2.0)
    with no_grad():
        y = Value(4.0, (x,), (4.0,), ops.POW.with_param(2.0))
    assert y.children == () and y.local_grads == () and y.op == "**2"


# ------------------------------------------------------------------------ public helpers
def test_constant_wraps_numbers_and_returns_values_unchanged() -> None:
    c = constant(2)
    assert c.op is ops.CONST and c.data == 2.0 and type(c.data) is float and c.is_leaf
    x = Value(1.0)
    assert constant(x) is x
    with pytest.raises(TypeError, match="the operand of \\* must be a real number"):
        constant("2", "*")
    assert as_float(3) == 3.0 and type(as_float(3)) is float
    with pytest.raises(TypeError, match="alpha must be a real number .* got bool"):
        as_float(True, "alpha")


def test_maximum_and_minimum_keep_their_old_names_outside_all() -> None:
    assert microgrid.max is microgrid.maximum and microgrid.min is microgrid.minimum
    assert "maximum" in microgrid.__all__ and "minimum" in microgrid.__all__
    assert "max" not in microgrid.__all__ and "min" not in microgrid.__all__
    names: dict[str, object] = {}
    exec("from microgrid import *\nresult = max([3, 1, 2]), min(4, 5)", names)
    assert names["result"] == (3, 4)
    assert names.get("max", builtins.max) is builtins.max


# -------------------------------------------------------------------- one-way dependencies
def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, inside a function?) for every import of a source file."""
    tree = ast.parse(path.read_text())
    nested = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append((node.module or "", id(node) in nested))
        elif isinstance(node, ast.Import):
            found += [(alias.name, id(node) in nested) for alias in node.names]
    return found


def test_the_engine_depends_on_nothing_built_on_it() -> None:
    imports = _imports(PACKAGE / "engine.py")
    mine = {m for m, _ in imports if m.startswith("microgrid")}
    # _grad_mode comes as `from microgrid import`; formatting is a leaf that imports no microgrid
    assert mine == {"microgrid", "microgrid.ops", "microgrid.formatting"}
    assert [m for m, inside in imports if inside] == ["viz"]  # only the notebook display
    assert not (PACKAGE / "graph.py").exists()


def test_the_stepwise_backward_depends_on_the_engine_only() -> None:
    mine = {m for m, _ in _imports(PACKAGE / "stepwise.py") if m.startswith("microgrid")}
    assert mine == {"microgrid.engine"}


# -------------------------------------------- the optimised loop against a plain reference
def _reference_order(root: Value, operands) -> list[Value]:
    """Post-order depth-first search, written recursively: obviously a topological order."""
    order: list[Value] = []
    seen: set[Value] = set()

    def visit(node: Value) -> None:
        if node in seen:
            return
        seen.add(node)
        for child in operands(node.children):
            visit(child)
        order.append(node)

    visit(root)
    return order


def _reference_backward(root: Value) -> list[Value]:
    """The chain rule as plainly as it can be written, in the order the engine documents."""
    order = _reference_order(root, reversed)
    for node in order:
        if node.children:
            node.grad = 0.0
    root.grad += 1.0
    for node in reversed(order):
        for child, local in zip(node.children, node.local_grads):
            child.grad += local * node.grad
    return order


@given(expression_dags(max_nodes=16))
def test_the_optimised_backward_equals_the_plain_reference_loop(dag) -> None:
    _, fast_root = build_values(dag)
    _, plain_root = build_values(dag)
    for _ in range(2):  # twice: leaves accumulate, interior nodes are reset, in both
        fast_order = backward(fast_root)
        plain_order = _reference_backward(plain_root)
        assert [n.op for n in fast_order] == [n.op for n in plain_order]
        assert [n.data for n in fast_order] == [n.data for n in plain_order]
        # the same additions in the same order: equal to the last bit
        assert [n.grad for n in fast_order] == [n.grad for n in plain_order]
    assert topological_order(fast_root) == _reference_order(fast_root, iter)


def test_the_reference_comparison_sees_shared_operands() -> None:
    x = Value(0.5, label="x")
    y = (x * x + x).tanh() * x
    plain = _reference_backward(y)
    grad = x.grad
    x.grad = 0.0
    assert backward(y) == plain and x.grad == grad
    t = math.tanh(0.75)
    assert grad == pytest.approx((1 - t * t) * (2 * 0.5 + 1) * 0.5 + t, rel=1e-15)
