"""viz.draw -> DOT: nodes, edges, labels, values, ids, roles, clusters, collapse, the node limit."""

from __future__ import annotations

import math
import re

import pygraphviz
import pytest

import microgrid
import viz
from microgrid import Value
from microgrid.formatting import padded
from viz import labels


def neuron():
    """tanh(x*w + b) with x=0.5, w=-1.2, b=0.3, after backward (the CLI's example)."""
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    y.backward()
    return x, w, b, y


def agraph(drawing: viz.Drawing) -> pygraphviz.AGraph:
    return pygraphviz.AGraph(string=drawing.source)


def edges_of(graph: pygraphviz.AGraph) -> list[tuple[str, str, str]]:
    return sorted((str(e[0]), str(e[1]), e.attr["id"]) for e in graph.edges())


def test_neuron_structure_nodes_edges_and_ids():
    x, w, b, y = neuron()
    g = agraph(viz.draw(y))
    # topological order: x, w, x*w, b, x*w+b, tanh -> v0..v5; an op marker per computed value
    assert sorted(map(str, g.nodes())) == sorted(
        ["v0", "v1", "v2", "o2", "v3", "v4", "o4", "v5", "o5"]
    )
    assert edges_of(g) == sorted(
        [
            ("v0", "o2", "e2_0"),
            ("v1", "o2", "e2_1"),
            ("o2", "v2", "e2"),
            ("v2", "o4", "e4_0"),
            ("v3", "o4", "e4_1"),
            ("o4", "v4", "e4"),
            ("v4", "o5", "e5_0"),
            ("o5", "v5", "e5"),
        ]
    )


def test_labels_data_and_grads_are_in_the_value_nodes():
    x, w, b, y = neuron()
    g = agraph(viz.draw(y))
    label_x = g.get_node("v0").attr["label"]
    assert "<B>x</B>" in label_x
    assert padded(0.5, labels.NUMBER_WIDTH).replace("\u00a0", "") in label_x
    # independent: dy/dx = w (1 - tanh^2(x w + b))
    expected_grad = -1.2 * (1 - math.tanh(0.5 * -1.2 + 0.3) ** 2)
    assert f"{expected_grad:.4f}" in label_x
    assert f"{math.tanh(-0.3):.4f}" in g.get_node("v5").attr["label"]
    assert "tanh" in g.get_node("o5").attr["label"]
    assert "\u00d7" in g.get_node("o2").attr["label"]  # the times sign of x * w


def test_grads_false_leaves_out_the_grad_rows():
    *_, y = neuron()
    source = viz.draw(y, grads=False).source
    assert ">grad<" not in source
    assert ">data<" in source
    assert ">grad<" in viz.draw(y).source


def test_local_grads_label_every_operand_edge_with_d_parent_d_child():
    x, w, b, y = neuron()
    g = agraph(viz.draw(y, local_grads=True))
    edge_labels = {e.attr["id"]: e.attr["label"] for e in g.edges()}
    assert "-1.2000" in edge_labels["e2_0"]  # d(x*w)/dx = w
    assert "0.5000" in edge_labels["e2_1"]  # d(x*w)/dw = x
    assert f"{1 - math.tanh(-0.3) ** 2:.4f}" in edge_labels["e5_0"]
    assert not edge_labels["e5"]  # op marker -> value: no derivative
    plain = agraph(viz.draw(y))
    assert all(not e.attr["label"] for e in plain.edges())


def test_a_child_used_twice_draws_two_edges_each_with_its_local_grad():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    g = agraph(viz.draw(y, local_grads=True))
    operand_edges = [e for e in g.edges() if str(e[1]) == "o1"]
    assert len(operand_edges) == 2
    assert {e.attr["id"] for e in operand_edges} == {"e1_0", "e1_1"}
    assert all("3.0000" in e.attr["label"] for e in operand_edges)


