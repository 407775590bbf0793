"""Modules: parameter order and names, init, forward vs float math, scopes, state dicts, dropout."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgrid
from microgrid import Value, no_grad
from microgrid.losses import categorical_cross_entropy, half_sum_squared_error
from microgrid.nn import MLP, Dense, Dropout, Layer, Module, Neuron, Sequential, get_activation


def weights_of(model: Module) -> list[float]:
    return [p.data for p in model.parameters()]


def np_forward(model: MLP, x: list[float]) -> np.ndarray:
    """Independent forward: numpy matrices from the state dict (tanh hidden, linear output)."""
    state = model.state_dict()
    a = np.asarray(x, dtype=float)
    for i, (nin, nout) in enumerate(zip([model.nin] + model.nouts, model.nouts)):
        w = np.array([[state[f"layer{i}.neuron{j}.w{k}"] for k in range(nin)] for j in range(nout)])
        b = np.array([state[f"layer{i}.neuron{j}.b"] for j in range(nout)])
        z = w @ a + b
        a = z if i == len(model.nouts) - 1 else np.tanh(z)
    return a


# ------------------------------------------------------------------------ parameters and names


def test_parameter_order_and_names():
    model = MLP(2, [3, 1], seed=0)
    names = [n for n, _ in model.named_parameters()]
    expected = []
    for j in range(3):
        expected += [f"layer0.neuron{j}.w0", f"layer0.neuron{j}.w1", f"layer0.neuron{j}.b"]
    expected += [f"layer1.neuron0.w{k}" for k in range(3)] + ["layer1.neuron0.b"]
    assert names == expected
    assert [p.label for p in model.parameters()] == expected
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert model.num_parameters() == 13
    # the same order as walking the structure by hand
    by_hand = [v for layer in model.layers for n in layer.neurons for v in [*n.w, n.b]]
    assert all(a is b for a, b in zip(model.parameters(), by_hand))


def test_shared_values_are_listed_once_and_keep_their_labels():
    b1 = Value(0.35, label="b1")
    layer = Layer(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]], biases=[b1, b1])
    names = [n for n, _ in layer.named_parameters()]
    assert names == ["neuron0.w0", "neuron0.w1", "neuron0.b", "neuron1.w0", "neuron1.w1"]
    assert b1.label == "b1"  # a Value you pass in keeps its own name
    assert layer.parameters()[2] is b1


def test_bias_false_and_weight_count_checks():
    n = Neuron(3, bias=False, seed=1)
    assert [name for name, _ in n.named_parameters()] == ["w0", "w1", "w2"]
    with pytest.raises(ValueError, match="needs 3 weights, got 2"):
        Neuron(3, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="needs 2 rows of weights, got 1"):
        Layer(2, 2, weights=[[1.0, 2.0]])
    with pytest.raises(ValueError, match="nin must be a positive whole number"):
        MLP(0, [2])
    with pytest.raises(ValueError, match="contradicts"):
        Neuron(2, bias=False, bias_value=1.0)


# ------------------------------------------------------------------------ initialization


def test_seeded_init_is_reproducible():
    assert weights_of(MLP(3, [4, 2], seed=7)) == weights_of(MLP(3, [4, 2], seed=7))
    assert weights_of(MLP(3, [4, 2], seed=7)) != weights_of(MLP(3, [4, 2], seed=8))
    # a shared numpy Generator gives the same numbers as the same seed
    assert weights_of(MLP(3, [4, 2], rng=np.random.default_rng(7))) == weights_of(
        MLP(3, [4, 2], seed=7)
    )
    # the standard library's Random works too
    a = weights_of(MLP(3, [4, 2], rng=random.Random(3)))
    assert a == weights_of(MLP(3, [4, 2], rng=random.Random(3)))
    with pytest.raises(ValueError, match="either seed= or rng="):
        MLP(3, [4], seed=1, rng=random.Random(1))


def test_uniform_init_is_micrograds():
    """Weights U(-1, 1) drawn in parameter order, biases 0 (micrograd's Neuron)."""
    model = MLP(3, [4, 2], seed=3)
    rng = np.random.default_rng(3)
    expected = []
    for nin, nout in [(3, 4), (4, 2)]:
        for _ in range(nout):
            expected += [float(rng.uniform(-1, 1)) for _ in range(nin)] + [0.0]
    assert weights_of(model) == expected


@pytest.mark.parametrize(
    "scheme, bound, std",
    [
        ("xavier_uniform", math.sqrt(6 / 90), math.sqrt(2 / 90)),
        ("glorot_normal", None, math.sqrt(2 / 90)),
        ("he_uniform", math.sqrt(6 / 50), math.sqrt(2 / 50)),
        ("he_normal", None, math.sqrt(2 / 50)),
    ],
)
def test_init_scheme_statistics(scheme, bound, std):
    layer = Layer(50, 40, init=scheme, seed=0)
    w = np.array([v for n in layer.neurons for v in (x.data for x in n.w)])
    assert w.size == 2000
    if bound is not None:
        assert np.abs(w).max() <= bound
    assert w.std() == pytest.approx(std, rel=0.06)
    assert abs(w.mean()) < 0.1 * std
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_unknown_init_scheme_lists_known_ones():
    with pytest.raises(ValueError, match="unknown init scheme 'lecun'.*he_normal"):
        Layer(2, 2, init="lecun", seed=0)


# ------------------------------------------------------------------------ forward passes


@pytest.mark.parametrize(
    "name, f",
    [
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("tanh", math.tanh),
        ("relu", lambda z: max(z, 0.0)),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("elu", lambda z: z if z > 0 else math.exp(z) - 1),
        ("softplus", lambda z: math.log1p(math.exp(z))),
        ("linear", lambda z: z),
    ],
)
@pytest.mark.parametrize("bias", [0.4, -2.0])
def test_neuron_matches_float_math(name, f, bias):
    w, x = [0.5, -1.5, 0.25], [1.0, 0.3, -2.0]
    n = Neuron(3, name, weights=w, bias_value=bias)
    out = n(x)
    net = sum(wi * xi for wi, xi in zip(w, x)) + bias
    assert type(out.data) is float
    assert out.data == pytest.approx(f(net), rel=1e-14, abs=1e-15)


def test_activation_lookup():
    assert get_activation(None)(Value(-3.0)).data == -3.0
    square = Neuron(1, lambda v: v * v, weights=[2.0], bias_value=1.0)
    assert square([3.0]).data == 49.0
    with pytest.raises(ValueError, match="unknown activation 'swish'; known: sigmoid, tanh"):
        Neuron(2, "swish")
    with pytest.raises(ValueError, match="whole layer"):
        Neuron(2, "softmax")


def test_mlp_forward_matches_numpy():
    model = MLP(3, [5, 4, 2], seed=2)
    x = [0.3, -1.2, 2.0]
    out = model(x)
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_allclose([o.data for o in out], np_forward(model, x), rtol=1e-13)


def test_output_shape_rule_and_width_one_layers():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    assert isinstance(MLP(2, [1, 3, 1], seed=0)([1.0, 2.0]), Value)  # a width-1 hidden layer
    assert len(MLP(2, [1, 3], seed=0)([1.0, 2.0])) == 3
    one = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(one, list) and len(one) == 1  # a Layer always returns a list
    assert isinstance(Neuron(1, seed=0)(0.5), Value)  # a single number for one input


def test_wrong_input_width_names_expected_and_got():
    with pytest.raises(ValueError, match="expects 3 input\\(s\\), got 2"):
        MLP(3, [2], seed=0)([1.0, 2.0])
    with pytest.raises(ValueError, match="expects 2 input\\(s\\), got 3"):
        Layer(2, 2, seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="list of 2 numbers"):
        Layer(2, 2, seed=0)("ab")
    with pytest.raises(TypeError, match="input x1"):
        Layer(2, 2, seed=0)([1.0, None])


def test_mlp_gradients_match_finite_differences():
    model = MLP(2, [3, 2], activation="sigmoid", seed=4)
    x, target = [0.5, -0.8], [0.2, 0.9]
    loss = half_sum_squared_error(model(x), target)
    model.zero_grad()
    loss.backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        old = p.data
        with no_grad():
            p.data = old + eps
            up = half_sum_squared_error(model(x), target).data
            p.data = old - eps
            down = half_sum_squared_error(model(x), target).data
        p.data = old
        assert p.grad == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-9), name


