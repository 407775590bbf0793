"""microgrid.compile: a traced graph replayed on arrays gives the scalar engine's numbers.

References are the scalar engine run sample by sample on the same graph (an independent path:
no numpy, one Value per node), and for the worked example the plain-float reference file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import MICROGRID_OPS, evaluate_entries, expression_dags

import microgrid
from microgrid import Value, losses, nn
from microgrid.tape import compile

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "worked_example.json").read_text(encoding="utf-8")
)
TOL = 1e-12


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return bool(np.all(np.abs(got - want) <= TOL * np.maximum(1.0, np.abs(want))))


def _scalar_reference(fn, params, samples):
    """Outputs per sample and the parameters' gradients summed over samples, scalar engine."""
    for p in params:
        p.grad = 0.0
    outs = []
    for args in samples:
        leaves = [[Value(v) for v in a] if isinstance(a, list | tuple) else Value(a) for a in args]
        out = fn(*leaves)
        out.backward()
        outs.append(out.data)
    grads = np.array([p.grad for p in params])
    for p in params:
        p.grad = 0.0
    return np.array(outs), grads


def test_worked_example_matches_the_hand_derivation() -> None:
    b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")
    hidden = nn.Layer(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]], biases=[b1, b1])
    output = nn.Layer(2, 2, "sigmoid", weights=[[0.40, 0.45], [0.50, 0.55]], biases=[b2, b2])
    params = [*hidden.parameters(), *output.parameters()]

    def e_total(x):
        return losses.half_sum_squared_error(output(hidden(x)), [0.01, 0.99])

    tape = compile(e_total, params, ([0.05, 0.10],))
    loss = tape.forward(np.array([[0.05, 0.10]]))
    grad = tape.backward(reduction="sum")
    assert _close(loss, [REFERENCE["E_total"]])
    names = ["w1", "w2", "b1", "w3", "w4", "w5", "w6", "b2", "w7", "w8"]
    by_name = dict(zip(names, grad))
    for name, want in REFERENCE["grads"].items():
        assert abs(by_name[name] - want) <= 1e-15, name
    # the shared bias gets both neurons' gradients (a repeated parameter row)
    assert tape.steps < len(tape.nodes)


ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "linear"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_with_each_activation_matches_scalar_engine(activation: str) -> None:
    rng = np.random.default_rng(3)
    model = nn.MLP(3, [5, 4, 2], activation=activation, seed=1)
    params = model.parameters()
    X = rng.normal(size=(17, 3))
    X[0, 0] = 0.0  # a kink of relu-like activations sits nearby

    def fn(x):
        a, b = model(x)
        return a * 0.7 - b.tanh()

    tape = compile(fn, params, (X[0].tolist(),), (X[5].tolist(),))
    assert any(type(g).__name__ == "Linear" for g in tape._groups)
    got = tape.forward(X)
    grad = tape.backward(reduction="sum")
    want, want_grad = _scalar_reference(fn, params, [(row.tolist(),) for row in X])
    assert _close(got, want)
    assert _close(grad, want_grad)


LOSSES = {
    "mse": (lambda p: losses.mse(p, [0.3, -0.2]), 2),
    "half_sse": (lambda p: losses.half_sum_squared_error(p, [0.1, 0.9]), 2),
    "mae": (lambda p: losses.mae(p, [0.3, -0.2]), 2),
    "bce": (lambda p: losses.binary_cross_entropy(p.sigmoid(), 1.0), 1),
    "bce_logits": (lambda p: losses.binary_cross_entropy_with_logits(p, 0.0), 1),
    "hinge": (lambda p: losses.hinge(p, -1.0), 1),
    "exponential": (lambda p: losses.exponential_loss(p, 1.0), 1),
    "categorical_ce": (lambda p: losses.categorical_cross_entropy(_probs(p), 1), 3),
    "multiclass_hinge": (lambda p: losses.multiclass_hinge(p, 2), 3),
}


def _probs(logits):
    """Probabilities without a data-dependent shift: e^z / sum e^z (small logits here)."""
    exps = [z.exp() for z in logits]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_through_the_tape_matches_scalar_engine(name: str) -> None:
    loss, nout = LOSSES[name]
    model = nn.MLP(2, [4, nout], activation="tanh", seed=2)
    params = model.parameters()
    X = np.random.default_rng(4).normal(size=(9, 2)) * 0.5

    def fn(x):
        out = model(x)
        return loss(out[0] if nout == 1 else out) if isinstance(out, list) else loss(out)

    tape = compile(fn, params, (X[0].tolist(),))
    got = tape.forward(X)
    grad = tape.backward(reduction="mean")
    want, want_grad = _scalar_reference(fn, params, [(row.tolist(),) for row in X])
    assert _close(got, want)
    assert _close(grad, want_grad / len(X))