def test_same_graph_gives_byte_identical_dot_and_different_objects_same_ids():
    *_, y1 = neuron()
    *_, y2 = neuron()
    assert viz.draw(y1, local_grads=True).source == viz.draw(y1, local_grads=True).source
    assert viz.draw(y1).source == viz.draw(y2).source  # ids never come from id()
    assert "id(" not in viz.draw(y1).source


def test_roles_are_visually_distinct():
    x, w, b, y = neuron()
    g = agraph(viz.draw(y))
    fill = {n: g.get_node(n).attr["fillcolor"] for n in ("v0", "v1", "v3", "v2", "v5")}
    assert fill["v1"] == fill["v3"]  # w and b: parameters
    assert len({fill["v0"], fill["v1"], fill["v2"], fill["v5"]}) == 4  # input/param/inner/root
    assert g.get_node("v5").attr["peripheries"] == "2"
    # explicit params override the name heuristic
    g2 = agraph(viz.draw(y, params=[x]))
    assert g2.get_node("v0").attr["fillcolor"] == fill["v1"]
    assert g2.get_node("v1").attr["fillcolor"] == fill["v0"]


def test_constants_are_small_plain_text():
    x = Value(2.0, label="x")
    y = x * 3 + 0.5
    g = agraph(viz.draw(y))
    consts = [n for n in g.nodes() if n.attr["shape"] == "plaintext"]
    assert len(consts) == 2
    text = " ".join(n.attr["label"] for n in consts)
    assert ">3<" in text and ">0.5<" in text
    assert all("grad" not in n.attr["label"] for n in consts)


def test_frame_hooks_grad_known_data_known_dim_highlight():
    x, w, b, y = neuron()
    n = y.children[0]  # x*w + b
    d = viz.draw(y, grad_known={y, n}, highlight=[n, (n, b)], dim=[x])
    g = agraph(d)
    unknown = "?"
    assert unknown in g.get_node("v0").attr["label"]  # x's grad not known yet
    assert f"{n.grad:.4f}" in g.get_node("v4").attr["label"]
    assert g.get_node("v4").attr["color"] == viz.style.ACCENT  # node being processed
    edge_color = {e.attr["id"]: e.attr["color"] for e in g.edges()}
    assert edge_color["e4_1"] == viz.style.ACCENT  # the edge n -> b receives gradient
    assert edge_color["e4_0"] != viz.style.ACCENT
    assert g.get_node("v0").attr["fillcolor"] == viz.style.DIM_STYLE["fillcolor"]
    # data_known: forward frames show ? for values not computed yet
    g2 = agraph(viz.draw(y, data_known={x, w}))
    assert "?" in g2.get_node("v5").attr["label"] and "?" not in g2.get_node("v0").attr["label"]


def test_unknown_numbers_keep_the_same_width():
    def visible(cell: str) -> str:
        return re.sub(r"<[^>]*>", "", cell)

    known = visible(labels.number_cell(-12.5, color="#000"))
    unknown = visible(labels.number_cell(None, color="#000", known=False))
    assert len(known) == len(unknown) == labels.NUMBER_WIDTH


def test_drawn_numbers_are_fixed_width():
    for x in [0.0, -0.0, 1.0, -1.0, 0.5, -1234.5678, 99999.0, 1e-9, -3.2e17, 1e300, 5e-324]:
        assert len(padded(x, labels.NUMBER_WIDTH)) == labels.NUMBER_WIDTH, x
        assert float(padded(x, labels.NUMBER_WIDTH).replace("\u00a0", "")) == pytest.approx(
            x, rel=1e-2
        )
    for x in [math.nan, math.inf, -math.inf]:
        assert len(padded(x, labels.NUMBER_WIDTH)) == labels.NUMBER_WIDTH