def test_worked_example_through_modules(reference):
    """The seed's network: exact w1..w8, shared b1 / b2, sigmoid, E_total; numbers from the JSON."""
    ref = reference
    w = {f"w{i}": Value(v, label=f"w{i}") for i, v in enumerate([0.15, 0.2, 0.25, 0.3], 1)}
    w |= {f"w{i}": Value(v, label=f"w{i}") for i, v in enumerate([0.4, 0.45, 0.5, 0.55], 5)}
    b1, b2 = Value(0.35, label="b1"), Value(0.60, label="b2")
    net = Sequential(
        Layer(2, 2, "sigmoid", weights=[[w["w1"], w["w2"]], [w["w3"], w["w4"]]], biases=[b1, b1]),
        Layer(2, 2, "sigmoid", weights=[[w["w5"], w["w6"]], [w["w7"], w["w8"]]], biases=[b2, b2]),
        name="net",
    )
    out_o1, out_o2 = net([0.05, 0.10])
    assert out_o1.data == pytest.approx(ref["forward"]["out_o1"], rel=1e-14)
    assert out_o2.data == pytest.approx(ref["forward"]["out_o2"], rel=1e-14)
    e_total = half_sum_squared_error([out_o1, out_o2], [0.01, 0.99])
    assert e_total.data == pytest.approx(ref["E_total"], rel=1e-14)
    e_total.backward()
    for name, expected in ref["grads"].items():
        got = (w | {"b1": b1, "b2": b2})[name].grad
        assert got == pytest.approx(expected, rel=1e-12), name
    assert out_o1.scope == "net.layer1.neuron0"
    assert len(net.parameters()) == 10


