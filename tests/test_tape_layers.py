"""The tape replays the layers' graphs (convolution, pooling, normalization, maxout, a small
CNN) with the scalar engine's numbers: forward values and every parameter's gradient to 1e-12.

The reference is the scalar engine itself: one fresh graph and one ``backward`` per sample, the
gradients summed, with a random upstream gradient per sample and output (the tape's
``backward(grad=...)``), so every output's routing is checked, not only their sum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from microgrid import Value, nn
from microgrid.convolution import conv2d
from microgrid.maxout import maxout
from microgrid.normalization import batch_norm, group_norm, instance_norm, layer_norm
from microgrid.pooling import avg_pool2d, global_avg_pool2d, max_pool2d, stochastic_pool2d
from microgrid.tape import compile

TOL = 1e-12


def _grid(flat: list[Any], shape: tuple[int, ...]) -> Any:
    """A flat list reshaped to nested lists of ``shape`` (row-major)."""
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [_grid(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _flat(grid: Any) -> list[Value]:
    if isinstance(grid, Value):
        return [grid]
    return [v for item in grid for v in _flat(item)]


def _params(shape: tuple[int, ...], rng: np.random.Generator) -> Any:
    return _grid([Value(float(v)) for v in rng.normal(size=int(np.prod(shape)))], shape)


def _check(fn: Callable[[list[Value]], list[Value]], params: list[Value], X: np.ndarray) -> None:
    """Compile fn on X[0] and compare the tape with the scalar engine on every row of X."""
    tape = compile(fn, params, (X[0].tolist(),))
    got = tape.forward(X)
    n_out = got.shape[1]
    upstream = np.random.default_rng(99).normal(size=(len(X), n_out))
    grad = tape.backward(grad=upstream)

    for p in params:
        p.grad = 0.0
    want = np.empty((len(X), n_out))
    for s, row in enumerate(X):
        outs = fn([Value(float(v)) for v in row])
        want[s] = [o.data for o in outs]
        total = outs[0] * float(upstream[s, 0])
        for k in range(1, n_out):
            total = total + outs[k] * float(upstream[s, k])
        total.backward()
    want_grad = np.array([p.grad for p in params])
    for p in params:
        p.grad = 0.0
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(grad, want_grad, rtol=TOL, atol=TOL)
    assert np.abs(want_grad).max() > 0.0  # the check is not vacuous


def _inputs(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Random samples; continuous, so max-pool windows have no ties."""
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), ((1, 2), (0, 1))])
def test_conv2d_with_bias_stride_and_padding(stride: Any, padding: Any) -> None:
    rng = np.random.default_rng(1)
    weight, bias = _params((3, 2, 2, 3), rng), _params((3,), rng)
    params = [*_flat(weight), *_flat(bias)]

    def fn(x: list[Value]) -> list[Value]:
        scale = [v * params[0] for v in x]  # an input times a parameter, as in a real model
        return _flat(conv2d(_grid(scale, (2, 4, 5)), weight, bias, stride, padding))

    _check(fn, params, _inputs(5, 40))


@pytest.mark.parametrize("pool", ["max", "avg", "global"])
def test_pooling(pool: str) -> None:
    rng = np.random.default_rng(2)
    weight = _params((2, 1, 2, 2), rng)
    params = _flat(weight)

    def fn(x: list[Value]) -> list[Value]:
        maps = conv2d(_grid(x, (1, 5, 5)), weight)  # 2 x 4 x 4
        if pool == "max":
            return _flat(max_pool2d(maps, 2))
        if pool == "avg":
            return _flat(avg_pool2d(maps, 3, stride=1))  # overlapping windows
        return _flat(global_avg_pool2d(maps))

    _check(fn, params, _inputs(6, 25))


def test_windows_of_different_sizes_at_one_level() -> None:
    """avg_pool nodes of arity 4 and 16 (and max_pool of 4 and 9) in one graph and one level."""
    w = Value(1.3)

    def fn(x: list[Value]) -> list[Value]:
        maps = _grid([v * w for v in x], (1, 4, 4))
        return [
            *_flat(avg_pool2d(maps, 2)),
            *_flat(global_avg_pool2d(maps)),
            *_flat(max_pool2d(maps, 2)),
            *_flat(max_pool2d(maps, 3)),
        ]

    _check(fn, [w], _inputs(5, 16, seed=12))


def test_overlapping_max_pool_routes_to_the_first_arg_max_per_sample() -> None:
    w = Value(0.7)

    def fn(x: list[Value]) -> list[Value]:
        return _flat(max_pool2d(_grid([v * w for v in x], (1, 4, 4)), 3, stride=1))

    _check(fn, [w], _inputs(7, 16, seed=5))


def test_max_pool_ties_go_to_the_first_position_and_nan_is_passed_on() -> None:
    w = Value(1.0)

    def fn(x: list[Value]) -> list[Value]:
        return _flat(max_pool2d(_grid([v * w for v in x], (1, 2, 2)), 2))

    tape = compile(fn, [w], ([0.1, 0.2, 0.3, 0.4],))
    X = np.array([[2.0, 2.0, 1.0, 2.0], [1.0, np.nan, 3.0, np.nan], [-1.0, -1.0, -1.0, -1.0]])
    out = tape.forward(X)
    assert out[0, 0] == 2.0 and np.isnan(out[1, 0]) and out[2, 0] == -1.0
    tape.backward(reduction="sum")
    assert np.isnan(tape.grad[0])  # the NaN sample's routed input is NaN: passed on
    for rows in ([0], [2], [0, 2]):  # dL/dw = the routed input: the first of the tied 2s, -1
        tape.forward(X[rows])
        want = 0.0
        for row in X[rows]:
            w.grad = 0.0
            fn([Value(float(v)) for v in row])[0].backward()
            want += w.grad
        w.grad = 0.0
        assert tape.backward(reduction="sum")[0] == want


