"""The shared argument checks: one rule and one message for "a whole number", wherever asked."""

import io

import numpy as np
import pytest

import viz
from microgrid import Value, explain
from microgrid._checks import positive_int, whole_number
from microgrid.app.walkthrough import walkthrough
from microgrid.nn import MLP


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(2), np.uint8(5)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    out = positive_int("n", value)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [0, -2, True, False, 2.0, 2.5, "3", None, np.bool_(True)])
def test_positive_int_refuses_everything_else_by_name_and_value(value):
    with pytest.raises(ValueError, match=r"n must be a positive whole number, got ") as info:
        positive_int("n", value)
    assert repr(value) in str(info.value)


def test_whole_number_states_its_range():
    assert whole_number("steps", 0) == 0
    with pytest.raises(ValueError, match=r"steps must be a whole number >= 0, got -1"):
        whole_number("steps", -1)
    assert whole_number("digits", np.int64(17), minimum=1, maximum=17) == 17
    with pytest.raises(ValueError, match=r"digits must be a whole number from 1 to 17, got 18"):
        whole_number("digits", 18, minimum=1, maximum=17)


def test_numpy_integers_are_accepted_by_every_count_argument():
    """The issue's example: MLP took np.int64 but explain(limit=np.int64(5)) refused it."""
    net = MLP(np.int64(2), [np.int64(3), 1], seed=np.int64(0))
    assert (net.nin, net.nouts) == (2, [3, 1])
    x = Value(2.0, label="x")
    y = x * x
    assert explain(y, x, limit=np.int64(5)).total == pytest.approx(4.0)
    assert "digraph" in viz.draw(y, max_nodes=np.int64(10)).source
    out = io.StringIO()
    walkthrough(write=lambda s: out.write(s + "\n"), digits=np.int64(4), steps=np.int64(1))
    assert "0.2984" in out.getvalue()  # E_total of the seed's example, four decimals


@pytest.mark.parametrize(
    "call",
    [
        lambda: MLP(True, [1]),
        lambda: explain(Value(1.0), Value(1.0), limit=True),
        lambda: viz.draw(Value(1.0), max_nodes=2.0),
        lambda: walkthrough(write=print, steps=True),
    ],
)
def test_bools_and_floats_are_refused_by_every_count_argument(call):
    with pytest.raises(ValueError, match="must be a (positive )?whole number"):
        call()


def test_every_name_table_is_keyed_in_lower_case_and_looked_up_in_any_case():
    from microgrid import init, losses, metrics, nn, train

    tables = {
        "loss": (losses.get_loss, losses.LOSSES),
        "metric": (metrics.get_metric, metrics.METRICS),
        "init scheme": (init.get_scheme, init.SCHEMES),
        "activation": (nn.get_activation, nn.ACTIVATIONS),
    }
    for what, (get, table) in tables.items():
        for name, entry in table.items():
            assert name == name.lower(), (what, name)
            assert get(name) is entry and get(name.upper()) is entry, (what, name)
        assert get(print) is print  # a callable passes through
        with pytest.raises(ValueError, match=rf"unknown {what} 'nope'; known: .*\(or a callable\)"):
            get("nope")
    assert all(name == name.lower() for name in train.OPTIMIZERS)
