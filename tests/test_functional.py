"""softmax, log_softmax, logsumexp: vs numpy, stable at +-1000, gradients vs differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgrid import Value, gradcheck, no_grad
from microgrid.functional import log_softmax, logsumexp, softmax, value_sum

vectors = st.lists(
    st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=6,
)


def np_softmax(z: list[float]) -> np.ndarray:
    """Reference: the seed's numpy softmax, shifted by the max."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_softmax_matches_numpy_and_sums_to_one(z):
    a = [v.data for v in softmax([Value(x) for x in z])]
    np.testing.assert_allclose(a, np_softmax(z), rtol=1e-12, atol=1e-15)
    assert math.isclose(sum(a), 1.0, rel_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(vectors)
def test_log_softmax_and_logsumexp_match_numpy(z):
    zs = np.asarray(z)
    lse_ref = zs.max() + math.log(np.exp(zs - zs.max()).sum())
    assert logsumexp(z).data == pytest.approx(lse_ref, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(
        [v.data for v in log_softmax(z)], zs - lse_ref, rtol=1e-12, atol=1e-12
    )


def test_extreme_inputs_do_not_overflow():
    a = softmax([1000.0, -1000.0])
    assert [v.data for v in a] == [1.0, 0.0]
    assert [v.data for v in log_softmax([1000.0, -1000.0])] == [0.0, -2000.0]
    assert logsumexp([1000.0, 1000.0]).data == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    assert logsumexp([-1000.0, -1000.0]).data == pytest.approx(-1000.0 + math.log(2.0))
    # Gradients stay finite too: d logsumexp / dz = softmax(z).
    z = [Value(1000.0), Value(-1000.0), Value(999.0)]
    logsumexp(z).backward()
    ref = np_softmax([1000.0, -1000.0, 999.0])
    np.testing.assert_allclose([v.grad for v in z], ref, rtol=1e-12)


def test_softmax_jacobian_is_the_seeds_formula():
    """d a_j / d z_i = a_i (1 - a_i) on the diagonal, -a_i a_j off it (seed 002)."""
    z = [0.3, -1.2, 2.0, 0.5]
    a = np_softmax(z)
    for j in range(len(z)):
        zs = [Value(x) for x in z]
        softmax(zs)[j].backward()
        for i in range(len(z)):
            expected = a[i] * (1 - a[i]) if i == j else -a[i] * a[j]
            assert zs[i].grad == pytest.approx(expected, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("shift", [0.0, 500.0, -500.0])
def test_gradients_match_finite_differences(shift):
    z = [0.1 + shift, -0.7 + shift, 1.3 + shift]
    c = [0.5, -2.0, 1.5]  # a fixed weighting so every output contributes

    def weighted(f):
        return lambda *zs: value_sum([ci * o for ci, o in zip(c, f(list(zs)))])

    for f in (weighted(softmax), weighted(log_softmax), lambda *zs: logsumexp(list(zs))):
        result = gradcheck(f, z, eps=1e-5, atol=1e-7, rtol=1e-5)
        assert result, str(result)


def test_numbers_are_accepted_and_results_are_values():
    out = softmax([1, 2.0, np.float64(3.0)])
    assert all(isinstance(v, Value) for v in out)
    with no_grad():
        assert logsumexp([0.0]).data == 0.0


@pytest.mark.parametrize("f", [softmax, log_softmax, logsumexp])
def test_bad_input_is_refused_by_name(f):
    with pytest.raises(ValueError, match="empty"):
        f([])
    with pytest.raises(TypeError, match="list"):
        f(Value(1.0))
    with pytest.raises(TypeError, match=r"input\[1\]"):
        f([1.0, "two"])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    z = [0.25, -3.0, 4.5, 1000.0, -1000.0]
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    c = torch.tensor([0.3, -1.0, 2.0, 0.7, 1.1], dtype=torch.float64)
    for ours, theirs in (
        (softmax, lambda x: torch.softmax(x, 0)),
        (log_softmax, lambda x: torch.log_softmax(x, 0)),
    ):
        zs = [Value(x) for x in z]
        out = ours(zs)
        value_sum([ci * o for ci, o in zip(c.tolist(), out)]).backward()
        t.grad = None
        ref = theirs(t)
        (ref * c).sum().backward()
        np.testing.assert_allclose([o.data for o in out], ref.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose([v.grad for v in zs], t.grad.numpy(), atol=1e-12)
    assert logsumexp(z).data == pytest.approx(torch.logsumexp(t, 0).item(), rel=1e-15)
