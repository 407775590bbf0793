"""Stepper frames: every caption number true, the user's grads untouched, the hand's order."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from microgrid import Value, nn
from microgrid.app.worked_example import WorkedExample
from microgrid.engine import topological_order
from viz.frames import factor, num, plan, states

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "worked_example.json").read_text(encoding="utf-8")
)


# ------------------------------------------------------------------------ graphs to step through
def worked_example() -> Value:
    return WorkedExample().E_total


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y


def shared_and_squared() -> Value:
    """x used three times (x * x and 3 / x), unlabelled nodes, a constant on each side."""
    x, y = Value(1.5, label="x"), Value(-0.7, label="y")
    return (x * x + 3 / x) * y.exp() - 2 * (y - x) ** 2


def mlp_loss() -> Value:
    model = nn.MLP(2, [3, 2, 1], activation="tanh", seed=3)
    out = model([0.4, -0.9])
    out = out[0] if isinstance(out, list) else out
    return (out - 0.25) ** 2


def every_op() -> Value:
    """One node of every computed op in the table, chained, so each caption form is checked."""
    import microgrid
    from microgrid import ops

    x, y = Value(0.8, label="x"), Value(1.3, label="y")
    made = {
        "+": x + y, "-": x - y, "*": x * y, "/": x / y, "**": y**x, "pow": x**3, "neg": -x,
        "exp": x.exp(), "log": y.log(), "sqrt": y.sqrt(), "abs": (-x).abs(),
        "sigmoid": x.sigmoid(), "tanh": x.tanh(), "relu": x.relu(),
        "leaky_relu": (-x).leaky_relu(0.1), "elu": (-x).elu(0.5), "softplus": x.softplus(),
        "sin": x.sin(), "cos": x.cos(), "max": microgrid.maximum(x, y),
        "min": microgrid.minimum(x, y),
    }  # fmt: skip
    assert set(made) == {op.name for op in ops.COMPUTED}  # a new op must be added here too
    total = made["+"]
    for name, v in made.items():
        if name != "+":
            total = total + v
    return total


GRAPHS = [worked_example, neuron, shared_and_squared, mlp_loss, every_op]


def fresh_grads(build) -> list[float]:
    """d(root)/d(node) by a new graph's own ``backward()``, by topological position."""
    root = build()
    root.backward()
    return [v.grad for v in topological_order(root)]


def caption_numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", line)]


