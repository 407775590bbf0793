"""microgrid.grid (numpy <-> nested lists of Values) and the errors every grid layer gives for
bad input: ragged grids, wrong nesting, kernels larger than the input, bad strides and groups.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from microgrid import Value, grid
from microgrid import functional as F


def test_from_numpy_labels_every_leaf_by_its_index_and_reads_back():
    a = np.arange(24.0).reshape(1, 2, 3, 4)
    g = grid.from_numpy(a, label="x")
    assert g[0][1][2][3].label == "x[0,1,2,3]"
    assert g[0][1][2][3].data == 23.0
    assert grid.shape(g) == (1, 2, 3, 4)
    np.testing.assert_array_equal(grid.data(g), a)
    g[0][0][0][1].grad = 2.5
    expected = np.zeros_like(a)
    expected[0, 0, 0, 1] = 2.5
    np.testing.assert_array_equal(grid.grad(g), expected)
    assert grid.from_numpy([1.0, 2.0], label="")[0].label == ""


def test_flat_and_apply_keep_row_major_order_and_shape():
    g = grid.from_numpy(np.array([[-1.0, 2.0], [3.0, -4.0]]))
    assert [v.data for v in grid.flat(g)] == [-1.0, 2.0, 3.0, -4.0]
    r = grid.apply(Value.relu, g)
    np.testing.assert_array_equal(grid.data(r), [[0.0, 2.0], [3.0, 0.0]])


@pytest.mark.parametrize(
    "bad, message",
    [
        ([[Value(1.0), Value(2.0)], [Value(3.0)]], r"grid\[1\] has 1 entries, but the first has 2"),
        ([[Value(1.0)], Value(2.0)], r"grid\[1\] is a Value but should be a list of 1"),
        ([[Value(1.0), [Value(2.0)]]], r"grid\[0,1\] is a list, expected a Value"),
        ([[]], "empty list at depth 1"),
    ],
)
def test_ragged_grids_are_refused_naming_the_place(bad, message):
    with pytest.raises(ValueError, match=message):
        grid.shape(bad)


def test_non_values_and_arrays_are_refused_by_name():
    with pytest.raises(TypeError, match=r"grid\[1\] must be a Value or a real number, got a str"):
        grid.shape([Value(1.0), "two"])
    with pytest.raises(TypeError, match="numpy array: make Values first with grid.from_numpy"):
        grid.shape(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"entry \[1\] is nan, not finite"):
        grid.from_numpy([1.0, np.nan])


def image(*shape):
    return grid.from_numpy(np.random.default_rng(0).normal(size=shape))


def test_wrong_nesting_depth_names_the_expected_layout_and_the_shape():
    with pytest.raises(ValueError, match=r"\[N\]\[C\]\[H\]\[W\].*depth 2 with shape \(2, 3\)"):
        F.max_pool2d(image(2, 3), 2)
    with pytest.raises(ValueError, match=r"batch_norm input must be nested \[N\]\[F\] or"):
        F.batch_norm(image(2, 3, 4))


def test_kernel_larger_than_the_padded_input_is_refused_with_both_shapes():
    with pytest.raises(ValueError, match="kernel 3x3 is larger than the input 2x4 in height"):
        F.max_pool2d(image(1, 1, 2, 4), 3)
    with pytest.raises(ValueError, match=r"kernel 5x5 is larger than the input 2x2 \(padded by 1"):
        F.conv2d(image(1, 1, 2, 2), image(1, 1, 5, 5), padding=1)
    assert grid.shape(F.conv2d(image(1, 1, 2, 2), image(1, 1, 4, 4), padding=1)) == (1, 1, 1, 1)


def test_strides_and_padding_must_be_positive_ints():
    with pytest.raises(ValueError, match="stride must be a positive whole number, got 0"):
        F.conv2d(image(1, 1, 3, 3), image(1, 1, 2, 2), stride=0)
    with pytest.raises(ValueError, match="stride must be a positive whole number, got -1"):
        F.avg_pool2d(image(1, 1, 3, 3), 2, stride=-1)
    with pytest.raises(ValueError, match="padding must be a whole number >= 0, got -1"):
        F.conv2d(image(1, 1, 3, 3), image(1, 1, 2, 2), padding=-1)
    with pytest.raises(ValueError, match="kernel_size must be a positive whole number, got 1.5"):
        F.max_pool2d(image(1, 1, 3, 3), 1.5)
    with pytest.raises(TypeError, match=r"kernel_size must be a whole number or a pair \(height"):
        F.max_pool2d(image(1, 1, 3, 3), (1, 2, 3))


def test_conv2d_channel_and_bias_mismatches_name_the_shapes():
    with pytest.raises(
        ValueError,
        match=r"expects 2 input channels, but the input of shape "
        r"\(1, 3, 4, 4\) has 3",
    ):
        F.conv2d(image(1, 3, 4, 4), image(1, 2, 3, 3))
    with pytest.raises(ValueError, match="bias has 1 entries, weight has 2 kernels"):
        F.conv2d(image(1, 1, 4, 4), image(2, 1, 3, 3), [0.0])


def test_group_norm_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match=r"num_groups=4 does not divide the 6 channels"):
        F.group_norm(image(2, 6, 2, 2), 4)
    with pytest.raises(ValueError, match="group_norm: num_groups must be a positive whole number"):
        F.group_norm(image(2, 6, 2, 2), 0)


def test_batch_norm_in_training_refuses_a_batch_of_one():
    with pytest.raises(ValueError, match=r"at least 2 samples, got input shape \(1, 3, 2, 2\)"):
        F.batch_norm(image(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"at least 2 samples, got input shape \(1, 4\)"):
        F.batch_norm(image(1, 4))


def test_normalization_affine_parameters_must_match_the_channels():
    with pytest.raises(ValueError, match="gamma has 2 entries but the input has 3 channels"):
        F.layer_norm(image(2, 3, 2, 2), [1.0, 1.0])
    with pytest.raises(ValueError, match="var\\[1\\] is -1.0; a variance is never negative"):
        F.batch_norm(image(2, 2), mean=[0.0, 0.0], var=[1.0, -1.0])
    with pytest.raises(ValueError, match="give both mean and var"):
        F.batch_norm(image(2, 2), mean=[0.0, 0.0])


def test_import_microgrid_and_functional_stay_free_of_numpy():
    code = (
        "import sys, microgrid, microgrid.functional; "
        "print('numpy' in sys.modules); microgrid.functional.conv2d; "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
