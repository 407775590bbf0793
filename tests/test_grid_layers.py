"""The module forms of the grid layers: parameters, names, modes, and agreement with the
functions they wrap (numpy or the functional form as reference, computed independently).
"""

from __future__ import annotations

import numpy as np
import pytest
from grid_reference import np_conv

from microgrid import Value, fit, grid, nn, predict
from microgrid import functional as F


def test_conv2d_module_names_its_parameters_and_computes_the_convolution():
    conv = nn.Conv2d(2, 3, 2, seed=1)
    names = [n for n, _ in conv.named_parameters()]
    assert names[:2] == ["w[0,0,0,0]", "w[0,0,0,1]"]
    assert names[-3:] == ["b[0]", "b[1]", "b[2]"]
    assert conv.num_parameters() == 3 * 2 * 2 * 2 + 3
    assert conv.weight[1][0][1][0].label == "w[1,0,1,0]" and conv.weight[1][0][1][0].scope == "conv"
    for b in conv.bias:
        b.data = 0.5
    x = np.random.default_rng(2).normal(size=(2, 2, 4, 3))
    out = conv(grid.from_numpy(x))
    expected = np_conv(x, grid.data(conv.weight), grid.data(conv.bias), 1, 0)
    np.testing.assert_allclose(grid.data(out), expected, atol=1e-12)
    assert all(v.scope == "conv" for v in grid.flat(out))
    # he_uniform with fan-in 2*2*2 = 8: every weight within sqrt(6/8)
    assert np.abs(grid.data(conv.weight)).max() <= np.sqrt(6 / 8)


def test_conv2d_module_is_seeded_and_applies_its_activation():
    a, b = nn.Conv2d(1, 2, 3, seed=5), nn.Conv2d(1, 2, 3, seed=5, activation="relu")
    assert a.state_dict() == b.state_dict()
    x = grid.from_numpy(np.random.default_rng(0).normal(size=(1, 5, 5)))
    np.testing.assert_array_equal(grid.data(b(x)), np.maximum(grid.data(a(x)), 0.0))
    assert repr(b) == "Conv2d(1, 2, 3, activation='relu')"


def test_pool_modules_and_their_modes():
    x = grid.from_numpy(np.random.default_rng(1).uniform(0.1, 1.0, size=(1, 2, 4, 4)))
    np.testing.assert_array_equal(grid.data(nn.MaxPool2d(2)(x)), grid.data(F.max_pool2d(x, 2)))
    np.testing.assert_array_equal(
        grid.data(nn.AvgPool2d(3, stride=1)(x)), grid.data(F.avg_pool2d(x, 3, 1))
    )
    assert grid.shape(nn.GlobalAvgPool2d()(x)) == (1, 2)
    pool = nn.StochasticPool2d(2, seed=3)
    sampled = grid.data(pool(x))
    windows = (
        grid.data(x).reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 2, 2, 4)
    )
    assert all(v in w for v, w in zip(sampled.ravel(), windows.reshape(-1, 4)))
    pool.eval()
    np.testing.assert_allclose(
        grid.data(pool(x)), (windows**2).sum(-1) / windows.sum(-1), atol=1e-12
    )


def test_flatten_and_unflatten_are_inverse_row_major_reshapes():
    flat = list(np.arange(12.0))
    img = nn.Unflatten((3, 2, 2))(flat)
    np.testing.assert_array_equal(grid.data(img), np.arange(12.0).reshape(3, 2, 2))
    assert img[2][1][0].label == "x[2,1,0]"
    assert [v.data for v in nn.Flatten()(img)] == flat
    batch = nn.Flatten()([img, img])
    assert len(batch) == 2 and len(batch[1]) == 12
    with pytest.raises(
        ValueError, match=r"Unflatten\(3, 2, 2\) expects 12 inputs \(C\*H\*W\), got 11"
    ):
        nn.Unflatten((3, 2, 2))(flat[:-1])
    with pytest.raises(ValueError, match="Flatten takes"):
        nn.Flatten()([[Value(1.0)]])


def test_norm_modules_equal_their_functions_and_train_gamma_and_beta():
    x = np.random.default_rng(4).normal(size=(2, 4, 2, 2))
    for module, fn in [
        (nn.LayerNorm(4), F.layer_norm),
        (nn.InstanceNorm(4), F.instance_norm),
        (nn.GroupNorm(2, 4), lambda a, g, b, e: F.group_norm(a, 2, g, b, e)),
        (nn.BatchNorm(4), F.batch_norm),
    ]:
        for k, g in enumerate(module.gamma):
            g.data = 1.0 + k
        out = module(grid.from_numpy(x))
        ref = fn(grid.from_numpy(x), [1.0, 2.0, 3.0, 4.0], [0.0] * 4, 1e-5)
        np.testing.assert_allclose(grid.data(out), grid.data(ref), atol=1e-14)
        F.value_sum([v * v for v in grid.flat(out)[:5]]).backward()
        assert any(p.grad != 0.0 for p in module.parameters())
        assert [n for n, _ in module.named_parameters()][:1] == ["gamma[0]"]
    with pytest.raises(ValueError, match="num_groups=3 does not divide num_channels=4"):
        nn.GroupNorm(3, 4)
    assert nn.LayerNorm(3, affine=False).parameters() == []


