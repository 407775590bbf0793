"""Node names that tell nodes apart: labels with their scope, t-names counted per module."""

from __future__ import annotations

from microgrid import Value, nn
from microgrid.engine import topological_order
from microgrid.naming import node_names


def test_unlabelled_nodes_inside_a_module_are_named_by_its_scope():
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([Value(0.5, label="x0"), Value(-1.0, label="x1")])
    loss = (out - 1.0) ** 2
    order = topological_order(loss)
    names = node_names(order)
    shown = [names[v] for v in order]
    not_constants = [names[v] for v in order if v.op != "const"]
    assert len(set(not_constants)) == len(not_constants)  # every node its own name
    for v in order:
        if v.children and not v.label and v is not loss:
            inside = v.scope.partition(".")[2]  # the scope below the root module
            assert names[v] == (f"{inside}.{names[v].rsplit('.', 1)[-1]}" if inside else names[v])
            assert names[v].rsplit(".", 1)[-1].startswith("t")
    assert "layer0.neuron1.t1" in shown  # each neuron counts its own temporaries from 1
    assert names[loss] == "L"


def test_unlabelled_nodes_outside_modules_are_t1_t2():
    x = Value(2.0, label="x")
    y = (x * 3 + 1).tanh() * x
    names = node_names(topological_order(y))
    assert sorted(n for n in names.values() if n.startswith("t")) == ["t1", "t2", "t3"]
