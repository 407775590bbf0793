"""conv2d, pooling, normalization and maxout: forward values against plain numpy, gradients
against central differences, on random small inputs drawn by Hypothesis.

Max pooling and maxout are kept away from ties by construction: their inputs are a shuffled
ladder of values 0.1 apart (plus noise below 0.01), so a finite-difference step of 1e-6 never
changes which position wins.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from grid_reference import np_conv, np_group_norm, np_norm, np_windows, untied
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, grid, no_grad
from microgrid import functional as F

H_STEP = 1e-6
settings_small = settings(max_examples=25)


# ------------------------------------------------------------------------------ helpers


def _weighted_sum(out, weights: np.ndarray) -> Value:
    outs = grid.flat(out)
    return F.value_sum([o * float(r) for o, r in zip(outs, weights)])


def check_gradients(
    build: Callable[..., object], arrays: list[np.ndarray], seed: int, tol: float = 1e-6
) -> None:
    """backward() of sum_j r_j y_j (random r) against central differences, for every input."""
    grids = [grid.from_numpy(a) for a in arrays]
    out = build(*grids)
    weights = np.random.default_rng(seed + 1).normal(size=len(grid.flat(out)))
    _weighted_sum(out, weights).backward()

    def loss_at(values: list[np.ndarray]) -> float:
        with no_grad():
            return _weighted_sum(build(*[grid.from_numpy(a) for a in values]), weights).data

    for k, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][idx] += H_STEP
            minus[k][idx] -= H_STEP
            numeric[idx] = (loss_at(plus) - loss_at(minus)) / (2 * H_STEP)
        np.testing.assert_allclose(grid.grad(grids[k]), numeric, atol=tol, rtol=tol)


seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------------------ conv2d


@st.composite
def conv_cases(draw):
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 1))
    h = draw(st.integers(max(1, k - 2 * pad), 4))
    w = draw(st.integers(max(1, k - 2 * pad), 4))
    return n, c_in, c_out, h, w, k, draw(st.integers(1, 2)), pad, draw(st.booleans())


@settings_small
@given(conv_cases(), seeds)
def test_conv2d_forward_matches_numpy_and_gradients_match_differences(case, seed):
    n, c_in, c_out, h, w, k, stride, pad, with_bias = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c_in, h, w))
    wt = rng.normal(size=(c_out, c_in, k, k))
    b = rng.normal(size=c_out)
    if with_bias:
        out = F.conv2d(grid.from_numpy(x), grid.from_numpy(wt), grid.from_numpy(b), stride, pad)
        expected = np_conv(x, wt, b, stride, pad)
    else:
        out = F.conv2d(grid.from_numpy(x), grid.from_numpy(wt), None, stride, pad)
        expected = np_conv(x, wt, None, stride, pad)
    np.testing.assert_allclose(grid.data(out), expected, atol=1e-12, rtol=1e-12)
    if with_bias:
        check_gradients(lambda a, v, c: F.conv2d(a, v, c, stride, pad), [x, wt, b], seed)
    else:
        check_gradients(lambda a, v: F.conv2d(a, v, None, stride, pad), [x, wt], seed)


def test_conv2d_shared_weight_gradient_is_the_sum_over_positions():
    # a 1x1 kernel of weight w on a 3x3 image: y_ij = w x_ij, so dL/dw = sum_ij x_ij for L = sum y
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    weight = grid.from_numpy(np.array([[[[2.0]]]]), label="w")
    out = F.conv2d(grid.from_numpy(x), weight)
    F.value_sum(grid.flat(out)).backward()
    assert weight[0][0][0][0].grad == x.sum()
    # the one weight node feeds all nine products
    w_node = weight[0][0][0][0]
    assert sum(w_node in o.children for o in grid.flat(out)) == 9


def test_conv2d_takes_one_image_and_gives_one_back():
    x = np.random.default_rng(0).normal(size=(2, 4, 4))
    wt = np.random.default_rng(1).normal(size=(3, 2, 3, 3))
    out = F.conv2d(grid.from_numpy(x), grid.from_numpy(wt))
    assert grid.shape(out) == (3, 2, 2)
    np.testing.assert_allclose(grid.data(out), np_conv(x[None], wt, None, 1, 0)[0], atol=1e-12)


# ------------------------------------------------------------------------------ pooling


@st.composite
def pool_cases(draw):
    k = draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    h, w = draw(st.integers(k, 5)), draw(st.integers(k, 5))
    return draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w, k, stride


@settings_small
@given(pool_cases(), seeds)
def test_max_pool2d_forward_and_gradients(case, seed):
    n, c, h, w, k, stride = case
    x = untied(np.random.default_rng(seed), (n, c, h, w))
    s = k if stride is None else stride
    out = F.max_pool2d(grid.from_numpy(x), k, stride)
    np.testing.assert_array_equal(grid.data(out), np_windows(x, k, k, s, s).max(axis=(4, 5)))
    check_gradients(lambda a: F.max_pool2d(a, k, stride), [x], seed)


def test_max_pool2d_routes_the_whole_gradient_to_the_argmax_and_ties_to_the_first():
    x = grid.from_numpy(np.array([[[[1.0, 5.0], [5.0, 2.0]]]]))
    (y,) = grid.flat(F.max_pool2d(x, 2))
    y.backward(3.0)
    assert y.data == 5.0
    # the tie between (0,1) and (1,0) goes to the first in row-major order
    np.testing.assert_array_equal(grid.grad(x), [[[[0.0, 3.0], [0.0, 0.0]]]])


@settings_small
@given(pool_cases(), seeds)
def test_avg_pool2d_forward_and_gradients(case, seed):
    n, c, h, w, k, stride = case
    x = np.random.default_rng(seed).normal(size=(n, c, h, w))
    s = k if stride is None else stride
    out = F.avg_pool2d(grid.from_numpy(x), k, stride)
    np.testing.assert_allclose(
        grid.data(out), np_windows(x, k, k, s, s).mean(axis=(4, 5)), atol=1e-12
    )
    check_gradients(lambda a: F.avg_pool2d(a, k, stride), [x], seed)


def test_avg_pool2d_splits_the_gradient_evenly():
    x = grid.from_numpy(np.arange(16.0).reshape(1, 1, 4, 4))
    out = F.avg_pool2d(x, 2)
    F.value_sum(grid.flat(out)).backward()
    np.testing.assert_allclose(grid.grad(x), np.full((1, 1, 4, 4), 0.25))


@settings_small
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), seeds)
def test_global_avg_pool2d_forward_and_gradients(n, c, h, w, seed):
    x = np.random.default_rng(seed).normal(size=(n, c, h, w))
    out = F.global_avg_pool2d(grid.from_numpy(x))
    assert grid.shape(out) == (n, c)
    np.testing.assert_allclose(grid.data(out), x.mean(axis=(2, 3)), atol=1e-12)
    check_gradients(F.global_avg_pool2d, [x], seed)


@settings_small
@given(pool_cases(), seeds)
def test_stochastic_pool2d_evaluation_is_the_probability_weighted_mean(case, seed):
    n, c, h, w, k, stride = case
    x = np.random.default_rng(seed).uniform(0.1, 2.0, size=(n, c, h, w))
    s = k if stride is None else stride
    windows = np_windows(x, k, k, s, s)
    expected = (windows**2).sum(axis=(4, 5)) / windows.sum(axis=(4, 5))
    out = F.stochastic_pool2d(grid.from_numpy(x), k, stride, training=False)
    np.testing.assert_allclose(grid.data(out), expected, atol=1e-12)
    check_gradients(lambda a: F.stochastic_pool2d(a, k, stride, training=False), [x], seed)


def test_stochastic_pool2d_training_samples_by_probability_and_routes_to_the_pick():
    a = np.array([1.0, 0.0, 3.0, 4.0])  # p = 0.125, 0, 0.375, 0.5
    x = grid.from_numpy(np.tile(a.reshape(1, 2, 2), (2000, 1, 1, 1)))
    out = F.stochastic_pool2d(x, 2, training=True, seed=7)
    picks = grid.data(out).ravel()
    freq = np.array([np.mean(picks == v) for v in a])
    # 2000 draws: a frequency's standard error is below 0.012, so 0.04 is over 3 of them
    np.testing.assert_allclose(freq, a / a.sum(), atol=0.04)
    assert freq[1] == 0.0
    F.value_sum(grid.flat(out)).backward()
    g = grid.grad(x).reshape(2000, 4)
    assert np.all(g.sum(axis=1) == 1.0)  # each window's gradient went to one position...
    chosen = g.argmax(axis=1)
    np.testing.assert_array_equal(a[chosen], picks)  # ...the one whose value was passed on
    again = F.stochastic_pool2d(x, 2, training=True, seed=7)
    np.testing.assert_array_equal(grid.data(again).ravel(), picks)  # seeded: reproducible


def test_stochastic_pool2d_refuses_negative_activations():
    x = grid.from_numpy(np.array([[[[1.0, -0.5], [0.0, 2.0]]]]))
    with pytest.raises(ValueError, match="non-negative activations"):
        F.stochastic_pool2d(x, 2, seed=0)


# ------------------------------------------------------------------------------ normalization


@st.composite
def norm_cases(draw):
    n = draw(st.integers(2, 3))
    c = draw(st.sampled_from([1, 2, 4]))
    image = draw(st.booleans())
    hw = (draw(st.integers(1, 3)), draw(st.integers(2, 3))) if image else ()
    return (n, c, *hw), draw(st.booleans())


def _affine(seed, c):
    rng = np.random.default_rng(seed + 2)
    return rng.uniform(0.5, 2.0, c), rng.normal(size=c)


@settings_small
@given(norm_cases(), seeds)
def test_batch_norm_forward_and_gradients(case, seed):
    shape, affine = case
    x = np.random.default_rng(seed).normal(size=shape)
    gamma, beta = _affine(seed, shape[1])
    axes = (0,) + tuple(range(2, len(shape)))
    if affine:
        out = F.batch_norm(grid.from_numpy(x), grid.from_numpy(gamma), grid.from_numpy(beta))
        check = [x, gamma, beta]

        def build(a, g, b):
            return F.batch_norm(a, g, b)
    else:
        gamma, beta = np.ones(shape[1]), np.zeros(shape[1])
        out = F.batch_norm(grid.from_numpy(x))
        check, build = [x], F.batch_norm
    np.testing.assert_allclose(grid.data(out), np_norm(x, axes, gamma, beta), atol=1e-10)
    check_gradients(build, check, seed, tol=1e-5)


@settings_small
@given(norm_cases(), seeds)
def test_layer_norm_forward_and_gradients(case, seed):
    shape, _ = case
    x = np.random.default_rng(seed).normal(size=shape)
    if x[0].size == 1:
        with pytest.raises(ValueError, match="at least two values per group"):
            F.layer_norm(grid.from_numpy(x))
        return
    gamma, beta = _affine(seed, shape[1])
    out = F.layer_norm(grid.from_numpy(x), grid.from_numpy(gamma), grid.from_numpy(beta))
    axes = tuple(range(1, len(shape)))
    np.testing.assert_allclose(grid.data(out), np_norm(x, axes, gamma, beta), atol=1e-10)
    check_gradients(F.layer_norm, [x, gamma, beta], seed, tol=1e-5)


@settings_small
@given(norm_cases(), seeds)
def test_instance_norm_forward_and_gradients(case, seed):
    shape, _ = case
    if len(shape) == 2:
        shape = (*shape, 2, 2)
    x = np.random.default_rng(seed).normal(size=shape)
    gamma, beta = _affine(seed, shape[1])
    out = F.instance_norm(grid.from_numpy(x), grid.from_numpy(gamma), grid.from_numpy(beta))
    np.testing.assert_allclose(grid.data(out), np_norm(x, (2, 3), gamma, beta), atol=1e-10)
    check_gradients(F.instance_norm, [x, gamma, beta], seed, tol=1e-5)


@settings_small
@given(norm_cases(), st.data(), seeds)
def test_group_norm_forward_and_gradients(case, data, seed):
    shape, _ = case
    c = shape[1]
    groups = data.draw(st.sampled_from([g for g in (1, 2, 4) if c % g == 0]))
    x = np.random.default_rng(seed).normal(size=shape)
    if len(shape) == 2 and groups == c:
        with pytest.raises(ValueError, match="at least two values per group"):
            F.group_norm(grid.from_numpy(x), groups)
        return
    gamma, beta = _affine(seed, c)
    out = F.group_norm(grid.from_numpy(x), groups, grid.from_numpy(gamma), grid.from_numpy(beta))
    np.testing.assert_allclose(grid.data(out), np_group_norm(x, groups, gamma, beta), atol=1e-10)
    check_gradients(lambda a, g, b: F.group_norm(a, groups, g, b), [x, gamma, beta], seed, 1e-5)


def test_group_norm_with_one_group_is_layer_norm_and_with_c_groups_instance_norm():
    x = np.random.default_rng(3).normal(size=(2, 4, 2, 3))
    one = grid.data(F.group_norm(grid.from_numpy(x), 1))
    every = grid.data(F.group_norm(grid.from_numpy(x), 4))
    np.testing.assert_allclose(one, grid.data(F.layer_norm(grid.from_numpy(x))), atol=1e-14)
    np.testing.assert_allclose(every, grid.data(F.instance_norm(grid.from_numpy(x))), atol=1e-14)


def test_batch_norm_with_given_statistics_is_independent_of_the_batch():
    x = np.random.default_rng(4).normal(size=(3, 2, 2, 2))
    mean, var = [0.5, -1.0], [2.0, 0.25]
    out = grid.data(F.batch_norm(grid.from_numpy(x), [2.0, 1.0], [0.0, 1.0], mean=mean, var=var))
    shape = (1, 2, 1, 1)
    expected = (x - np.reshape(mean, shape)) / np.sqrt(np.reshape(var, shape) + 1e-5)
    expected = expected * np.reshape([2.0, 1.0], shape) + np.reshape([0.0, 1.0], shape)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    alone = grid.data(
        F.batch_norm(grid.from_numpy(x[:1]), [2.0, 1.0], [0.0, 1.0], mean=mean, var=var)
    )
    np.testing.assert_allclose(alone, out[:1], atol=0)


# ------------------------------------------------------------------------------ maxout


@settings_small
@given(st.integers(1, 3), st.integers(1, 4), seeds)
def test_maxout_forward_and_gradients(nout, pieces, seed):
    z = untied(np.random.default_rng(seed), (nout * pieces,))
    out = F.maxout(grid.from_numpy(z), pieces)
    np.testing.assert_array_equal(grid.data(out), z.reshape(nout, pieces).max(axis=1))
    check_gradients(lambda a: F.maxout(a, pieces), [z], seed)


def test_maxout_refuses_a_width_that_does_not_split():
    with pytest.raises(ValueError, match="5 inputs do not split into groups of 2"):
        F.maxout([1.0, 2.0, 3.0, 4.0, 5.0], 2)


def test_each_pooling_window_is_one_node_whose_edges_carry_the_routing():
    x = grid.from_numpy(np.array([[[[1.0, 5.0, 0.5, 0.5], [3.0, 2.0, 0.5, 0.5]]]]))
    top_left = [x[0][0][0][0], x[0][0][0][1], x[0][0][1][0], x[0][0][1][1]]
    m = F.max_pool2d(x, 2)[0][0][0][0]
    assert m.op == "max_pool" and list(m.children) == top_left
    assert m.local_grads == (0.0, 1.0, 0.0, 0.0)
    ties = F.max_pool2d(x, 2)[0][0][0][1]  # four equal values: the first position wins
    assert ties.local_grads == (1.0, 0.0, 0.0, 0.0)
    a = F.avg_pool2d(x, 2)[0][0][0][0]
    assert a.op == "avg_pool" and a.local_grads == (0.25,) * 4 and a.data == 11.0 / 4
    (z,) = F.maxout([0.5, 2.0, 1.0], 3)
    assert z.op == "maxout" and z.local_grads == (0.0, 1.0, 0.0) and z.data == 2.0


def test_a_nan_is_passed_on_by_pooling_and_maxout_never_hidden():
    nan = float("nan")

    def window(values):  # from_numpy refuses NaN, so the Values are made by hand
        v = [Value(a) for a in values]
        return [[[v[:2], v[2:]]]]

    for values in ([1.0, nan, 3.0, 2.0], [nan, 1.0, 3.0, 2.0], [1.0, 2.0, 3.0, nan]):
        for out in (F.max_pool2d(window(values), 2), F.avg_pool2d(window(values), 2)):
            assert np.isnan(grid.data(out)).all(), (values, out)
        (z,) = F.maxout(values, 4)
        assert z.data != z.data
    x = window([0.5, nan, 1.0, 2.0])
    assert np.isnan(grid.data(F.stochastic_pool2d(x, 2, seed=0))).all()
    assert np.isnan(grid.data(F.stochastic_pool2d(x, 2, training=False))).all()
