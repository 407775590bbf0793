"""The one table of ops: every op the engine makes is in it, in the CLI's language and in the
property tests' strategies, and its parameter is data on the op, not text parsed back."""

from __future__ import annotations

import copy
import math
import pickle
import sys

import pytest
from strategies import MICROGRID_OPS, OPS

import microgrid
from microgrid import Value, ops, topological_order
from microgrid.app import expr
from microgrid.naming import expression_name
from viz.frames import equation
from viz.style import op_symbol

COMPUTED_NAMES = {op.name for op in ops.COMPUTED}


def _cli_text(op: ops.Op) -> str:
    """An expression of the CLI's language whose root is a node of ``op``."""
    if op.name == "pow":
        return "x ** 3"
    if op.name == "neg":
        return "-x"
    if op.kind == "infix":
        return f"x {op.name} y"
    operands = ", ".join(["x", "y"][: op.arity])
    return f"{op.word}({operands})"


@pytest.mark.parametrize("op", ops.COMPUTED, ids=lambda op: op.name)
def test_every_op_can_be_written_in_the_cli_expression_language(op: ops.Op) -> None:
    root, _ = expr.build(_cli_text(op), {"x": 0.7, "y": 1.3})
    assert isinstance(root.op, ops.Op) and root.op.name == op.name
    assert ops.TABLE[root.op.name] is op


def test_every_op_is_drawn_by_the_property_tests_strategies() -> None:
    made: set[str] = set()
    for name, spec in OPS.items():
        param = spec.param(0.5)
        for args in ([0.7, 1.3], [1.3, 0.7], [-0.7, 1.3]):  # one of them fits each domain
            if spec.ok(*args[: spec.arity], param):
                leaves = [Value(a) for a in args[: spec.arity]]
                root = MICROGRID_OPS[name](*leaves, param)
                made |= {node.op.name for node in topological_order(root) if node.children}
                break
        else:
            pytest.fail(f"no sample operands fit the strategy {name!r}")
    assert made == COMPUTED_NAMES, f"not drawn by the strategies: {COMPUTED_NAMES - made}"


def test_every_result_of_an_op_carries_a_table_entry() -> None:
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    results = [x + y, x - y, x * y, x / y, x**y, 2**x, x**2, -x, microgrid.maximum(x, y)]
    results += [microgrid.minimum(x, 2), x.leaky_relu(0.2), x.elu(0.5)]
    results += [getattr(x, op.word)() for op in ops.FUNCTIONS if op.arity == 1]
    for r in results:
        entry = ops.TABLE[r.op.name]
        assert r.op is entry or (r.op.param is not None and r.op.name == entry.name)
        assert len(r.children) == entry.arity
    assert (x * 2).children[1].op is ops.CONST and x.op is ops.LEAF


def test_activations_are_the_tables_activations() -> None:
    words = [op.word for op in ops.FUNCTIONS if op.activation]
    assert list(microgrid.nn.ACTIVATIONS) == [*words, "linear"]
    assert words[:2] == ["sigmoid", "tanh"]  # the order nn's error message lists them in
    for word in words:
        assert microgrid.nn.get_activation(word)(Value(0.3)).op.name == word


# --------------------------------------------------------------------- parameters are data
@pytest.mark.parametrize("p", [2.0, 3, -1, 0.5, -0.5, 1e20])
def test_the_exponent_is_data_on_the_op(p: float) -> None:
    y = Value(1.0) ** p
    assert y.op.name == "pow" and y.op.param == float(p)
    assert y.op == f"**{int(p) if float(p).is_integer() and abs(p) < 1e15 else float(p)!r}"
    assert (
        Value(1.0, label="b") ** p
    ).op is y.op  # interned: one Op per exponent, shared by every node


def test_leaky_relu_and_elu_keep_their_alpha() -> None:
    x = Value(-2.0)
    a, b, c = x.leaky_relu(0.2), x.leaky_relu(), x.elu(0.5)
    assert (a.op.param, b.op.param, c.op.param) == (0.2, 0.01, 0.5)
    assert a.op == b.op == "leaky_relu" and c.op == "elu"  # the text stays the op's name
    # a replay of the graph can recompute each result from the op and its operand alone
    assert a.data == a.op.param * x.data and c.data == c.op.param * math.expm1(x.data)


def test_a_parameter_is_never_parsed_from_text() -> None:
    x = Value(1.0, label="x")
    assert expression_name(x**2.5) == "x^2.5" and op_symbol((x**-1).op) == "x^-1"
    assert expression_name(x**1e20) == "x^1e+20"
    b, y = Value(1.5, label="b"), Value(0.5, label="y")
    assert expression_name(b**y) == "b^y"  # Value ** Value: the exponent is the second operand
    assert equation(b**y) == f"b^y = 1.5000^0.5000 = {1.5**0.5:.4f}"
    assert equation(b**2) == f"b^2 = 1.5000^2 = {1.5**2:.4f}"


def test_a_node_has_no_more_memory_than_before() -> None:
    # a two-operand node is one object, its operands and local derivatives in its own slots:
    # smaller than the layout before (seven slots plus a tuple of children and one of grads)
    class Before:
        __slots__ = ("data", "grad", "children", "local_grads", "op", "label", "scope")

    a, b = Value(1.0), Value(2.0)
    node = a * b
    before = sys.getsizeof(Before()) + sys.getsizeof((a, b)) + sys.getsizeof((2.0, 1.0))
    assert sys.getsizeof(node) < before
    assert node.children == (a, b) and node.local_grads == (2.0, 1.0)
    assert not hasattr(Value(1.0), "__dict__")
    interned = len(ops._interned)
    for _ in range(100):
        Value(3.0).leaky_relu(0.3)
    assert len(ops._interned) <= interned + 1


def test_ops_survive_copy_and_pickle_as_the_same_entry() -> None:
    y = (Value(1.5) ** 2).tanh() ** 2
    clone = copy.deepcopy(y)
    assert clone.op is y.op and clone.children[0].op is ops.TANH
    again = pickle.loads(pickle.dumps(y))
    assert again.op is y.op and again.data == y.data
    x = Value(2.0)
    swish = Value(1.0, (x,), (0.5,), "swish")
    assert pickle.loads(pickle.dumps(swish)).op is swish.op  # a learner's own op, interned


def test_ops_that_need_a_parameter_refuse_to_be_named_without_it() -> None:
    with pytest.raises(ValueError, match=r"'pow' needs its exponent: pass microgrid\.ops\.POW"):
        ops.lookup("pow")
    with pytest.raises(ValueError, match="'elu' needs its alpha"):
        Value(1.0, (Value(1.0),), (1.0,), ops.ELU)
    with pytest.raises(ValueError, match="'tanh' takes no parameter"):
        ops.TANH.with_param(1.0)
    with pytest.raises(TypeError, match="the exponent of pow must be a real number, got str"):
        ops.POW.with_param("2")  # type: ignore[arg-type]
    assert ops.POW.with_param(2) is ops.POW.with_param(2.0) == "**2"
    with pytest.raises(TypeError, match="op must be a str or an ops.Op, got int"):
        ops.lookup(3)  # type: ignore[arg-type]
