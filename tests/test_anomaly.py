"""``microgrid.detect_anomaly()``: the first NaN or infinity raises, naming the op and the line."""

from __future__ import annotations

import inspect
import math
import threading
from collections.abc import Callable

import numpy as np
import pytest

import microgrid
from microgrid import AnomalyError, Value, detect_anomaly, engine, nn, ops, scope

PLAIN_NODE = engine._node

#: Every computed op with operands that make it give NaN or an infinity (from finite leaves
#: where the op can, so the op itself is what the message must name).
BAD: dict[str, Callable[[Value], Value]] = {
    "+": lambda x: x + math.inf,
    "-": lambda x: x - math.inf,
    "*": lambda x: x * math.inf,
    "/": lambda x: x / 1e-320,
    "**": lambda x: Value(math.nan) ** x,
    "pow": lambda x: Value(math.nan) ** 2,
    "neg": lambda x: -Value(math.nan),
    "exp": lambda x: Value(math.nan).exp(),
    "log": lambda x: Value(math.inf).log(),
    "sqrt": lambda x: Value(math.inf).sqrt(),
    "abs": lambda x: Value(-math.inf).abs(),
    "sigmoid": lambda x: Value(math.nan).sigmoid(),
    "tanh": lambda x: Value(math.nan).tanh(),
    "relu": lambda x: Value(math.nan).relu(),
    "leaky_relu": lambda x: Value(math.nan).leaky_relu(),
    "elu": lambda x: Value(math.nan).elu(),
    "softplus": lambda x: Value(math.inf).softplus(),
    "sin": lambda x: Value(math.inf).sin(),
    "cos": lambda x: Value(-math.inf).cos(),
    "max": lambda x: microgrid.maximum(Value(math.nan), x),
    "min": lambda x: microgrid.minimum(x, Value(math.nan)),
}


def test_every_op_of_the_table_is_checked() -> None:
    assert set(BAD) == {op.name for op in ops.COMPUTED}


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_op_raises_at_its_first_non_finite_result(name: str) -> None:
    x = Value(3.0, label="x")
    with pytest.raises(AnomalyError) as info:
        with detect_anomaly():
            BAD[name](x)
    text = str(info.value)
    op_text = "**2" if name == "pow" else str(ops.TABLE[name])
    assert text.startswith(f"detect_anomaly: {op_text} gave "), text
    assert "in the forward pass" in text and f"{__file__}:" in text
    assert engine._node is PLAIN_NODE  # put back when the block ends, even on error


def test_the_message_names_operands_label_scope_and_the_users_line() -> None:
    w = Value(math.nan, label="w1")
    i = Value(0.05, label="i1")
    with pytest.raises(AnomalyError) as info:
        with detect_anomaly():
            with scope("net_h1"):
                line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
                w * i
    text = str(info.value)
    assert "* gave nan" in text
    assert "w1=nan" in text and "i1=0.05" in text
    assert "scope 'net_h1'" in text
    assert f"{__file__}:{line}" in text


def test_a_model_points_to_the_line_that_called_it_not_inside_microgrid() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    dict(model.named_parameters())["layer0.neuron1.w0"].data = math.nan
    with pytest.raises(AnomalyError) as info:
        with detect_anomaly():
            line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
            model([0.5, -1.0])
    text = str(info.value)
    assert "layer0.neuron1.w0=nan in mlp.layer0.neuron1" in text
    assert f"{__file__}:{line}" in text


def test_a_non_finite_gradient_raises_in_the_backward_pass_naming_the_node() -> None:
    a = Value(0.0, label="a")
    with detect_anomaly():
        line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
        r = a.sqrt()  # finite: sqrt(0) = 0, but its slope is +inf
        r.label = "r"
        out = r * 2.0
        with pytest.raises(AnomalyError) as info:
            out.backward()
    text = str(info.value)
    assert "the backward step of sqrt gave operand 0 (a=0.0) the gradient inf" in text
    assert "local_grad inf * grad 2.0" in text and "label 'r'" in text
    assert f"{__file__}:{line}" in text


def test_a_graph_made_outside_the_block_is_checked_in_backward_too() -> None:
    a = Value(0.0, label="a")
    out = a.sqrt() * 2.0
    with pytest.raises(AnomalyError, match="made outside detect_anomaly"):
        with detect_anomaly():
            out.backward()


def test_nothing_is_checked_outside_the_block() -> None:
    with detect_anomaly():
        ok = Value(2.0) * 3.0
    assert ok.data == 6.0 and engine._node is PLAIN_NODE
    bad = Value(math.nan).relu()  # NaN passes silently again (and is still NaN)
    assert math.isnan(bad.data)
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_blocks_nest() -> None:
    with detect_anomaly():
        with detect_anomaly():
            Value(1.0) + 1.0
        with pytest.raises(AnomalyError):
            Value(math.nan) + 1.0
    assert engine._node is PLAIN_NODE


def test_another_thread_in_anomaly_mode_does_not_check_this_one() -> None:
    inside, leave = threading.Event(), threading.Event()
    caught: list[BaseException] = []

    def sit_inside() -> None:
        try:
            with detect_anomaly():
                inside.set()
                leave.wait(timeout=10)
                Value(math.nan) * 2.0
        except AnomalyError as exc:
            caught.append(exc)

    thread = threading.Thread(target=sit_inside)
    thread.start()
    inside.wait(timeout=10)
    quiet = Value(math.nan) * 2.0  # this thread is not in anomaly mode: no error
    leave.set()
    thread.join(timeout=10)
    assert math.isnan(quiet.data)
    assert len(caught) == 1 and "* gave nan" in str(caught[0])
    assert engine._node is PLAIN_NODE


def test_fit_under_detect_anomaly_names_the_weight() -> None:
    X = np.array([[0.5, -0.3], [0.1, 0.8]])
    y = np.array([0.2, -0.1])
    model = nn.MLP(2, [2, 1], seed=0)
    dict(model.named_parameters())["layer1.neuron0.b"].data = math.inf
    with pytest.raises(AnomalyError, match=r"layer1\.neuron0\.b=inf"):
        with detect_anomaly():
            microgrid.fit(model, X, y, loss="mse", optimizer="sgd", lr=0.1, epochs=1)
