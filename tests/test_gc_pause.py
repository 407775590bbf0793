"""The cyclic garbage collector is paused by backward and fit, and always given back.

Graphs of Values hold no reference cycles, so both pause the collector (see engine.backward
and train.fit); these tests check it is restored after a normal run, after an error, and that
a collector the user paused stays paused.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import microgrid
from microgrid import Value, nn


def _moons(n: int):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)


def test_fit_restores_the_garbage_collector_even_when_it_raises() -> None:
    X, y = _moons(10)
    model = nn.MLP(2, [4, 1], seed=0)
    assert gc.isenabled()
    microgrid.fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.1, epochs=2)
    assert gc.isenabled()

    def broken(pred, target):
        raise RuntimeError("a loss that fails")

    with pytest.raises(RuntimeError, match="a loss that fails"):
        microgrid.fit(model, X, y, loss=broken, optimizer="sgd", lr=0.1, engine="tape")
    assert gc.isenabled()
    gc.disable()
    try:  # a collector the user paused stays paused
        microgrid.fit(model, X, y, loss="hinge", optimizer="sgd", lr=0.1, epochs=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_backward_restores_the_garbage_collector_even_when_it_raises() -> None:
    x = Value(1.0)
    y = x * 2.0
    y.backward()
    assert gc.isenabled()
    with pytest.raises(TypeError):
        y.backward("not a number")  # type: ignore[arg-type]
    assert gc.isenabled()


def test_a_forward_pass_pauses_the_collector_and_gives_it_back() -> None:
    seen = []

    def spy(x: Value) -> Value:
        seen.append(gc.isenabled())
        return x.tanh()

    model = nn.MLP(2, [3, 1], activation=spy, seed=0)
    model([0.5, -0.5])
    assert seen and not any(seen) and gc.isenabled()

    def broken(x: Value) -> Value:
        raise RuntimeError("an activation that fails")

    with pytest.raises(RuntimeError, match="activation that fails"):
        nn.MLP(2, [3, 1], activation=broken, seed=0)([0.5, -0.5])
    assert gc.isenabled()
    assert microgrid._grad_mode.current_scope() == ""  # the scope is given back too