def test_maxout_layer() -> None:
    layer = nn.Maxout(3, 2, pieces=3, seed=4)
    params = layer.parameters()

    def fn(x: list[Value]) -> list[Value]:
        return maxout([*layer.linear(x)], 3) + [v for v in layer(x)]

    _check(fn, params, _inputs(8, 3))


def test_maxout_function_of_inputs_and_parameters() -> None:
    w = Value(-0.6)

    def fn(x: list[Value]) -> list[Value]:
        # per-sample pieces, a parameter and a uniform w * 2 (one column, broadcast)
        return maxout([x[0] * w, x[1], x[2] + w, w, x[3], x[4] * x[0], w * 2.0], 7)

    _check(fn, [w], _inputs(9, 5, seed=3))


NORMS = {
    "batch": lambda x, g, b: batch_norm(x, g, b),
    "batch_eval": lambda x, g, b: batch_norm(x, g, b, mean=[0.1, -0.2], var=[1.5, 0.7]),
    "layer": lambda x, g, b: layer_norm(x, g, b),
    "instance": lambda x, g, b: instance_norm(x, g, b),
    "group": lambda x, g, b: group_norm(x, 1, g, b),
}


@pytest.mark.parametrize("name", sorted(NORMS))
def test_normalization(name: str) -> None:
    """One tape sample is a mini-batch of 2 images of 2 x 2 x 3 (batch norm spans it)."""
    rng = np.random.default_rng(6)
    gamma, beta = _params((2,), rng), _params((2,), rng)
    params = [*gamma, *beta]

    def fn(x: list[Value]) -> list[Value]:
        return _flat(NORMS[name](_grid(x, (2, 2, 2, 3)), gamma, beta))

    _check(fn, params, _inputs(5, 24, seed=7))


def test_tiny_cnn() -> None:
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, seed=0),
        nn.Conv2d(2, 2, 2, stride=1, seed=1, activation="relu"),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dense(8, 3, seed=2),
    )
    params = model.parameters()
    rng = np.random.default_rng(8)
    for p in params:  # the biases start at 0: move them so their gradients are exercised
        p.data += 0.1 * float(rng.normal())

    def fn(x: list[Value]) -> list[Value]:
        out = model(_grid(x, (1, 5, 5)))
        return list(out)

    _check(fn, params, _inputs(6, 25, seed=9))


def test_stochastic_pool_training_is_refused_and_evaluation_replayed() -> None:
    w = Value(0.8)

    def train(x: list[Value]) -> list[Value]:
        a = _grid([(v * w).relu() for v in x], (1, 2, 2))
        return _flat(stochastic_pool2d(a, 2, seed=0))

    with pytest.raises(ValueError, match="cannot replay op 'stochastic_pool'.*training=False"):
        compile(train, [w], ([0.1, 0.2, 0.3, 0.4],))

    def evaluate(x: list[Value]) -> list[Value]:
        a = _grid([v * w for v in x], (1, 2, 3))
        return _flat(stochastic_pool2d(a, (2, 2), stride=1, training=False))

    X = np.abs(_inputs(5, 6, seed=11)) + 0.1  # positive activations: no all-zero window
    # the perturbed copies of the data-dependence check go negative: give the samples instead
    tape = compile(evaluate, [w], *[(row.tolist(),) for row in X])
    got = tape.forward(X)
    want = [[v.data for v in evaluate([Value(float(a)) for a in row])] for row in X]
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


def test_a_branch_on_the_data_is_refused_with_one_example() -> None:
    w = Value(0.5)

    def fn(x: list[Value]) -> Value:
        return x[0] * w if x[0].data > 0 else (x[0] * w).exp()

    with pytest.raises(ValueError, match="depends on the data.*a copy of example 0 negated"):
        compile(fn, [w], ([0.3, 1.0],))
    with pytest.raises(ValueError, match="depends on the data"):
        compile(fn, [w], ([-0.3, 1.0],))


def test_a_branch_on_a_zero_input_is_caught_by_the_noisy_copies() -> None:
    w = Value(0.5)

    def fn(x: Value) -> Value:  # negating 0 changes nothing: the noise finds the other branch
        return x * w if x.data >= 0 else x * w * 2.0

    with pytest.raises(ValueError, match="seeded noise"):
        compile(fn, [w], (0.0,))


def test_a_fn_undefined_on_the_perturbed_copies_still_compiles() -> None:
    w = Value(0.5)

    def fn(x: list[Value]) -> Value:
        if min(v.data for v in x) <= 0:
            raise ValueError("fn needs positive inputs")
        return x[0].log() * w + x[1].log()

    tape = compile(fn, [w], ([0.3, 2.0],))
    np.testing.assert_allclose(
        tape.forward(np.array([[0.5, 4.0]])), [np.log(0.5) * 0.5 + np.log(4)]
    )