# ------------------------------------------------------------------------ scopes and labels


def test_forward_values_carry_module_scopes():
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    nodes = microgrid.topological_order(out)
    scopes = {v.scope for v in nodes}
    assert {"mlp", "mlp.layer0.neuron0", "mlp.layer0.neuron1", "mlp.layer1.neuron0"} <= scopes
    assert out.scope == "mlp.layer1.neuron0" and out.label == "net"  # linear output
    hidden = [v for v in nodes if v.scope == "mlp.layer0.neuron1" and v.label == "out"]
    assert len(hidden) == 1 and hidden[0].op == "tanh"
    assert hidden[0].children[0].label == "net"
    inputs = [v for v in nodes if v.label in ("x0", "x1")]
    assert sorted(v.label for v in inputs) == ["x0", "x1"] and all(v.scope == "mlp" for v in inputs)
    # parameters are tagged with their neuron's scope too, so drawings cluster them
    params = dict(model.named_parameters())
    assert params["layer0.neuron1.w0"].scope == "mlp.layer0.neuron1"
    assert microgrid._grad_mode.current_scope() == ""  # restored after the call


def test_root_name_and_outer_scope():
    model = MLP(1, [1], seed=0, name="tiny")
    assert model(0.5).scope == "tiny.layer0.neuron0"
    with microgrid.scope("outer"):
        assert model(0.5).scope == "outer.tiny.layer0.neuron0"
    with pytest.raises(ValueError, match="without dots"):
        MLP(1, [1], name="a.b")


# ------------------------------------------------------------------------ modes and grads


def test_zero_grad_and_modes_are_recursive():
    model = Sequential(Dense(2, 3, "relu", seed=0), Dropout(0.5, seed=0), Dense(3, 1, seed=1))
    for p in model.parameters():
        p.grad = 1.5
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert model.eval() is model
    assert not any(m.training for m in [model, *model.modules, *model.modules[0].neurons])
    model.train()
    assert all(m.training for m in [model, *model.modules, *model.modules[2].neurons])


# ------------------------------------------------------------------------ state dicts


