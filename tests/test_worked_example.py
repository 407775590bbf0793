"""The seed's worked example built from Values: every number against plain float math (1e-12).

Two independent references: the hand derivation written out below in plain floats (the blog's
formulas, no engine), and the project's reference file (tests/reference/worked_example.json).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from worked_by_hand import START, hand, train_by_hand

from microgrid import Value
from microgrid.app.worked_example import COMPUTED, PARAMETERS, WorkedExample

TOL = 1e-12


def test_forward_pass_matches_the_hand_derivation():
    ex = WorkedExample()
    ref = hand(START)
    for name in COMPUTED:
        assert ex.values[name].data == pytest.approx(ref[name], abs=TOL), name
    assert ex.E_total.data == pytest.approx(0.298371109, abs=1e-9)  # the blog's number


def test_every_named_value_has_its_label_and_is_reachable():
    ex = WorkedExample()
    for name, value in ex.values.items():
        assert isinstance(value, Value) and value.label == name
    assert {"i1", "i2", "b1", "b2", *COMPUTED, *PARAMETERS} <= set(ex.values)
    assert ex.w5 is ex.leaves["w5"] and ex.E_total is ex.values["E_total"]
    with pytest.raises(AttributeError, match="no Value named 'w9'"):
        _ = ex.w9


def test_shared_biases_appear_once_and_feed_both_neurons():
    ex = WorkedExample()
    users_b1 = [v for v in ex.values.values() if ex.b1 in v.children]
    users_b2 = [v for v in ex.values.values() if ex.b2 in v.children]
    assert {v.label for v in users_b1} == {"net_h1", "net_h2"}
    assert {v.label for v in users_b2} == {"net_o1", "net_o2"}


def test_gradients_match_the_hand_derivation_and_biases_sum_both_uses():
    ex = WorkedExample()
    ex.backward()
    ref = hand(START)
    for name in PARAMETERS:
        assert ex.leaves[name].grad == pytest.approx(ref[f"g_{name}"], abs=TOL), name
    assert ex.b1.grad == pytest.approx(ex.net_h1.grad + ex.net_h2.grad, abs=TOL)
    assert ex.b2.grad == pytest.approx(ex.net_o1.grad + ex.net_o2.grad, abs=TOL)


def test_backward_twice_does_not_double_the_gradients():
    ex = WorkedExample()
    ex.backward()
    first = ex.gradients()
    ex.backward()
    assert ex.gradients() == first


def test_one_step_updates_weights_only_by_default():
    ex = WorkedExample()
    after = ex.step()
    ref = hand(START)
    for name in START:
        expected = START[name] - 0.5 * ref[f"g_{name}"]
        assert ex.leaves[name].data == pytest.approx(expected, abs=TOL), name
    assert ex.b1.data == 0.35 and ex.b2.data == 0.60
    new = {name: ex.leaves[name].data for name in START}
    assert after == pytest.approx(hand(new)["E_total"], abs=TOL)
    assert after == pytest.approx(0.291027774, abs=1e-9)  # the blog's number


def test_one_step_with_biases_moves_the_biases():
    ex = WorkedExample()
    ref = hand(START)
    ex.step(update_biases=True)
    assert ex.b1.data == pytest.approx(0.35 - 0.5 * ref["g_b1"], abs=TOL)
    assert ex.b2.data == pytest.approx(0.60 - 0.5 * ref["g_b2"], abs=TOL)


@pytest.mark.parametrize("biases", [False, True])
def test_training_matches_plain_float_training(biases):
    ex = WorkedExample()
    error = ex.train(300, update_biases=biases)
    e, o1, o2 = train_by_hand(300, biases)
    assert error == pytest.approx(e, abs=TOL)
    assert ex.outputs == pytest.approx((o1, o2), abs=TOL)


def test_against_the_reference_file(reference):
    ref = reference
    ex = WorkedExample()
    for name, number in ref["forward"].items():
        assert ex.values[name].data == pytest.approx(number, abs=TOL)
    assert ex.E_total.data == pytest.approx(ref["E_total"], abs=TOL)
    ex.backward()
    for name, number in ref["grads"].items():
        assert ex.leaves[name].grad == pytest.approx(number, abs=TOL)
    ex.update()
    for name, number in ref["after_one_step_weights_only"].items():
        assert ex.leaves[name].data == pytest.approx(number, abs=TOL)
    assert ex.forward().data == pytest.approx(ref["E_after_1_step_weights_only"], abs=TOL)
    for biases, key in ((False, "weights_only"), (True, "with_biases")):
        ex = WorkedExample()
        error = ex.train(10_000, update_biases=biases)
        assert error == pytest.approx(ref[f"E_after_10000_steps_{key}"], abs=TOL)
        assert ex.outputs == pytest.approx(ref[f"outputs_after_10000_{key}"], abs=TOL)


def test_bad_input_is_refused_by_name():
    with pytest.raises(KeyError, match="unknown name 'w9'"):
        WorkedExample(weights={"w9": 1.0})
    with pytest.raises(ValueError, match="steps must be a whole number >= 0"):
        WorkedExample().train(-1)
    with pytest.raises(TypeError):
        WorkedExample(inputs={"i1": "x"})


def test_the_demo_tutorial_runs_and_agrees(capsys):
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "demos" / "worked_example.py"
    spec = importlib.util.spec_from_file_location("demo_worked_example", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    numbers = demo.main(["--steps", "20"])
    e, _, _ = train_by_hand(20, biases=False)
    assert numbers["E_before"] == pytest.approx(hand(START)["E_total"], abs=TOL)
    assert numbers["E_final"] == pytest.approx(e, abs=TOL)
    printed = capsys.readouterr().out
    assert "dE_total/dw1: 2 paths from E_total to w1" in printed


def test_blog_backward_takes_hidden_gradients_through_the_updated_output_weights():
    """The blog's variant: output gradients as the chain rule gives them, hidden ones via
    w5..w8 after their update (plain floats below), which gives the blog's 0.291027924."""
    ex = WorkedExample()
    ex.backward()
    chain_rule = ex.gradients()
    ex.blog_backward(0.5)
    blog = ex.gradients()
    for name in ("w5", "w6", "w7", "w8", "b2"):
        assert blog[name] == chain_rule[name], name
    ref = hand(START)
    o1, o2, h1, h2 = ref["out_o1"], ref["out_o2"], ref["out_h1"], ref["out_h2"]
    d1, d2 = -(0.01 - o1) * o1 * (1 - o1), -(0.99 - o2) * o2 * (1 - o2)
    w5, w6 = 0.40 - 0.5 * d1 * h1, 0.45 - 0.5 * d1 * h2
    w7, w8 = 0.50 - 0.5 * d2 * h1, 0.55 - 0.5 * d2 * h2
    dh1, dh2 = (d1 * w5 + d2 * w7) * h1 * (1 - h1), (d1 * w6 + d2 * w8) * h2 * (1 - h2)
    expected = {"w1": dh1 * 0.05, "w2": dh1 * 0.10, "w3": dh2 * 0.05, "w4": dh2 * 0.10}
    for name, g in expected.items():
        assert blog[name] == pytest.approx(g, abs=TOL), name
    assert blog["b1"] == pytest.approx(dh1 + dh2, abs=TOL)
    ex.update(0.5)
    assert round(ex.forward().data, 9) == 0.291027924  # the blog's number after one step