def test_number_arguments_uniform_terms_and_node_values() -> None:
    w, b = Value(0.4, label="w"), Value(-0.3, label="b")
    params = [w, b]

    def fn(x, y):  # x a vector, y a number; the L2 term depends on parameters only
        s = w * x[0] + x[1] * w + b
        return (1 + -y * s).relu() + 1e-2 * (w * w + b * b)

    X = np.array([[0.5, -1.0], [2.0, 0.1], [-1.0, -1.0], [0.3, 0.3]])
    Y = np.array([1.0, -1.0, 1.0, -1.0])
    tape = compile(fn, params, (X[0].tolist(), Y[0]))
    got = tape.forward(X, Y)
    tape.backward(reduction="sum")
    want, want_grad = _scalar_reference(fn, params, list(zip(X.tolist(), Y.tolist())))
    assert _close(got, want) and _close(tape.grad, want_grad)
    # every traced node's values, fused ones (the products inside w*x0 + x1*w + b) included
    for k, row in enumerate(X):
        leaves = [Value(v) for v in row]
        y = Value(Y[k])
        out = fn(leaves, y)
        mine = microgrid.topological_order(out)
        for traced, scalar in zip(tape.nodes, mine):
            assert abs(tape.value(traced)[k] - scalar.data) <= TOL


def test_accumulate_grads_adds_to_parameters_like_backward() -> None:
    w = Value(1.5)
    tape = compile(lambda x: (w * x).tanh(), [w], (0.2,))
    tape.forward(np.array([0.2, -0.4, 1.0]))
    tape.backward(reduction="sum")
    w.grad = 1.0
    tape.accumulate_grads()
    want = 1.0 + sum(x * (1 - math.tanh(1.5 * x) ** 2) for x in (0.2, -0.4, 1.0))
    assert abs(w.grad - want) <= TOL


def test_a_python_branch_on_data_is_refused_at_compile_time() -> None:
    w = Value(1.0)

    def fn(x):
        return (w * x).exp() if x.data > 0 else (w * x).tanh()

    compile(fn, [w], (1.0,), (2.0,))  # same branch: fine
    with pytest.raises(ValueError, match="the graph depends on the data.*example 1"):
        compile(fn, [w], (1.0,), (-1.0,))


def test_a_constant_made_from_data_is_refused() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="depends on the data"):
        compile(lambda x: w * x * x.data, [w], (1.0,), (2.0,))


def test_huber_branch_on_the_residual_is_refused() -> None:
    w = Value(1.0)

    def fn(x):
        return losses.huber(w * x, 0.0)

    with pytest.raises(ValueError, match="depends on the data"):
        compile(fn, [w], (0.5,), (3.0,))


