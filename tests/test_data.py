"""Data: generator shapes, seeds, balance and geometry; the split; scaler maths vs plain numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from microgrid.data import (
    DecimalScaler,
    LogTransform,
    MinMaxScaler,
    Normalizer,
    NotFittedError,
    StandardScaler,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

GENERATORS = [make_moons, make_circles, make_xor, make_spirals, make_blobs]


# ------------------------------------------------------------------------------ generators
@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("n", [4, 25, 100])
def test_shapes_dtypes_and_balance(make, n):
    X, y = make(n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1 and counts.sum() == n
    assert np.isfinite(X).all()


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    kwargs = {} if make is make_blobs else {"noise": 0.1}
    X1, y1 = make(60, seed=5, **kwargs)
    X2, y2 = make(60, seed=5, **kwargs)
    X3, _ = make(60, seed=6, **kwargs)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_lie_on_their_half_circles_without_noise():
    X, y = make_moons(50, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and (upper[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_circles_radii():
    X, y = make_circles(40, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_xor_labels_are_sign_disagreement_and_quadrants_balanced():
    X, y = make_xor(200, margin=0.2, seed=1)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert (np.abs(X) >= 0.2).all() and (np.abs(X) <= 1).all()
    quadrant = (X[:, 0] > 0) * 2 + (X[:, 1] > 0)
    assert np.bincount(quadrant).tolist() == [50, 50, 50, 50]


def test_spirals_radius_grows_along_each_arm():
    X, y = make_spirals(90, n_classes=3, seed=0, shuffle=False)
    assert np.bincount(y).tolist() == [30, 30, 30]
    r = np.hypot(X[:, 0], X[:, 1])
    for c in range(3):
        arm = r[y == c]
        assert np.all(np.diff(arm) > 0) and arm[0] == pytest.approx(0.05) and arm[-1] == 1.0


def test_blobs_cluster_around_given_centres():
    centres = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    X, y = make_blobs(2000, centers=centres, cluster_std=0.5, seed=3)
    assert X.shape == (2000, 3)
    for c in range(2):
        assert np.allclose(X[y == c].mean(axis=0), centres[c], atol=0.1)
        assert np.allclose(X[y == c].std(axis=0), 0.5, atol=0.05)


def test_shuffle_false_keeps_class_blocks():
    _, y = make_moons(10, seed=0, shuffle=False)
    assert y.tolist() == [0] * 5 + [1] * 5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(1), "n_samples must be a whole number >= 2"),
        (lambda: make_moons(10.5), "n_samples must be a whole number"),
        (lambda: make_moons(10, noise=-1), "noise must be >= 0"),
        (lambda: make_circles(10, factor=1.5), r"factor .* must be in \(0, 1\)"),
        (lambda: make_xor(3), "n_samples must be a whole number >= 4"),
        (lambda: make_spirals(3, n_classes=5), "must be at least n_classes"),
        (lambda: make_blobs(10, centers=[[np.nan, 0]]), "finite numbers"),
        (lambda: make_blobs(2, centers=3), "at least the number of centres"),
    ],
)
def test_generator_arguments_are_checked(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ------------------------------------------------------------------------------ split
def test_split_sizes_pairing_and_coverage():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_tr), len(X_te)) == (15, 5)
    assert np.array_equal(X_tr[:, 0] // 2, y_tr) and np.array_equal(X_te[:, 0] // 2, y_te)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    again = train_test_split(X, y, test_size=0.25, seed=0)
    assert np.array_equal(again[3], y_te)
    assert len(train_test_split(X, y, test_size=3)[1]) == 3


def test_split_without_shuffle_takes_the_tail():
    _, X_te, _, _ = train_test_split(np.arange(10), np.arange(10), test_size=0.3, shuffle=False)
    assert X_te.tolist() == [7, 8, 9]


def test_stratified_split_keeps_class_balance():
    y = np.array([0] * 30 + [1] * 10)
    _, _, y_tr, y_te = train_test_split(np.zeros((40, 1)), y, test_size=0.2, stratify=True, seed=2)
    assert np.bincount(y_te).tolist() == [6, 2] and np.bincount(y_tr).tolist() == [24, 8]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.zeros(5), np.zeros(4)), "X has 5 samples but y has 4"),
        ((np.zeros(5), np.zeros(5), 1.5), r"fraction must be in \(0, 1\)"),
        ((np.zeros(5), np.zeros(5), 5), r"count must be in 1\.\.4"),
        ((np.zeros(1), np.zeros(1)), "at least 2 samples"),
    ],
)
def test_split_arguments_are_checked(args, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(*args)


# ------------------------------------------------------------------------------ scalers
RNG = np.random.default_rng(11)
A = RNG.normal(loc=[3.0, -40.0, 0.2], scale=[2.0, 15.0, 0.01], size=(30, 3))
B = RNG.normal(loc=[3.0, -40.0, 0.2], scale=[4.0, 30.0, 0.05], size=(10, 3))  # "test" data


def test_min_max_matches_the_seed_formula_and_any_range():
    got = MinMaxScaler().fit(A).transform(B)
    lo, hi = A.min(axis=0), A.max(axis=0)
    assert np.allclose(got, (B - lo) / (hi - lo), rtol=0, atol=1e-12)
    fitted = MinMaxScaler(feature_range=(-1, 1)).fit_transform(A)
    assert np.allclose(fitted.min(axis=0), -1) and np.allclose(fitted.max(axis=0), 1)


def test_z_score_matches_numpy_and_standardizes():
    scaler = StandardScaler().fit(A)
    got = scaler.transform(B)
    assert np.allclose(got, (B - A.mean(axis=0)) / A.std(axis=0), rtol=0, atol=1e-12)
    z = scaler.transform(A)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-12) and np.allclose(z.std(axis=0), 1)


def test_decimal_scaling_exponents():
    X = np.array([[986.0, 1000.0, 0.05, 0.0, -999.0, 1.0], [5.0, 3.0, -0.01, 0.0, 12.0, 0.5]])
    scaler = DecimalScaler().fit(X)
    assert scaler.exponents.tolist() == [3, 4, -1, 0, 3, 1]
    scaled = scaler.transform(X)
    assert scaled[0].tolist() == pytest.approx([0.986, 0.1, 0.5, 0.0, -0.999, 0.1])
    peaks = np.abs(scaled).max(axis=0)
    assert ((peaks < 1) & ((peaks >= 0.1) | (peaks == 0))).all()


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_row_normalization_matches_numpy_norms(norm):
    order = 1 if norm == "l1" else 2
    got = Normalizer(norm).fit(A).transform(B)
    assert np.allclose(got, B / np.linalg.norm(B, ord=order, axis=1, keepdims=True), atol=1e-15)
    assert np.allclose(np.linalg.norm(got, ord=order, axis=1), 1.0)


def test_log_transform_formulas():
    X = np.array([[1.0, 9.0], [10.0, 99.0], [100.0, 0.0]])
    assert np.allclose(LogTransform().fit_transform(X), np.log1p(X))
    textbook = LogTransform(base=10, shift=0, divide_by_max=True).fit(X[:, :1])
    assert np.allclose(textbook.transform(X[:, :1])[:, 0], np.log10(X[:, 0]) / 2)


def _round_trip_cases():
    return [
        MinMaxScaler(),
        MinMaxScaler((-3, 7)),
        StandardScaler(),
        DecimalScaler(),
        LogTransform(shift=200.0),
        LogTransform(base=2, shift=200, divide_by_max=True),
    ]


@pytest.mark.parametrize("scaler", _round_trip_cases(), ids=lambda s: type(s).__name__)
def test_inverse_transform_round_trips(scaler):
    scaler.fit(A)
    assert np.allclose(scaler.inverse_transform(scaler.transform(B)), B, rtol=1e-12, atol=1e-12)


def test_normalizer_round_trips_with_its_norms():
    n = Normalizer().fit(A)
    assert np.allclose(n.inverse_transform(n.transform(B), norms=n.row_norms(B)), B)
    with pytest.raises(ValueError, match="needs the row norms"):
        n.inverse_transform(n.transform(B))


@pytest.mark.parametrize(
    "scaler", [*_round_trip_cases(), Normalizer()], ids=lambda s: type(s).__name__
)
def test_constant_column_and_zero_row_do_not_divide_by_zero(scaler):
    X = np.array([[4.0, 0.0, 1.0], [4.0, 0.0, 2.0], [4.0, 0.0, 3.0]])
    X[1, :] = [4.0, 0.0, 0.0] if not isinstance(scaler, Normalizer) else [0.0, 0.0, 0.0]
    with np.errstate(all="raise"):
        out = scaler.fit_transform(X)
    assert np.isfinite(out).all()
    if isinstance(scaler, MinMaxScaler):
        assert np.all(out[:, 0] == scaler.feature_range[0])
    if isinstance(scaler, StandardScaler):
        assert np.all(out[:, 0] == 0.0)
    if isinstance(scaler, Normalizer):
        assert out[1].tolist() == [0.0, 0.0, 0.0]
    else:
        assert np.allclose(scaler.inverse_transform(out), X)


@pytest.mark.parametrize(
    "cls", [MinMaxScaler, StandardScaler, DecimalScaler, LogTransform, Normalizer]
)
def test_scaler_refusals(cls):
    scaler = cls(shift=200.0) if cls is LogTransform else cls()
    with pytest.raises(NotFittedError, match=f"{cls.__name__} is not fitted yet"):
        scaler.transform(A)
    scaler.fit(A)
    with pytest.raises(ValueError, match="X has 2 column.* fitted on 3"):
        scaler.transform(A[:, :2])
    with pytest.raises(ValueError, match="must be 2-D"):
        scaler.transform(A[:, 0])
    with pytest.raises(ValueError, match="contains nan at row 1, column 2"):
        scaler.transform([[1, 2, 3], [1, 2, math.nan]])
    with pytest.raises(ValueError, match="X is empty"):
        cls().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="not a table of numbers"):
        cls().fit([["a", "b"]])


def test_log_transform_refuses_nonpositive_arguments():
    with pytest.raises(ValueError, match=r"x \+ shift must be > 0, but row 1, column 0 is -1.0"):
        LogTransform().fit([[0.0], [-1.0]])


def test_bad_scaler_settings():
    with pytest.raises(ValueError, match="a < b"):
        MinMaxScaler((1, 0))
    with pytest.raises(ValueError, match="norm must be 'l1' or 'l2'"):
        Normalizer("max")
    with pytest.raises(ValueError, match="base must be > 0 and not 1"):
        LogTransform(base=1)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_round_trip_property(X):
    for scaler in (MinMaxScaler(), StandardScaler(), DecimalScaler()):
        back = scaler.fit(X).inverse_transform(scaler.transform(X))
        assert np.allclose(back, X, rtol=1e-9, atol=1e-6)