def scoped_mlp():
    """A 2-2-1 tanh MLP on one sample, built by hand with scopes mlp.layer<i>.neuron<j>."""
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    widths = [2, 1]
    for li, width in enumerate(widths):
        outs = []
        for ni in range(width):
            ws = [Value(0.1 * (k + 1) - 0.2 * ni, label=f"w{k}") for k in range(len(xs))]
            bias = Value(0.1, label="b")
            with microgrid.scope("mlp"), microgrid.scope(f"layer{li}"):
                with microgrid.scope(f"neuron{ni}"):
                    act = bias
                    for wk, xk in zip(ws, xs):
                        act = act + wk * xk
                    outs.append(act.tanh())
        xs = outs
    loss = (xs[0] - 0.5) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def cluster_tree(graph: pygraphviz.AGraph) -> dict[str, tuple[str, list[str]]]:
    """Cluster name -> (its label, names of the nodes directly inside)."""
    out = {}
    stack = list(graph.subgraphs())
    while stack:
        sub = stack.pop()
        inner = {str(n) for s in sub.subgraphs() for n in s.nodes()}
        out[sub.name] = (
            sub.graph_attr["label"],
            sorted(str(n) for n in sub.nodes() if n not in inner),
        )
        stack.extend(sub.subgraphs())
    return out


def test_clusters_nest_by_scope_level():
    loss = scoped_mlp()
    order = microgrid.topological_order(loss)
    g = agraph(viz.draw(loss))
    tree = cluster_tree(g)
    titles = sorted(re.sub(r"<[^>]*>", "", label) for label, _ in tree.values())
    assert titles == ["layer0", "layer1", "mlp", "neuron0", "neuron0", "neuron1"]
    # every value made inside a neuron sits directly in that neuron's cluster
    by_title = {}
    for label, members in tree.values():
        by_title.setdefault(re.sub(r"<[^>]*>", "", label), []).append(set(members))
    for i, v in enumerate(order):
        if v.scope.endswith("neuron1"):
            assert any(f"v{i}" in m for m in by_title["neuron1"])
    # parameters made outside the forward pass are not in any cluster
    inside = {n for _, members in tree.values() for n in members}
    params = [i for i, v in enumerate(order) if v.label in ("w0", "w1", "b")]
    assert params and not any(f"v{i}" in inside for i in params)
    # cluster=False: no subgraphs at all
    assert not list(agraph(viz.draw(loss, cluster=False)).subgraphs())


def test_collapse_a_neuron_draws_one_box_with_inputs_in_and_output_out():
    loss = scoped_mlp()
    order = microgrid.topological_order(loss)
    made_inside = [v for v in order if v.scope == "mlp.layer0.neuron1"]
    # the neuron's own w0, w1, b are made outside its forward pass but used only inside it
    own_leaves = [c for v in made_inside for c in v.children if c.label in ("w0", "w1", "b")]
    hidden = set(made_inside) | set(own_leaves)
    assert len(set(own_leaves)) == 3
    d = viz.draw(loss, collapse=["mlp.layer0.neuron1"])
    g = agraph(d)
    names = {str(n) for n in g.nodes()}
    assert "c0" in names
    assert not any(f"v{order.index(v)}" in names for v in hidden)
    assert d.n_nodes == len(order) - len(hidden) + 1
    into = sorted(str(e[0]) for e in g.edges() if str(e[1]) == "c0")
    out_of = [str(e[1]) for e in g.edges() if str(e[0]) == "c0"]
    # inputs in: x0 and x1 (shared with neuron0), each drawn once
    x0, x1 = (order.index(v) for v in order if v.label in ("x0", "x1"))
    assert into == sorted([f"v{x0}", f"v{x1}"])
    assert len(out_of) == 1 and out_of[0].startswith("o")  # its tanh output feeds layer1
    tanh_out = next(v for v in made_inside if v.op == "tanh")
    assert f"{tanh_out.data:.4f}" in g.get_node("c0").attr["label"]


