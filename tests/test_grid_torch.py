"""The grid layers against ``torch.nn.functional`` in float64, to 1e-9, forward and every gradient.

The same random inputs go through microgrid and PyTorch; the loss is sum_j r_j y_j with random
r, so every output's gradient enters. Skipped (with the reason) when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from grid_reference import untied
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, grid, nn
from microgrid import functional as F

torch = pytest.importorskip(
    "torch", reason="PyTorch parity tests need torch (pip install -e '.[torch]')"
)
TF = torch.nn.functional
TOL = 1e-9
seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=15)


def run_both(mg_fn, torch_fn, arrays, seed):
    """Forward and backward through both; assert outputs and every input's gradient agree."""
    grids = [None if a is None else grid.from_numpy(a) for a in arrays]
    tensors = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    out = mg_fn(*grids)
    t_out = torch_fn(*tensors)
    assert grid.shape(out) == tuple(t_out.shape)
    r = np.random.default_rng(seed + 1).normal(size=tuple(t_out.shape))
    F.value_sum([o * float(w) for o, w in zip(grid.flat(out), r.ravel())]).backward()
    (t_out * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(grid.data(out), t_out.detach().numpy(), atol=TOL, rtol=0)
    for k, (g, t) in enumerate(zip(grids, tensors)):
        if g is not None:
            np.testing.assert_allclose(
                grid.grad(g), t.grad.numpy(), atol=TOL, rtol=0, err_msg=f"input {k}"
            )


@few
@given(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.booleans(),
    seeds,
)
def test_conv2d_matches_torch(n, c_in, c_out, k, stride, pad, with_bias, seed):
    rng = np.random.default_rng(seed)
    h, w = k + rng.integers(0, 3), k + rng.integers(0, 3)
    x = rng.normal(size=(n, c_in, h, w))
    weight = rng.normal(size=(c_out, c_in, k, k))
    bias = rng.normal(size=c_out) if with_bias else None
    run_both(
        lambda a, b, c: F.conv2d(a, b, c, stride=stride, padding=pad),
        lambda a, b, c: TF.conv2d(a, b, c, stride=stride, padding=pad),
        [x, weight, bias],
        seed,
    )


def test_conv2d_rectangular_kernel_stride_and_padding_match_torch():
    rng = np.random.default_rng(11)
    x, weight, bias = (
        rng.normal(size=(2, 2, 5, 6)),
        rng.normal(size=(3, 2, 2, 3)),
        rng.normal(size=3),
    )
    run_both(
        lambda a, b, c: F.conv2d(a, b, c, stride=(2, 1), padding=(1, 0)),
        lambda a, b, c: TF.conv2d(a, b, c, stride=(2, 1), padding=(1, 0)),
        [x, weight, bias],
        11,
    )


@few
@given(st.integers(1, 3), st.one_of(st.none(), st.integers(1, 3)), seeds)
def test_pooling_matches_torch(k, stride, seed):
    rng = np.random.default_rng(seed)
    x = untied(rng, (2, 2, k + int(rng.integers(0, 3)), k + int(rng.integers(0, 3))))
    run_both(
        lambda a: F.max_pool2d(a, k, stride),
        lambda a: TF.max_pool2d(a, k, stride),
        [x],
        seed,
    )
    run_both(
        lambda a: F.avg_pool2d(a, k, stride),
        lambda a: TF.avg_pool2d(a, k, stride),
        [x],
        seed,
    )
    run_both(
        F.global_avg_pool2d,
        lambda a: TF.adaptive_avg_pool2d(a, 1).flatten(2).squeeze(2),
        [x],
        seed,
    )


@few
@given(st.sampled_from([(3, 4), (2, 3, 2, 3), (4, 2, 1, 2)]), seeds)
def test_batch_norm_in_training_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x, gamma, beta = rng.normal(size=shape), rng.uniform(0.5, 2, c), rng.normal(size=c)
    run_both(
        F.batch_norm,
        lambda a, g, b: TF.batch_norm(a, None, None, g, b, training=True, eps=1e-5),
        [x, gamma, beta],
        seed,
    )


@few
@given(st.sampled_from([1, 2, 4]), st.booleans(), seeds)
def test_group_norm_with_1_g_and_c_groups_matches_torch(groups, image, seed):
    rng = np.random.default_rng(seed)
    shape = (2, 4, 2, 3) if image else (3, 4)
    x, gamma, beta = rng.normal(size=shape), rng.uniform(0.5, 2, 4), rng.normal(size=4)
    if groups == 4 and not image:
        return  # one value per group: refused (see test_grid_ops)
    ours = {1: F.layer_norm, 4: F.instance_norm}.get(groups)
    for mg in filter(None, [ours, lambda a, g, b: F.group_norm(a, groups, g, b)]):
        run_both(
            mg,
            lambda a, g, b: TF.group_norm(a, groups, g, b, eps=1e-5),
            [x, gamma, beta],
            seed,
        )


def test_layer_norm_of_a_feature_batch_matches_torch_layer_norm():
    rng = np.random.default_rng(5)
    x, gamma, beta = rng.normal(size=(3, 5)), rng.uniform(0.5, 2, 5), rng.normal(size=5)
    run_both(
        F.layer_norm,
        lambda a, g, b: TF.layer_norm(a, (5,), g, b, eps=1e-5),
        [x, gamma, beta],
        5,
    )


def test_gradient_clipping_matches_torch():
    from microgrid.optim import clip_grad_norm, clip_grad_value

    grads = np.random.default_rng(6).normal(size=7) * 3
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (2.0, float("inf"))]:
        params = [Value(0.0) for _ in grads]
        for p, g in zip(params, grads):
            p.grad = float(g)
        tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
        for t, g in zip(tensors, grads):
            t.grad = torch.tensor(g)
        total = clip_grad_norm(params, max_norm, norm_type)
        t_total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type)
        assert abs(total - float(t_total)) < TOL
        np.testing.assert_allclose(
            [p.grad for p in params], [float(t.grad) for t in tensors], atol=TOL, rtol=0
        )
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = float(g)
    tensors = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    clip_grad_value(params, 1.5)
    torch.nn.utils.clip_grad_value_(tensors, 1.5)
    np.testing.assert_allclose([p.grad for p in params], [float(t.grad) for t in tensors], atol=0)


@pytest.mark.parametrize("image", [True, False])
def test_batch_norm_module_running_statistics_match_torch_over_several_steps(image):
    rng = np.random.default_rng(8)
    ours = nn.BatchNorm(3, momentum=0.2)
    theirs = (torch.nn.BatchNorm2d if image else torch.nn.BatchNorm1d)(3, momentum=0.2).double()
    shape = (4, 3, 2, 2) if image else (5, 3)
    for step in range(4):
        x = rng.normal(loc=step, scale=1 + step, size=shape)
        out = ours(grid.from_numpy(x))
        t_out = theirs(torch.tensor(x))
        np.testing.assert_allclose(grid.data(out), t_out.detach().numpy(), atol=TOL, rtol=0)
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), atol=TOL)
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=TOL)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=shape)
    np.testing.assert_allclose(
        grid.data(ours(grid.from_numpy(x))), theirs(torch.tensor(x)).detach().numpy(), atol=TOL
    )
