"""The graph side of the engine: edges, topological order, backward, accumulation, modes, repr."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import microgrid
from microgrid import Value, backward_steps, no_grad, numerical_gradient, scope, topological_order
from microgrid.engine import backward as graph_backward


# ---------------------------------------------------------------------------- construction
@pytest.mark.parametrize("data", [3, 2.5, -0.0, Fraction(1, 4), 7])
def test_data_is_always_a_python_float(data) -> None:
    v = Value(data)
    assert type(v.data) is float and v.data == float(data)
    assert v.grad == 0.0 and type(v.grad) is float
    assert v.children == () and v.local_grads == () and v.op == "" and v.label == ""
    assert v.is_leaf


def test_numpy_scalars_are_accepted_as_data() -> None:
    np = pytest.importorskip("numpy")
    for data in (np.float64(0.25), np.float32(0.5), np.int64(3), np.int8(-2)):
        v = Value(data)
        assert type(v.data) is float and v.data == float(data)


def test_values_are_graph_nodes_hashed_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a is not b and a != b and a == a
    assert len({a, b}) == 2
    assert float(a) == 1.0
    with pytest.raises(TypeError, match="truth value"):
        bool(a)


# ------------------------------------------------------------------------ repeated operands
@pytest.mark.parametrize(
    "build, expected_data, expected_grad, locals_",
    [
        (lambda x: x * x, 9.0, 6.0, (3.0, 3.0)),
        (lambda x: x - x, 0.0, 0.0, (1.0, -1.0)),
        (lambda x: x / x, 1.0, 0.0, (1 / 3, -1 / 3)),
        (lambda x: x + x, 6.0, 2.0, (1.0, 1.0)),
    ],
    ids=["x*x", "x-x", "x/x", "x+x"],
)
def test_a_repeated_operand_gives_two_edges(build, expected_data, expected_grad, locals_) -> None:
    x = Value(3.0, label="x")
    y = build(x)
    assert y.children == (x, x)
    assert y.local_grads == pytest.approx(locals_, rel=1e-15)
    assert y.data == expected_data
    y.backward()
    assert x.grad == pytest.approx(expected_grad, abs=1e-15)
    assert topological_order(y) == [x, y]


def test_repeated_operands_deeper_in_the_graph() -> None:
    a = Value(0.7, label="a")
    b = a * a  # 2 edges to a
    c = b + a  # b and a again
    y = c * b  # b twice through different paths
    y.backward()

    def f(t: float) -> float:
        return (t * t + t) * (t * t)

    assert a.grad == pytest.approx(numerical_gradient(f, [0.7])[0], rel=1e-8)
    assert y.children == (c, b) and c.children == (b, a) and b.children == (a, a)


# ------------------------------------------------------------------------ topological order
def test_topological_order_is_children_first_in_operand_order() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d.tanh()
    assert topological_order(e) == [a, b, c, d, e]


def test_topological_order_is_the_same_every_time_and_for_a_rebuilt_graph() -> None:
    def build() -> Value:
        xs = [Value(float(i), label=f"x{i}") for i in range(5)]
        h = [(xs[i] * xs[(i + 1) % 5] + xs[(i + 2) % 5]).tanh() for i in range(5)]
        return sum(h[i] * h[(i + 3) % 5] for i in range(5))

    root = build()
    once = topological_order(root)
    assert topological_order(root) == once
    again = topological_order(build())
    assert [(n.op, n.label, n.data) for n in once] == [(n.op, n.label, n.data) for n in again]


def test_topological_order_refuses_a_non_value() -> None:
    with pytest.raises(TypeError, match="topological_order needs a Value, got float"):
        topological_order(1.0)


# -------------------------------------------------------------- backward and its accumulation
def _expression(x: Value, w: Value, b: Value) -> Value:
    return (x * w + b).tanh() * w


def test_backward_matches_finite_differences() -> None:
    x, w, b = Value(0.5), Value(-1.2), Value(0.3)
    _expression(x, w, b).backward()
    numeric = numerical_gradient(lambda *v: _expression(*map(Value, v)), [0.5, -1.2, 0.3])
    assert [x.grad, w.grad, b.grad] == pytest.approx(numeric, rel=1e-7)


def test_two_backward_calls_accumulate_twice_the_gradient_in_leaves() -> None:
    x, w, b = Value(0.5), Value(-1.2), Value(0.3)
    y = _expression(x, w, b)
    inner = y.children[0]  # the tanh node: an intermediate value
    y.backward()
    inner_once = inner.grad
    y.backward()
    numeric = numerical_gradient(lambda *v: _expression(*map(Value, v)), [0.5, -1.2, 0.3])
    assert [x.grad, w.grad, b.grad] == pytest.approx([2 * n for n in numeric], rel=1e-7)
    # intermediate nodes hold the gradient of the latest pass (they are reset per call)
    assert inner.grad == inner_once
    assert y.grad == 1.0


def test_zero_grad_then_backward_gives_one_pass() -> None:
    x, w, b = Value(0.5), Value(-1.2), Value(0.3)
    y = _expression(x, w, b)
    y.backward()
    first = (x.grad, w.grad, b.grad)
    y.backward()
    y.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(y))
    y.backward()
    assert (x.grad, w.grad, b.grad) == first


def test_backward_seed_scales_every_gradient() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(3.0)
    assert y.grad == 3.0 and x.grad == 12.0


def test_backward_seed_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="seed grad"):
        (Value(1.0) * 2).backward("1")


def test_backward_of_a_leaf_sets_its_own_grad() -> None:
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


# --------------------------------------------------------------------------- backward_steps
def test_backward_steps_to_the_end_equals_backward_on_every_node() -> None:
    def build() -> Value:
        a, b = Value(0.3, label="a"), Value(-0.8, label="b")
        return ((a * b).sigmoid() + a * a).log()

    one, two = build(), build()
    one.backward()
    steps = list(backward_steps(two))
    order_one, order_two = topological_order(one), topological_order(two)
    assert [n.grad for n in order_one] == [n.grad for n in order_two]
    # The steps run in the order backward() uses (first operand's branch first).
    assert [s.node for s in steps] == graph_backward(two)[::-1]


def test_backward_steps_are_lazy_and_describe_each_edge() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = a * b
    steps = backward_steps(y)
    first = next(steps)
    assert first.index == 0 and first.node is y and first.grad == 1.0
    assert [
        (c.child, c.local_grad, c.contribution, c.child_grad_after) for c in first.contributions
    ] == [
        (a, 3.0, 3.0, 3.0),
        (b, 2.0, 2.0, 2.0),
    ]
    rest = list(steps)
    assert [s.node for s in rest] == [a, b]  # first operand first
    assert all(s.contributions == () for s in rest)  # leaves push nothing further


def test_backward_steps_show_accumulation_into_a_shared_child() -> None:
    x = Value(3.0, label="x")
    y = x * x
    [step, _] = list(backward_steps(y))
    assert [c.child_grad_after for c in step.contributions] == [3.0, 6.0]


# ----------------------------------------------------------------------------------- no_grad
def test_no_grad_records_no_children_and_backward_propagates_nothing() -> None:
    x = Value(2.0, label="x")
    assert microgrid.is_grad_enabled()
    with no_grad():
        assert not microgrid.is_grad_enabled()
        y = (x * 3 + 1).tanh()
        z = microgrid.maximum(x, 1.0) ** 2
    assert microgrid.is_grad_enabled()
    for out in (y, z):
        assert out.children == () and out.local_grads == () and out.is_leaf
    assert y.data == math.tanh(7.0) and z.data == 4.0
    y.backward()
    assert x.grad == 0.0


def test_no_grad_nests_and_restores_after_an_error() -> None:
    with no_grad():
        with no_grad():
            pass
        assert not microgrid.is_grad_enabled()
    assert microgrid.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert microgrid.is_grad_enabled()
    assert (Value(1.0) * 2).children != ()


# ------------------------------------------------------------------------------------ scope
def test_scope_tags_every_value_created_inside_with_a_dotted_path() -> None:
    x = Value(1.0)
    with scope("mlp") as outer:
        w = Value(0.5, label="w")
        with scope("layer0"):
            with scope("neuron1") as path:
                y = (w * x + 1).relu()
        z = y * 2
    after = z + 1
    assert outer == "mlp" and path == "mlp.layer0.neuron1"
    assert x.scope == "" and after.scope == ""
    assert w.scope == "mlp" and z.scope == "mlp"
    assert y.scope == "mlp.layer0.neuron1"
    assert all(n.scope == "mlp.layer0.neuron1" for n in topological_order(y) if n not in (x, w))


def test_scope_restores_after_an_error_and_refuses_bad_names() -> None:
    with pytest.raises(ValueError):
        with scope("a"):
            Value(-1.0).log()
    assert Value(1.0).scope == ""
    for bad in ("", None, 3):
        with pytest.raises(TypeError, match="scope name"):
            with scope(bad):
                pass


# ------------------------------------------------------------------------------ repr, edges
def test_repr_is_short_and_useful() -> None:
    w5 = Value(0.4, label="w5")
    w5.grad = 0.0822
    assert repr(w5) == "Value(label='w5', data=0.4000, grad=0.0822)"
    assert repr(Value(-2.5)) == "Value(data=-2.5000, grad=0.0000)"
    assert repr(Value(1.5e-7)) == "Value(data=1.500e-07, grad=0.0000)"  # microgrid.formatting
    assert repr(Value(2e9, label="big")) == "Value(label='big', data=2.000e+09, grad=0.0000)"


def test_edges_pair_each_child_with_its_local_derivative() -> None:
    a, b = Value(2.0), Value(5.0)
    y = a * b
    assert list(y.edges()) == [(a, 5.0), (b, 2.0)]
    assert list(a.edges()) == []


# ----------------------------------------------------------------------- a very deep graph
@pytest.mark.slow
def test_a_million_node_chain_runs_forward_and_backward() -> None:
    n = 1_000_000
    x = Value(0.5, label="x")
    y = x
    for _ in range(n - 1):
        y = -y
    order = topological_order(y)
    assert len(order) == n and order[0] is x and order[-1] is y
    y.backward()
    assert x.grad == -1.0  # (-1) ** 999_999
    assert y.data == -0.5
    y.zero_grad()
    assert x.grad == 0.0


@pytest.mark.slow
def test_a_million_node_chain_of_mixed_ops() -> None:
    # Each link multiplies by c and goes through exp and log: y -> log(exp(c y)) = c y, so the
    # gradient is c ** 250_000 (about 1.0253), far from underflow, and checked against the
    # chain rule done with plain floats, link by link.
    c = 1.0 + 1e-7
    x = Value(0.3)
    y = x
    for _ in range(250_000):  # 4 nodes per link (the constant c is a node)
        y = (y * c).exp().log()
    assert len(topological_order(y)) == 1_000_001
    y.backward()
    value, slope = 0.3, 1.0
    for _ in range(250_000):
        u = value * c
        e = math.exp(u)
        value = math.log(e)
        slope *= c * e * (1.0 / e)  # d(u)/dy, d(exp)/du, d(log)/d(exp), as the engine has them
    assert y.data == value
    assert x.grad == pytest.approx(slope, rel=1e-9)  # products taken in another order
    assert x.grad == pytest.approx(c**250_000, rel=1e-6)


def test_a_subclass_of_value_is_an_operand_not_a_number() -> None:
    class Parameter(Value):
        __slots__ = ()

    x, p = Value(2.0), Parameter(3.0, label="p")
    y = x * p + p - x / p + x**p + microgrid.maximum(p, x) + microgrid.minimum(x, p)
    assert all(node.op != "const" for node in topological_order(y))
    y.backward()
    numeric = numerical_gradient(
        lambda a, b: a * b + b - a / b + a**b + max(a, b) + min(a, b), [2.0, 3.0]
    )
    assert [x.grad, p.grad] == pytest.approx(numeric, rel=1e-7)