def test_collapse_by_prefix_collapses_a_whole_layer_and_unknown_scope_is_refused():
    loss = scoped_mlp()
    d = viz.draw(loss, collapse="mlp.layer0")
    names = {str(n) for n in agraph(d).nodes()}
    assert "c0" in names and "c1" not in names
    with pytest.raises(ValueError, match=r"collapse='mlp.layer9' matches no scope.*mlp.layer0"):
        viz.draw(loss, collapse=["mlp.layer9"])


def test_node_limit_refuses_with_count_and_advice():
    loss = scoped_mlp()
    n = viz.draw(loss).n_nodes
    with pytest.raises(viz.GraphTooLargeError) as info:
        viz.draw(loss, max_nodes=n - 1)
    message = str(info.value)
    assert f"{n} nodes" in message and "collapse=" in message and "subgraph" in message
    assert viz.draw(loss, max_nodes=n).n_nodes == n
    # collapsing brings it under the limit
    assert viz.draw(loss, max_nodes=n - 1, collapse=["mlp.layer0"]).n_nodes < n


def test_default_limit_refuses_a_long_chain_quickly():
    x = Value(1.0, label="x")
    y = x
    for _ in range(600):
        y = y + 1.0
    with pytest.raises(viz.GraphTooLargeError, match=r"1201 nodes.*max_nodes=500"):
        viz.draw(y)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"rankdir": "XY"}, ValueError),
        ({"max_nodes": 0}, ValueError),
        ({"highlight": [1.0]}, TypeError),
        ({"collapse": [3]}, TypeError),
        ({"dim": ["x"]}, TypeError),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error):
    *_, y = neuron()
    with pytest.raises(error):
        viz.draw(y, **kwargs)


def test_draw_needs_a_value():
    with pytest.raises(TypeError, match="Value"):
        viz.draw(3.0)


def test_rankdir_and_title_reach_the_dot():
    *_, y = neuron()
    g = agraph(viz.draw(y, rankdir="TB", title='step 1: "dy/dx" <b>'))
    assert g.graph_attr["rankdir"] == "TB"
    assert "&quot;dy/dx&quot;&#160;&lt;b&gt;" in g.graph_attr["label"]


def test_node_id_maps_values_to_their_dot_ids():
    x, w, b, y = neuron()
    d = viz.draw(y)
    assert [d.node_id(v) for v in (x, w, b, y)] == ["v0", "v1", "v3", "v5"]
    with pytest.raises(KeyError, match="not drawn"):
        d.node_id(Value(1.0))
    loss = scoped_mlp()
    inside = next(v for v in microgrid.topological_order(loss) if v.scope == "mlp.layer1.neuron0")
    assert viz.draw(loss, collapse="mlp.layer1").node_id(inside) == "c0"


def test_a_collapsed_layer_names_its_outputs_by_neuron_and_counts_the_rest():
    from microgrid import nn

    model = nn.MLP(2, [6, 1], seed=1)
    y = model([Value(0.5, label="x0"), Value(-0.3, label="x1")])
    y.backward()
    source = viz.draw(y, collapse=["mlp.layer0"]).source
    assert "neuron0.out" in source and "neuron3.out" in source
    assert "neuron4.out" not in source  # only the first four are listed ...
    assert "+2 more outputs" in source  # ... and the rest are counted


def test_collapse_accepts_the_scope_as_captions_name_it():
    """Captions say layer0.neuron1.net (no outermost module); collapse="layer0" means mlp.layer0."""
    model = microgrid.nn.MLP(2, [2, 1], seed=0)
    out = model([Value(0.5), Value(-1.0)])
    short = viz.draw(out, collapse="layer0").source
    full = viz.draw(out, collapse="mlp.layer0").source
    assert short == full
    assert short != viz.draw(out).source


@pytest.mark.parametrize("bad", [True, 3, None])
def test_collapse_that_is_not_a_scope_path_is_refused_by_name(bad):
    with pytest.raises(TypeError, match="collapse takes a scope path"):
        viz.draw(Value(1.0) * 2, collapse=bad)
