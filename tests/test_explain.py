"""``explain(root, leaf)``: every path, the product along each, their sum equals backward's grad."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgrid import Value, explain
from microgrid.app.worked_example import PARAMETERS, WorkedExample
from microgrid.explain import TooManyPathsError, count_paths


def sigmoid_slope(s: float) -> float:
    return s * (1 - s)


def test_w5_has_one_path_with_the_seeds_three_factors():
    ex = WorkedExample()
    e = explain(ex.E_total, ex.w5)
    assert len(e.paths) == 1
    factors = e.paths[0].factors()
    assert [(f.upper.label, f.lower.label) for f in factors] == [
        ("E_total", "E_o1"),
        ("E_o1", "out_o1"),
        ("out_o1", "net_o1"),
        ("net_o1", "w5"),
    ]
    o1, h1 = ex.out_o1.data, ex.out_h1.data
    expected = [1.0, -(0.01 - o1), sigmoid_slope(o1), h1]
    assert [f.value for f in factors] == pytest.approx(expected, abs=1e-15)
    assert e.total == pytest.approx(math.prod(expected), abs=1e-15)


def test_w1_has_two_paths_via_e_o1_and_e_o2_and_sums_to_the_gradient():
    ex = WorkedExample()
    e = explain(ex.E_total, ex.w1)
    assert [[v.label for v in p.nodes if v.label] for p in e.paths] == [
        ["E_total", "E_o1", "out_o1", "net_o1", "out_h1", "net_h1", "w1"],
        ["E_total", "E_o2", "out_o2", "net_o2", "out_h1", "net_h1", "w1"],
    ]
    for path in e.paths:  # the product is the product of the local derivatives on the edges
        assert path.product == pytest.approx(math.prod(x.local_grad for x in path.edges))
        for edge in path.edges:
            k = edge.parent.children.index(edge.child)
            assert edge.local_grad == edge.parent.local_grads[k]
    ex.backward()
    assert e.total == pytest.approx(ex.w1.grad, abs=1e-15)


@pytest.mark.parametrize("name", PARAMETERS)
def test_every_parameter_total_equals_its_gradient(name):
    ex = WorkedExample()
    e = explain(ex.E_total, ex.leaves[name])
    ex.backward()
    assert e.total == pytest.approx(ex.leaves[name].grad, abs=1e-15)
    assert len(e.paths) == count_paths(ex.E_total, ex.leaves[name])
    assert len(e.paths) == {"b1": 4, "w1": 2, "w2": 2, "w3": 2, "w4": 2, "b2": 2}.get(name, 1)


def test_printed_derivation_uses_labels_and_shows_the_sum():
    ex = WorkedExample()
    text = str(explain(ex.E_total, ex.w1))
    assert text.startswith("dE_total/dw1: 2 paths from E_total to w1")
    assert "path 1: E_total -> E_o1 -> out_o1 -> net_o1 -> out_h1 -> net_h1 -> w1" in text
    assert "dout_o1/dnet_o1" in text and "dnet_h1/dw1" in text
    ex.backward()
    assert text.rstrip().endswith(f"dE_total/dw1 = {ex.w1.grad:.6f}")
    detailed = explain(ex.E_total, ex.w5).format(edges=True)
    assert detailed.count("edge d") == len(explain(ex.E_total, ex.w5).paths[0].edges)


def test_repeated_operand_gives_one_path_per_edge():
    x = Value(3.0, label="x")
    y = x * x
    e = explain(y, x)
    assert [p.product for p in e.paths] == [3.0, 3.0]
    assert e.total == 6.0


def test_unrelated_leaf_has_no_paths_and_root_itself_has_one_empty_path():
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    y = x.exp()
    assert explain(y, z).paths == () and explain(y, z).total == 0
    assert "does not affect" in str(explain(y, z))
    assert explain(y, y).total == 1.0


def test_path_explosion_is_counted_first_and_refused_clearly():
    x = Value(0.5, label="x")
    y = _deep(x, 40)  # each layer doubles the paths: 2**40 of them
    assert count_paths(y, x) == 2**40
    with pytest.raises(TooManyPathsError, match=r"1099511627776 paths lead from .* to x"):
        explain(y, x)
    with pytest.raises(TooManyPathsError, match="limit=10"):
        explain(_deep(x, 4), x, limit=10)  # 16 paths


def _deep(x: Value, layers: int) -> Value:
    y = x
    for _ in range(layers):
        y = y * y
    return y


def test_bad_arguments_are_named():
    x = Value(1.0)
    with pytest.raises(TypeError, match="explain needs a Value as root"):
        explain(1.0, x)
    with pytest.raises(TypeError, match="as leaf"):
        explain(x, "x")
    with pytest.raises(ValueError, match="limit must be a positive whole number"):
        explain(x, x, limit=0)


@given(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3),
    st.lists(st.integers(0, 4), min_size=1, max_size=12),
)
def test_sum_over_paths_equals_backward_on_random_graphs(numbers, ops):
    leaves = [Value(v, label=f"x{k}") for k, v in enumerate(numbers)]
    nodes = list(leaves)
    for k, op in enumerate(ops):
        a, b = nodes[-1], nodes[(k * 7) % len(nodes)]
        nodes.append([a + b, a * b, a - b, a.tanh(), (a * b).sigmoid()][op])
    root = nodes[-1]
    root.backward()
    for leaf in leaves:
        assert explain(root, leaf).total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


def test_chinese_wording_keeps_the_maths():
    ex = WorkedExample()
    e = explain(ex.E_total, ex.w1)
    zh, en = e.format(lang="zh"), e.format()
    assert "从 E_total 到 w1 共 2 条路径" in zh and "链式法则" in zh and "路径 1:" in zh
    numbers = r"-?\d+\.\d+"
    assert re.findall(numbers, zh) == re.findall(numbers, en)
    with pytest.raises(ValueError, match="lang must be one of"):
        e.format(lang="fr")


def test_unnamed_intermediates_show_every_chain_rule_step():
    """With no labelled node inside the path, each edge is its own factor (nothing hidden)."""
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    y.backward()
    (path,) = explain(y, w).paths
    factors = path.factors()
    assert [f.value for f in factors] == [e.local_grad for e in path.edges]
    assert len(factors) == 3
    assert math.isclose(math.prod(f.value for f in factors), w.grad, rel_tol=1e-15)
    text = str(explain(y, w))
    assert "y -> t2 -> t1 -> w" in text  # named as in the stepper and the drawing
    assert "where t2 = t1 + b; t1 = x\u00b7w" in text  # and said what they are
    assert re.search(r"dy/dt2 \* +dt2/dt1 \* +dt1/dw", text)


def test_a_long_path_is_printed_with_its_middle_elided():
    x = Value(0.9, label="x")
    y = x
    for _ in range(300):
        y = (y * 1.0001).tanh()
    y.label = "y"
    y.backward()
    e = explain(y, x)
    (path,) = e.paths
    assert len(path.factors()) == 600  # the data keeps every factor
    text = str(e)
    assert "...(590 more)..." in text and len(text) < 2000
    assert math.isclose(e.total, x.grad, rel_tol=1e-12)


def test_small_numbers_keep_three_significant_digits_at_any_precision():
    from microgrid.formatting import fixed

    assert fixed(0.000438568, 3) == "4.39e-04"
    assert fixed(0.000438568, 9) == "0.000438568"
    assert fixed(0.0554, 6) == "0.055400"
    assert fixed(0.0, 3) == "0.000"


def test_mlp_nodes_are_named_by_scope_as_in_captions_and_drawings():
    from microgrid import nn
    from viz.frames import plan

    model = nn.MLP(2, [2, 1], activation="sigmoid", seed=0)
    out = model([0.3, -0.4])
    out = out[0] if isinstance(out, list) else out
    loss = (out - 1.0) ** 2
    w = model.parameters()[0]
    text = str(explain(loss, w))
    route = (
        "L -> layer1.neuron0.net -> layer0.neuron0.out -> layer0.neuron0.net -> layer0.neuron0.w0"
    )
    assert route in text  # the output neuron is linear: its net is the output
    assert "net -> out -> net" not in text
    names = plan(loss).names
    assert names[out] == "layer1.neuron0.net" and names[loss] == "L"
    assert f"dL/d{names[w]}" in text