def test_batch_norm_module_updates_running_statistics_and_uses_them_in_eval():
    bn = nn.BatchNorm(2, momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 20.0], [5.0, 60.0]])
    bn(grid.from_numpy(x))
    # running = 0.5 * initial + 0.5 * batch, with the unbiased batch variance
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(0), atol=1e-14)
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(0, ddof=1), atol=1e-12)
    bn.eval()
    one = grid.data(bn(grid.from_numpy(x[:1])))  # a batch of one is fine in evaluation
    expected = (x[:1] - np.array(bn.running_mean)) / np.sqrt(np.array(bn.running_var) + 1e-5)
    np.testing.assert_allclose(one, expected, atol=1e-12)
    bn.train()
    with pytest.raises(ValueError, match="at least 2 samples"):
        bn(grid.from_numpy(x[:1]))


def test_maxout_module_is_the_max_of_its_linear_pieces():
    m = nn.Maxout(3, 2, pieces=3, seed=0)
    assert m.num_parameters() == 6 * (3 + 1)
    x = [0.5, -1.0, 2.0]
    w = np.array([[p.data for p in n.w] for n in m.linear.neurons])
    b = np.array([n.b.data for n in m.linear.neurons])
    z = w @ np.array(x) + b
    assert [v.data for v in m(x)] == pytest.approx(list(z.reshape(2, 3).max(axis=1)), abs=1e-12)
    assert m.named_parameters()[0][0] == "linear.neuron0.w0"


def test_a_small_cnn_in_sequential_trains_with_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 16))
    y = (X[:, :8].sum(1) > X[:, 8:].sum(1)).astype(float)
    model = nn.Sequential(
        nn.Unflatten((1, 4, 4)),
        nn.Conv2d(1, 2, 2, seed=0, activation="relu"),
        nn.AvgPool2d(3),
        nn.Flatten(),
        nn.Dense(2, 1, seed=0),
    )
    before = model.state_dict()
    history = fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.05, epochs=3)
    assert model.state_dict() != before
    assert history.loss[-1] < history.loss[0]
    assert predict(model, X).shape == (12,)


def test_norm_modules_take_one_sample_and_batch_norm_explains_why_not_in_training():
    sample = [0.5, -1.0, 2.0, 0.0]
    out = nn.LayerNorm(4)(sample)
    z = (np.array(sample) - np.mean(sample)) / np.sqrt(np.var(sample) + 1e-5)
    np.testing.assert_allclose([v.data for v in out], z, atol=1e-12)
    image = np.random.default_rng(0).normal(size=(2, 2, 2)).tolist()
    assert grid.shape(nn.InstanceNorm(2)(image)) == (2, 2, 2)
    bn = nn.BatchNorm(4)
    with pytest.raises(ValueError, match="fit passes samples one at a time"):
        bn(sample)
    bn.eval()
    np.testing.assert_allclose(  # running stats start at mean 0, variance 1
        [v.data for v in bn(sample)], np.array(sample) / np.sqrt(1 + 1e-5), atol=1e-12
    )
    with pytest.raises(ValueError, match=r"LayerNorm\(3\) got an input with 4 channels"):
        nn.LayerNorm(3, affine=False)(sample)


def test_sequential_hands_a_batch_of_images_to_its_first_grid_layer():
    conv = nn.Conv2d(1, 2, 2, seed=0)
    model = nn.Sequential(conv, nn.GlobalAvgPool2d())
    x = np.random.default_rng(1).normal(size=(3, 1, 3, 3))
    out = model(grid.from_numpy(x))
    assert grid.shape(out) == (3, 2)
    maps = np_conv(x, grid.data(conv.weight), grid.data(conv.bias), 1, 0)
    np.testing.assert_allclose(grid.data(out), maps.mean(axis=(2, 3)), atol=1e-12)
    assert grid.flat(out)[0].scope == "sequential.layer1"


def test_batchnorm_running_statistics_are_saved_and_loaded(tmp_path):
    """Running statistics are buffers: in state_dict and the saved file, never in parameters()."""
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm(2)
    for _ in range(3):
        bn(grid.from_numpy(rng.normal(2.0, 3.0, size=(4, 2))))
    assert bn.running_mean != [0.0, 0.0]
    state = bn.state_dict()
    assert state["running_mean.1"] == bn.running_mean[1]
    assert state["running_var.0"] == bn.running_var[0]
    assert len(bn.parameters()) == 4  # gamma and beta only
    path = tmp_path / "bn.json"
    bn.save(path)
    fresh = nn.BatchNorm(2)
    fresh.load(path)
    assert fresh.running_mean == bn.running_mean
    assert fresh.running_var == bn.running_var
    x = grid.from_numpy(rng.normal(size=(3, 2)))
    bn.eval(), fresh.eval()
    assert grid.data(fresh(x)).tolist() == grid.data(bn(x)).tolist()


def test_batchnorm_state_without_running_statistics_is_refused():
    bn = nn.BatchNorm(2)
    state = {k: v for k, v in bn.state_dict().items() if not k.startswith("running_var")}
    with pytest.raises(ValueError, match="missing: running_var.0"):
        bn.load_state_dict(state)
    assert bn.running_var == [1.0, 1.0]
