"""Text that cannot be drawn or written as given: lone surrogates, huge labels, control chars."""

from __future__ import annotations

from pathlib import Path

import pytest

from microgrid import Value, explain

viz = pytest.importorskip("viz")


def test_a_label_with_a_lone_surrogate_makes_a_stepper_page(tmp_path: Path) -> None:
    x = Value(0.5, label="bad\ud800name")
    path = tmp_path / "s.html"
    viz.stepper_for((x * 2.0).tanh(), path)
    page = path.read_bytes().decode("utf-8")  # valid UTF-8 throughout
    assert "bad\ufffdname" in page
    assert "<svg" in viz.draw(x * 2.0).pipe("svg").decode("utf-8")  # as draw() already did


def test_a_label_past_graphvizs_limit_is_refused_in_one_line(capfd) -> None:
    x = Value(1.0, label="L" * 20_000)
    with pytest.raises(viz.RenderError) as info:
        viz.draw(x * 2.0).pipe("svg")
    text = str(info.value)
    assert "too long for Graphviz" in text and "16,384" in text and "\n" not in text
    assert "syntax error" not in capfd.readouterr().err  # Graphviz's own words are not dumped


def test_a_long_but_drawable_label_still_draws() -> None:
    x = Value(1.0, label="L" * 2_000)
    assert viz.draw(x * 2.0).pipe("svg").startswith(b"<?xml")


@pytest.mark.parametrize("op", ["sw\x00ish", "a\x1b[31mred", "two\nlines", "half\ud800"])
def test_a_custom_op_name_with_control_characters_is_refused(op: str) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="printable") as info:
        Value(2.0, children=(x,), local_grads=(1.0,), op=op)
    assert repr(op) in str(info.value)


def test_a_printable_custom_op_is_drawn_and_explained() -> None:
    x = Value(1.0, label="x")
    y = Value(2.0, children=(x,), local_grads=(3.0,), op="swish β")
    y.backward()
    assert x.grad == 3.0
    assert "swish β" in str(explain(y, x))
    assert "swish&#160;β" in viz.draw(y).source  # the space kept as a no-break space