def test_state_dict_round_trip_through_json(tmp_path):
    a, b = MLP(2, [3, 2], seed=1), MLP(2, [3, 2], seed=2)
    x = [0.4, -0.6]
    state = json.loads(json.dumps(a.state_dict()))
    b.load_state_dict(state)
    assert weights_of(b) == weights_of(a)
    assert [o.data for o in b(x)] == [o.data for o in a(x)]
    c = MLP(2, [3, 2], seed=3)
    a.save(tmp_path / "a.json")
    c.load(tmp_path / "a.json")
    assert weights_of(c) == weights_of(a)
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["format"] == "microgrid.state_dict" and doc["module"] == "MLP"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.pop("layer0.neuron1.b"), "missing: layer0.neuron1.b"),
        (lambda s: s.update({"layer9.neuron0.w0": 1.0}), "unexpected: layer9.neuron0.w0"),
        (lambda s: s.update({"layer1.neuron0.w2": "0.5"}), "not a finite number: layer1.neuron0"),
        (lambda s: s.update({"layer0.neuron0.w0": True}), "layer0.neuron0.w0=True"),
        (lambda s: s.update({"layer0.neuron0.w1": float("nan")}), "layer0.neuron0.w1=nan"),
        (lambda s: s.update({"layer0.neuron0.w1": [0.1]}), r"layer0.neuron0.w1=\[0.1\]"),
    ],
)
def test_load_state_dict_refuses_and_changes_nothing(edit, message):
    model = MLP(2, [3, 1], seed=0)
    before = weights_of(model)
    state = {k: v + 1.0 for k, v in model.state_dict().items()}  # every entry would change
    edit(state)
    with pytest.raises(ValueError, match=message) as info:
        model.load_state_dict(state)
    assert "nothing was changed" in str(info.value)
    assert weights_of(model) == before


def test_load_reports_every_problem_at_once(tmp_path):
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError) as info:
        model.load_state_dict({"layer0.neuron0.w0": "x", "extra": 1.0})
    text = str(info.value)
    assert "missing: layer0.neuron0.w1, layer0.neuron0.b" in text
    assert "unexpected: extra" in text and "layer0.neuron0.w0='x'" in text
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        model.load(bad)
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([1.0, 2.0])


# ------------------------------------------------------------------------ dropout


def test_dropout_eval_is_identity_and_p_is_validated():
    xs = [Value(float(i)) for i in range(10)]
    d = Dropout(0.5, seed=0).eval()
    out = d(xs)
    assert all(a is b for a, b in zip(out, xs))
    assert all(a is b for a, b in zip(Dropout(0.0, seed=0)(xs), xs))
    for p in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"in \[0, 1\)"):
            Dropout(p)
    with pytest.raises(TypeError):
        Dropout("half")


def test_dropout_statistics_scaling_and_gradients():
    p, n = 0.3, 20000
    xs = [Value(1.0) for _ in range(n)]
    out = Dropout(p, seed=42)(xs)
    data = np.array([o.data for o in out])
    kept = data != 0.0
    assert set(np.unique(data)) == {0.0, 1 / (1 - p)}  # inverted dropout: kept ones scaled
    assert kept.mean() == pytest.approx(1 - p, abs=0.01)  # ~3.4 standard deviations at n=20000
    assert data.mean() == pytest.approx(1.0, abs=0.015)  # the expected value is preserved
    microgrid.engine.backward(out[0] + out[1] + out[2])
    for x, k in zip(xs[:3], kept[:3]):
        assert x.grad == (1 / (1 - p) if k else 0.0)


def test_dropout_is_seeded():
    xs = [Value(1.0) for _ in range(50)]
    a = [o.data for o in Dropout(0.5, seed=9)(xs)]
    assert a == [o.data for o in Dropout(0.5, seed=9)(xs)]
    assert a != [o.data for o in Dropout(0.5, seed=10)(xs)]
    d = Dropout(0.5, seed=9)
    assert [o.data for o in d(xs)] != [o.data for o in d(xs)]  # a fresh mask per call


# ------------------------------------------------------------------------ Keras-like Sequential


def keras_like(seed: int = 0) -> Sequential:
    """Seed 001's model at a scalar engine's size: 784-64-64-10 becomes 4-8-8-3."""
    rng = np.random.default_rng(seed)
    model = Sequential()
    model.add(Dense(4, 8, activation="relu", rng=rng))
    model.add(Dropout(0.2, rng=rng))
    model.add(Dense(8, 8, activation="relu", rng=rng))
    model.add(Dropout(0.2, rng=rng))
    model.add(Dense(8, 3, activation="softmax", rng=rng))
    return model