def test_data_dependent_kinks_branch_per_sample() -> None:
    a = Value(0.5)
    fn = lambda x: microgrid.max(x * a, x.abs()).relu() + (x - a).abs()  # noqa: E731
    tape = compile(fn, [a], (0.3,))
    xs = np.array([-2.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    got = tape.forward(xs)
    tape.backward(reduction="sum")
    want, want_grad = _scalar_reference(fn, [a], [(x,) for x in xs])
    assert _close(got, want) and _close(tape.grad, want_grad)


def test_domain_errors_name_the_op_and_the_sample() -> None:
    w = Value(1.0, label="w")
    tape = compile(lambda x: (w * x).log(), [w], (1.0,))
    with pytest.raises(ValueError, match=r"sample 2: log is undefined.*log needs x > 0"):
        tape.forward(np.array([1.0, 2.0, -3.0]))
    tape = compile(lambda x: w / x, [w], (1.0,))
    with pytest.raises(ZeroDivisionError, match="sample 1: division by zero"):
        tape.forward(np.array([1.0, 0.0]))


def test_bad_inputs_are_refused_with_their_shapes() -> None:
    w = Value(1.0)
    tape = compile(lambda x, y: w * x[0] + x[1] * y, [w], ([1.0, 2.0], 3.0))
    with pytest.raises(ValueError, match=r"input 0 must have shape \(batch, 2\), got \(4, 3\)"):
        tape.forward(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="input 1 has 5 samples but input 0 has 4"):
        tape.forward(np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(TypeError, match="takes 2 input array"):
        tape.forward(np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match="forward pass first"):
        compile(lambda x: w * x, [w], (1.0,)).backward()
    with pytest.raises(TypeError, match="tuple with one entry per argument"):
        compile(lambda x: w * x, [w], [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lists a Value twice"):
        compile(lambda x: w * x, [w, w], (1.0,))
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 3.0, [w], (1.0,))


@settings(max_examples=60)
@given(dag=expression_dags(min_leaves=2, max_leaves=4, max_nodes=12), shift=st.floats(-0.3, 0.3))
def test_random_dags_match_the_scalar_engine(dag, shift: float) -> None:
    """Leaf 0 is the per-sample input, the others are parameters: values and grads agree."""
    params = [Value(v) for v in dag.leaves[1:]]

    def fn(x):
        return evaluate_entries(dag, [x, *params], MICROGRID_OPS)[1]

    xs = [dag.leaves[0], dag.leaves[0] + shift, dag.leaves[0] - 0.5 * shift]
    try:
        want, want_grad = _scalar_reference(fn, params, [(x,) for x in xs])
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
    assume(np.all(np.isfinite(want)) and np.all(np.isfinite(want_grad)))
    tape = compile(fn, params, (xs[0],))
    got = tape.forward(np.array(xs))
    grad = tape.backward(reduction="sum")
    assert _close(got, want)
    assert _close(grad, want_grad)


# ------------------------------------------------------------------------------- fit hook
def _moons(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, math.pi, n)
    side = rng.integers(0, 2, n)
    upper, lower = np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    X = np.where(side[:, None] == 0, upper, lower)
    return X + rng.normal(0, 0.1, X.shape), np.where(side == 0, -1.0, 1.0)


@pytest.mark.parametrize("batch_size", [None, 8])
def test_fit_with_the_tape_trains_like_the_scalar_engine(batch_size) -> None:
    X, y = _moons()
    results = []
    for engine in ("scalar", "tape"):
        model = nn.MLP(2, [8, 8, 1], activation="relu", seed=5)
        history = microgrid.fit(
            model,
            X,
            y,
            loss="hinge",
            optimizer="sgd",
            lr=0.05,
            epochs=4,
            batch_size=batch_size,
            seed=1,
            penalty=lambda ps: 1e-4 * sum((p * p for p in ps), Value(0.0)),
            engine=engine,
        )
        results.append((history.loss, [p.data for p in model.parameters()]))
    (loss_s, params_s), (loss_t, params_t) = results
    assert _close(loss_t, loss_s)
    assert _close(params_t, params_s)
    assert loss_s[-1] < loss_s[0]


def test_fit_refuses_an_unknown_engine_and_a_model_with_dropout() -> None:
    X, y = _moons(10)
    model = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(ValueError, match="engine must be 'scalar' or 'tape'"):
        microgrid.fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.1, engine="gpu")
    dropped = nn.Sequential(nn.Dense(2, 8, "relu"), nn.Dropout(0.5, seed=0), nn.Dense(8, 1))
    with pytest.raises(ValueError, match="depends on the data"):
        microgrid.fit(dropped, X, y, loss="hinge", optimizer="sgd", lr=0.1, engine="tape")


def test_softmax_inside_the_tape_is_refused_with_the_way_out() -> None:
    layer = nn.Layer(2, 3, "softmax", seed=0)
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        compile(lambda x: layer(x)[0], layer.parameters(), ([0.1, 0.2],), ([2.0, -1.0],))


def test_fit_with_the_tape_and_softmax_cross_entropy_on_logits() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    finals = []
    for engine in ("scalar", "tape"):
        model = nn.MLP(2, [6, 3], activation="tanh", seed=3)
        microgrid.fit(
            model,
            X,
            y,
            loss="softmax_cross_entropy",
            optimizer="adam",
            lr=0.01,
            epochs=3,
            batch_size=5,
            seed=0,
            engine=engine,
        )
        finals.append([p.data for p in model.parameters()])
    assert _close(finals[1], finals[0])


def test_the_traced_graph_can_be_drawn_explained_and_stepped(tmp_path) -> None:
    import viz

    model = nn.MLP(2, [2, 1], activation="sigmoid", seed=0)
    tape = compile(lambda x: (model(x) - 0.5) ** 2, model.parameters(), ([0.05, 0.10],))
    root, w = tape.outputs[0], model.parameters()[0]
    root.backward()  # the traced sample's own graph, as with any Value
    want = w.grad
    assert abs(microgrid.explain(root, w).total - want) <= TOL
    assert "digraph" in viz.draw(root).source
    page = viz.stepper_for(root, tmp_path / "tape.html")
    assert (tmp_path / "tape.html").stat().st_size > 0 and page
    tape.forward(np.array([[0.05, 0.10]]))
    assert abs(tape.backward(reduction="sum")[0] - want) <= TOL


def test_compile_is_public_but_does_not_shadow_the_builtin() -> None:
    import microgrid.tape

    assert microgrid.compile is microgrid.tape.compile and microgrid.Tape is microgrid.tape.Tape
    assert "compile" not in microgrid.__all__  # from microgrid import * keeps builtins.compile