# ------------------------------------------------------------------------------ true numbers
@pytest.mark.parametrize("build", GRAPHS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("prefilled", [False, True], ids=["clean", "grads-filled-before"])
def test_every_caption_number_is_that_of_a_fresh_backward(build, prefilled):
    root = build()
    order = topological_order(root)
    if prefilled:  # the natural order: backward, then draw (and some junk on top)
        root.backward()
        for k, v in enumerate(order):
            v.grad += 0.25 * k
    before = [v.grad for v in order]
    truth = fresh_grads(build)
    at = {v: i for i, v in enumerate(order)}

    p = plan(root)
    assert [v.grad for v in order] == before  # stepping never changes the user's grads
    backward = [f for f in p.frames if f.phase == "backward" and f.node is not None]
    assert len(backward) == sum(1 for v in order if v.children)
    for f in backward:
        upstream = truth[at[f.node]]
        head = f.caption.split("\n")[0]
        assert head.endswith(f"= {num(upstream)}") or f"= {num(upstream)}  (" in head
        lines = f.caption.split("\n")[1:]
        assert len(lines) == len(f.terms) == sum(1 for c in f.node.children if c.op != "const")
        for term, line in zip(f.terms, lines):
            j = next(j for j, c in enumerate(f.node.children) if c is term.child)
            local = f.node.local_grads[j]
            assert term.upstream == pytest.approx(upstream, rel=1e-12, abs=1e-15)
            assert term.local_grad == local
            assert term.contribution == pytest.approx(local * upstream, rel=1e-12, abs=1e-15)
            if term.received == term.expected:
                assert term.grad_after == pytest.approx(truth[at[term.child]], rel=1e-9, abs=1e-15)
            written = caption_numbers(line.split("=", 1)[1])
            assert written[:3] == [
                float(num(local)),
                float(num(upstream)),
                float(num(local * upstream)),
            ]
            assert f"{factor(local)} \u00d7 {factor(upstream)} = {num(local * upstream)}" in line
    *_, (last, state) = states(p)
    assert last.caption.split("\n")[0].endswith("every gradient is final")
    leaves = [v for v in order if not v.children and v.op != "const" and v is not root]
    listed = [v for v in leaves if f"d{p.names[root]}/d{p.names[v]} = " in last.caption]
    for v in listed:  # the last caption lists the leaves' gradients (a count for the rest)
        assert f"d{p.names[root]}/d{p.names[v]} = {num(truth[at[v]])}" in last.caption
    rest = len(leaves) - len(listed)
    assert (f"and {rest} more" in last.caption) if rest else ("more" not in last.caption)
    for v in order:
        if v.op != "const":
            assert state.status[v] == "final"
            assert state.grads[v] == pytest.approx(truth[at[v]], rel=1e-12, abs=1e-15)
    assert p.grads[root] == 1.0


def test_worked_example_ends_with_the_hand_derivations_gradients():
    ex = WorkedExample()
    p = plan(ex.E_total)
    *_, (_, state) = states(p)
    for name, expected in REFERENCE["grads"].items():
        assert state.grads[ex.values[name]] == pytest.approx(expected, rel=1e-12)


def test_the_w5_step_is_local_times_upstream_with_the_upstreams_factors():
    ex = WorkedExample()
    p = plan(ex.E_total)
    f = next(f for f in p.frames if any(t.child is ex.w5 for t in f.terms))
    o1, h1 = ex.out_o1.data, ex.out_h1.data
    upstream = (o1 - 0.01) * o1 * (1 - o1)  # dE/dout_o1 * dout_o1/dnet_o1, plain float math
    line = next(line for line in f.caption.split("\n") if "dE_total/dw5 +=" in line)
    assert f"= {h1:.4f} \u00d7 {upstream:.4f} = {h1 * upstream:.4f}" in line
    assert "0.5933 \u00d7 0.1385 = 0.0822" in line
    # the node processed is w5 * out_h1, whose own gradient came down from net_o1's sum
    assert f.node.children == (ex.w5, ex.out_h1)
    # every factor is highlighted in its caption colour: the edge (local), the node (up)
    i, j = p.order.index(f.node), 0
    assert f.roles[(i, j)] == "local" and f.roles[i] == "up"
    assert f.roles[p.order.index(ex.w5)] == "result"


def test_partly_accumulated_gradients_say_so():
    ex = WorkedExample()
    p = plan(ex.E_total)
    lines = [
        line for f in p.frames for line in f.caption.split("\n") if "dE_total/dout_h1 +=" in line
    ]
    assert len(lines) == 2
    assert "(1 of 2 contributions; so far 0.0554)" in lines[0]
    assert f"(2 of 2 contributions \u2192 {num(REFERENCE['w1_chain']['dE/dout_h1'])})" in lines[1]
    seen = [state.status.get(ex.out_h1) for _, state in states(p)]
    assert "partial" in seen and seen[-1] == "final"
    assert seen.index("partial") < seen.index("final")


def test_steps_into_constants_are_left_out():
    ex = WorkedExample()
    p = plan(ex.E_total)
    assert not any("d0.5" in f.caption for f in p.frames if f.phase == "backward")


# ---------------------------------------------------------------------------- forward pass
def test_forward_follows_the_hand_order_and_reveals_local_derivatives_when_computed():
    ex = WorkedExample()
    p = plan(ex.E_total)
    forward = [f for f in p.frames if f.phase == "forward"]
    assert forward[0].caption.startswith("Forward pass 0/27")
    computed = [f.node for f in forward[1:]]
    labelled = [v.label for v in computed if v.label]
    assert labelled == ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1"] + [
        "net_o2",
        "out_o2",
        "E_o1",
        "E_o2",
        "E_total",
    ]
    known_edges: set = set()
    for f, state in states(p):
        if f.phase != "forward" or f.node is None:
            continue
        i = p.order.index(f.node)
        assert all(c in state.data_known for c in f.node.children)  # operands come first
        assert set(f.locals_new) == {(i, j) for j in range(len(f.node.children))}
        assert not known_edges & set(f.locals_new)
        known_edges |= set(f.locals_new)
        assert state.locals_known == known_edges
    f = next(f for f in forward if f.node is ex.out_h1)
    assert f.caption.startswith(
        f"Forward pass 5/27: out_h1 = sigmoid(net_h1) = sigmoid({ex.net_h1.data:.4f}) = "
        f"{ex.out_h1.data:.4f}"
    )
    net = ex.out_h1.data * (1 - ex.out_h1.data)
    assert f"dout_h1/dnet_h1 = {net:.4f}" in f.caption


def test_chinese_captions_and_bad_input():
    y = neuron()
    p = plan(y, lang="zh")
    assert p.frames[0].caption.startswith("正向传播") and p.frames[-1].caption.startswith(
        "反向传播"
    )
    assert "份贡献" in "".join(f.caption for f in plan(shared_and_squared(), lang="zh").frames)
    with pytest.raises(ValueError, match="lang must be one of en, zh, got 'fr'"):
        plan(y, lang="fr")
    with pytest.raises(TypeError, match="frames need a Value to start from, got float"):
        plan(1.0)


def test_a_single_leaf_steps_too():
    x = Value(2.0, label="x")
    p = plan(x)
    assert [f.phase for f in p.frames] == ["forward", "backward"]
    assert p.grads[x] == 1.0 and x.grad == 0.0
    *_, (_, state) = states(p)
    assert state.grads[x] == 1.0 and state.status[x] == "final"


def test_names_tell_mlp_nodes_apart_in_captions():
    root = mlp_loss()
    p = plan(root)
    names = list(p.names.values())
    named = [n for v, n in p.names.items() if v.op != "const"]
    assert len(set(named)) == len(named)
    assert "layer0.neuron1.net" in names and "layer1.neuron0.out" in names
    text = "\n".join(f.caption for f in p.frames)
    assert "dt1/d" in text or "t1 =" in text
    assert "(\u2026)" not in text
    assert math.isfinite(p.grads[root])