def test_keras_like_sequential_runs_and_trains():
    model = keras_like()
    names = [n for n, _ in model.named_parameters()]
    assert names[0] == "layer0.neuron0.w0" and names[-1] == "layer4.neuron2.b"
    assert model.num_parameters() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
    probs = model.eval()([0.5, -0.2, 0.1, 0.9])
    assert len(probs) == 3 and sum(p.data for p in probs) == pytest.approx(1.0, rel=1e-14)
    assert probs[0].scope == "sequential.layer4"

    data_rng = np.random.default_rng(1)
    X = data_rng.normal(size=(12, 4)).tolist()
    y = [int(np.argmax(row[:3])) for row in X]

    def loss_now() -> float:
        model.eval()
        with no_grad():
            return categorical_cross_entropy([model(x) for x in X], y).data

    start = loss_now()
    model.train()
    for _ in range(30):  # plain full-batch gradient descent, written out
        model.zero_grad()
        categorical_cross_entropy([model(x) for x in X], y).backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    assert loss_now() < 0.8 * start


def test_sequential_checks_widths():
    with pytest.raises(
        ValueError, match="layer1 .* expects 5 inputs but the previous layer gives 3"
    ):
        Sequential(Dense(2, 3), Dense(5, 1))
    with pytest.raises(ValueError, match="no layers"):
        Sequential()([1.0])
    with pytest.raises(TypeError, match="holds Modules"):
        Sequential(lambda x: x)
    with pytest.raises(ValueError, match="expects 2 input\\(s\\), got 1"):
        Sequential(Dense(2, 3, seed=0))([1.0])


def test_dense_defaults_to_linear_and_softmax_layer():
    d = Dense(2, 2, weights=[[1.0, 0.0], [0.0, 1.0]])
    assert [o.data for o in d([3.0, -4.0])] == [3.0, -4.0]
    s = Dense(2, 2, "softmax", weights=[[1.0, 0.0], [0.0, 1.0]])
    out = s([1000.0, -1000.0])
    assert [o.data for o in out] == [1.0, 0.0]


# ------------------------------------------------------------------------ torch parity


def test_mlp_matches_torch():
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 2], activation="relu", seed=5)
    x = [0.7, -1.1, 0.4]
    out = model(x)
    (out[0] * 2.0 + out[1] * -1.0).backward()

    layers = []
    for layer in model.layers:
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            f64 = torch.float64
            lin.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=f64)
            )
            lin.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=f64))
        layers.append(lin)
    tx = torch.tensor(x, dtype=torch.float64)
    ref = layers[1](torch.relu(layers[0](tx)))
    (ref * torch.tensor([2.0, -1.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose([o.data for o in out], ref.detach().numpy(), rtol=1e-13)
    torch_grads = []
    for lin in layers:
        for j in range(lin.out_features):
            torch_grads += lin.weight.grad[j].tolist() + [lin.bias.grad[j].item()]
    np.testing.assert_allclose([p.grad for p in model.parameters()], torch_grads, rtol=1e-13)


def test_summary_lists_layers_and_counts():
    model = keras_like()
    text = model.summary()
    lines = text.splitlines()
    assert lines[0].split() == ["name", "module", "outputs", "params"]
    assert lines[2].startswith("layer0") and lines[2].split()[-2:] == ["8", "40"]
    assert lines[3].split()[-2:] == ["-", "0"]  # Dropout: no width of its own, no parameters
    assert lines[-1] == f"total parameters: {model.num_parameters()}"


def test_sequential_starting_with_dropout_takes_any_width():
    out = Sequential(Dropout(0.5, seed=0)).eval()([1.0, 2.0, 3.0])
    assert [o.data for o in out] == [1.0, 2.0, 3.0]


# ------------------------------------------------------------------------ properties

architectures = st.tuples(
    st.integers(min_value=1, max_value=4),
    st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=2**32 - 1),
)


@settings(max_examples=40, deadline=None)
@given(architectures)
def test_any_mlp_counts_names_and_round_trips(arch):
    nin, nouts, seed = arch
    model = MLP(nin, nouts, seed=seed)
    sizes = [nin, *nouts]
    assert model.num_parameters() == sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    names = [n for n, _ in model.named_parameters()]
    assert len(set(names)) == len(names)
    other = MLP(nin, nouts, seed=seed + 1)
    other.load_state_dict(json.loads(json.dumps(model.state_dict())))
    x = [0.1 * (i + 1) for i in range(nin)]
    a, b = model(x), other(x)
    a, b = (a, b) if isinstance(a, list) else ([a], [b])
    assert len(a) == nouts[-1]
    assert [v.data for v in a] == [v.data for v in b]
    np.testing.assert_allclose([v.data for v in a], np_forward(model, x), rtol=1e-12, atol=1e-15)
