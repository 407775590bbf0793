"""No reference cycles: with the garbage collector off, every graph is freed once let go.

A cycle that holds a Value keeps the whole graph alive until the collector runs (with gc off:
forever), so a training loop grows without bound. Each test runs one job with gc disabled,
drops every reference, and checks that no Value survives and that the collector finds no
cycle holding one.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import microgrid
from microgrid import Value, functional, losses, nn


def _live_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


@pytest.fixture
def gc_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.enable()


def assert_frees(job: Callable[[], object]) -> None:
    """Run ``job`` (which keeps nothing) with gc off; no Value may outlive it, none in a cycle."""
    before = _live_values()
    job()
    left = _live_values() - before
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    in_cycles = sum(1 for o in gc.garbage if type(o) is Value)
    gc.garbage.clear()
    gc.set_debug(0)
    assert (left, in_cycles) == (0, 0), f"{left} Values outlived the job, {in_cycles} in cycles"


def _net_output(nout: int = 1) -> Value | list[Value]:
    model = nn.MLP(3, [4, nout], seed=0)
    out = model([Value(0.1), Value(-0.4), Value(0.7)])
    return out


ELEMENTWISE = [
    ("mse", 0.5),
    ("mae", 0.5),
    ("huber", 0.5),
    ("half_sum_squared_error", 0.5),
    ("hinge", 1.0),
    ("exponential_loss", -1.0),
    ("binary_cross_entropy_with_logits", 1.0),
]


@pytest.mark.parametrize(("name", "target"), ELEMENTWISE)
def test_every_elementwise_loss_frees_its_graph(gc_off: None, name: str, target: float) -> None:
    def job() -> None:
        loss = losses.get_loss(name)(_net_output(), target)
        loss.backward()

    assert_frees(job)


def test_binary_cross_entropy_frees_its_graph(gc_off: None) -> None:
    def job() -> None:
        out = _net_output()
        assert isinstance(out, Value)
        losses.binary_cross_entropy([out.sigmoid(), Value(1.0)], [0.3, 1.0]).backward()

    assert_frees(job)


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "multiclass_hinge"])
def test_class_losses_free_their_graph(gc_off: None, name: str) -> None:
    def job() -> None:
        losses.get_loss(name)([_net_output(3), _net_output(3)], [1, 2]).backward()

    assert_frees(job)


def test_categorical_cross_entropy_frees_its_graph(gc_off: None) -> None:
    def job() -> None:
        out = _net_output(3)
        assert isinstance(out, list)
        losses.categorical_cross_entropy(functional.softmax(out), [0.0, 1.0, 0.0]).backward()

    assert_frees(job)


def test_fit_frees_every_step_graph(gc_off: None) -> None:
    X = np.random.default_rng(0).normal(size=(12, 2))
    y = 0.5 * X[:, 0] - X[:, 1]

    def job() -> None:
        model = nn.MLP(2, [3, 1], seed=0)
        microgrid.fit(
            model,
            X,
            y,
            loss="mse",
            optimizer="adam",
            lr=0.01,
            epochs=3,
            batch_size=4,
            validation=(X, y),
            metrics=["mae"],
            early_stopping=5,
            restore_best=True,
        )

    assert_frees(job)


def test_explain_frees_its_graph(gc_off: None) -> None:
    def job() -> None:
        w = Value(0.3, label="w")
        out = ((w * 2.0).tanh() * w).sigmoid()
        out.backward()
        text = microgrid.explain(out, w)
        assert "w" in str(text)

    assert_frees(job)


def test_drawing_frees_its_graph(gc_off: None) -> None:
    viz = pytest.importorskip("viz")

    def job() -> None:
        out = _net_output()
        assert isinstance(out, Value)
        out.backward()
        drawing = viz.draw(out, local_grads=True)
        assert drawing.pipe("svg").startswith(b"<?xml")

    assert_frees(job)


def test_stepper_frees_its_graph(gc_off: None) -> None:
    pytest.importorskip("viz")
    from viz.frames import frames
    from viz.stepper import stepper_html

    def job() -> None:
        x, w = Value(0.5, label="x"), Value(-1.5, label="w")
        page = stepper_html(frames((x * w).tanh()))
        assert page.startswith("<!")

    assert_frees(job)
