"""Random expression DAGs with shared subexpressions: backward() against finite differences.

The DAGs come from ``strategies.expression_dags``; their domains are kept by construction, so
the tolerances stay tight (gradcheck's rtol 1e-5 / atol 1e-6 with eps 1e-6).
"""

from __future__ import annotations

import math

from hypothesis import given
from strategies import FLOAT_OPS, MICROGRID_OPS, build_values, evaluate, expression_dags

import microgrid
from microgrid import Value, backward_steps, gradcheck, topological_order
from microgrid.engine import backward as graph_backward


@given(expression_dags())
def test_backward_agrees_with_finite_differences_on_every_leaf(dag):
    result = gradcheck(lambda *xs: evaluate(dag, xs, MICROGRID_OPS), dag.leaves)
    assert result, f"{dag!r}\n{result}"
    assert len(result.rows) == len(dag.leaves)


@given(expression_dags())
def test_forward_matches_plain_float_math(dag):
    _, root = build_values(dag)
    expected = evaluate(dag, dag.leaves, FLOAT_OPS)
    assert math.isclose(root.data, expected, rel_tol=1e-12, abs_tol=1e-12)


@given(expression_dags(min_leaves=2, max_nodes=16))
def test_two_backward_calls_double_the_leaf_gradients(dag):
    leaves, root = build_values(dag)
    root.backward()
    once = [leaf.grad for leaf in leaves]
    root.backward()
    # the second pass adds its edge contributions one by one onto the first total, so the
    # result is 2x up to the rounding of that summation order
    for leaf, g in zip(leaves, once):
        assert math.isclose(leaf.grad, 2.0 * g, rel_tol=1e-12, abs_tol=1e-15)
    # and "once" itself is the finite-difference gradient
    numeric = microgrid.numerical_gradient(
        lambda *xs: evaluate(dag, xs, FLOAT_OPS), list(dag.leaves)
    )
    for g, n in zip(once, numeric):
        assert math.isclose(g, n, rel_tol=1e-5, abs_tol=1e-6)


@given(expression_dags())
def test_zero_grad_clears_every_node(dag):
    _, root = build_values(dag)
    root.backward()
    root.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(root))


@given(expression_dags())
def test_backward_steps_equals_backward_on_every_node(dag):
    _, root_a = build_values(dag)
    _, root_b = build_values(dag)
    root_a.backward()
    steps = list(backward_steps(root_b))
    order_a, order_b = topological_order(root_a), topological_order(root_b)
    assert [n.grad for n in order_a] == [n.grad for n in order_b]
    # The steps visit nodes in the order backward() used, and that order is topological:
    # every node is processed before each of its operands.
    _, root_c = build_values(dag)
    used = graph_backward(root_c)
    assert [step.node.op for step in steps] == [node.op for node in reversed(used)]
    position = {node: k for k, node in enumerate(step.node for step in steps)}
    assert len(position) == len(order_b)
    for step in steps:
        for child in step.node.children:
            assert position[step.node] < position[child]
    assert [step.index for step in steps] == list(range(len(order_b)))


@given(expression_dags())
def test_topological_order_is_deterministic_and_valid(dag):
    _, root = build_values(dag)
    first, second = topological_order(root), topological_order(root)
    assert first == second
    assert first[-1] is root
    assert len(set(map(id, first))) == len(first)  # each node once
    position = {id(node): i for i, node in enumerate(first)}
    for node in first:
        for child in node.children:
            assert position[id(child)] < position[id(node)]
    # the same DAG built twice gives the same sequence of ops and values
    _, again = build_values(dag)
    rebuilt = topological_order(again)
    assert [(n.op, n.data) for n in first] == [(n.op, n.data) for n in rebuilt]


@given(expression_dags())
def test_every_edge_is_recorded_with_its_operand_occurrence(dag):
    leaves, root = build_values(dag)
    for node in topological_order(root):
        assert len(node.children) == len(node.local_grads)
        assert list(node.edges()) == list(zip(node.children, node.local_grads))
        assert all(isinstance(g, float) for g in node.local_grads)
        assert node.is_leaf == (not node.children)
    for leaf in leaves:
        assert leaf.is_leaf and leaf.op == ""


@given(expression_dags())
def test_no_grad_builds_the_same_numbers_without_a_graph(dag):
    _, root = build_values(dag)
    with microgrid.no_grad():
        leaves = [Value(x) for x in dag.leaves]
        plain = evaluate(dag, leaves, MICROGRID_OPS)
    assert plain.data == root.data
    assert plain.children == () and plain.local_grads == ()
    plain.backward()
    assert all(leaf.grad == 0.0 for leaf in leaves)
