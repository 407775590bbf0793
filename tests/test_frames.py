"""Stepper frames and stepper.html: contents per frame, pinned positions, a self-contained page."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from microgrid import Value
from microgrid.app.worked_example import WorkedExample
from viz.frames import frames, plan
from viz.stepper import stepper_html

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def drawn():
    ex = WorkedExample()
    ex.zero_grad()
    return ex, frames(ex.E_total, params=ex.parameters())


def shapes(svg: bytes) -> dict[str, str]:
    """Node id -> the geometry of its first shape (path, polygon or ellipse) in an SVG."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        title = g.find(f"{SVG}title").text
        for child in g:
            if child.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse"):
                out[title] = (
                    child.get("d") or child.get("points") or f"{child.get('cx')},{child.get('cy')}"
                )
                break
    return out


def test_forward_then_backward_one_frame_per_computed_node(drawn):
    ex, fs = drawn
    computed = [v for v in ex.values.values() if v.children]
    n = 27
    assert len([v for v in _all_nodes(ex) if v.children]) == n
    assert [f.phase for f in fs] == ["forward"] * (n + 1) + ["backward"] * (n + 1)
    assert fs[0].caption.startswith("Forward pass 0/27")
    assert fs[-1].caption.startswith("Backward pass: done")
    forward = fs[1 : n + 1]
    assert [f.node for f in forward][-1] is ex.E_total
    for k, f in enumerate(forward):  # values fill in one node at a time
        assert f.node in f.data_known and f.node in f.highlight
        if k:
            assert f.data_known - forward[k - 1].data_known == {f.node}
    assert set(computed) <= fs[n].data_known


def _all_nodes(ex):
    from microgrid.engine import topological_order

    return topological_order(ex.E_total)


def test_backward_frames_match_the_engine_and_leave_grads_as_backward(drawn):
    ex, fs = drawn
    after_frames = {v: v.grad for v in _all_nodes(ex)}
    fresh = WorkedExample()
    fresh.backward()
    for name in ("w1", "w5", "b1", "b2", "out_h1", "net_o1"):
        assert after_frames[ex.values[name]] == pytest.approx(fresh.values[name].grad, abs=1e-15)
    backward = [f for f in fs if f.phase == "backward" and f.node is not None]
    assert backward[0].node is ex.E_total
    for f in backward:  # the processed node and its operand edges are highlighted
        assert f.node in f.highlight
        assert all((f.node, c) in f.highlight for c in f.node.children)
        assert f.node not in f.dim  # a node is processed only once its gradient is final


def test_the_issues_example_caption_for_w5(drawn):
    ex, fs = drawn
    o1, h1 = ex.out_o1.data, ex.out_h1.data
    numbers = [o1 - 0.01, o1 * (1 - o1), h1, (o1 - 0.01) * o1 * (1 - o1) * h1]
    expected = "dE_total/dw5 += {:.4f} \u00d7 {:.4f} \u00d7 {:.4f} = {:.4f}".format(*numbers)
    assert expected == "dE_total/dw5 += 0.7414 \u00d7 0.1868 \u00d7 0.5933 = 0.0822"
    assert any(expected in f.caption for f in fs)


def test_not_final_nodes_are_greyed_and_grads_so_far_shown(drawn):
    ex, fs = drawn
    first = next(f for f in fs if f.phase == "backward")
    assert ex.E_total not in first.dim
    assert ex.E_o1 not in first.dim and ex.E_o2 not in first.dim  # their only user is done
    assert ex.w1 in first.dim and ex.out_h1 in first.dim
    assert first.grads[ex.E_o1] == 1.0 and first.grads[ex.w5] == 0.0
    # out_h1 gets error from E_o1's side first (the seed's order): partial, known, still greyed
    partial = next(f for f in fs if "dE_total/dout_h1 += 0.7414" in f.caption)
    assert ex.out_h1 in partial.grad_known and ex.out_h1 in partial.dim
    assert partial.grads[ex.out_h1] != pytest.approx(ex.out_h1.grad)


def test_captions_carry_numbers_from_the_engine(drawn):
    ex, fs = drawn
    f = next(f for f in fs if f.node is ex.out_h1 and f.phase == "forward")
    assert f.caption.endswith(
        f"out_h1 = sigmoid(net_h1) = sigmoid({ex.net_h1.data:.4f}) = {ex.out_h1.data:.4f}"
    )
    f = next(f for f in fs if f.node is ex.net_h1 and f.phase == "forward")
    assert "net_h1 = (w1\u00b7i1 + w2\u00b7i2) + b1 = 0.0275 + 0.3500 = 0.3775" in f.caption


def test_positions_are_pinned_across_frames(drawn):
    _, fs = drawn
    picked = [fs[0], fs[5], fs[27], fs[28], fs[40], fs[-1]]
    svgs = [f.drawing.pipe("svg") for f in picked]
    reference = shapes(svgs[0])
    assert len(reference) > 60  # value nodes and op markers
    for svg in svgs[1:]:
        assert shapes(svg) == reference
    sizes = {re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', s).groups() for s in svgs}
    assert len(sizes) == 1


def test_frames_of_any_expression_and_in_chinese():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    planned = plan(y, lang="zh")
    assert planned[0].caption.startswith("正向传播") and planned[-1].caption.startswith("反向传播")
    assert w.grad == pytest.approx(0.5 * (1 - math.tanh(-0.3) ** 2))
    with pytest.raises(ValueError, match="lang must be one of"):
        plan(y, lang="fr")
    with pytest.raises(TypeError, match="frames need a Value"):
        plan(1.0)


def test_stepper_page_is_self_contained_and_embeds_every_frame(drawn):
    _, fs = drawn
    page = stepper_html(fs, title="t <&>")
    assert "<title>t &lt;&amp;&gt;</title>" in page
    assert not re.search(r"<(?:script|img|link|iframe)[^>]+(?:src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"\b(?:src|href)=\"https?:", page)
    data = re.search(r'<script id="frames-data" type="application/json">(.*?)</script>', page, re.S)
    payload = json.loads(data.group(1))
    assert len(payload["frames"]) == len(fs)
    assert [f["caption"] for f in payload["frames"]] == [f.caption for f in fs]
    assert all(f["svg"].startswith("<svg") for f in payload["frames"])
    for word in ("ArrowRight", "ArrowLeft", "slider", "play"):
        assert word in page


def test_stepper_refuses_undrawn_or_empty_frames():
    x = Value(1.0, label="x")
    y = x.exp()
    with pytest.raises(ValueError, match="drawn first"):
        stepper_html(plan(y))
    with pytest.raises(ValueError, match="at least one frame"):
        stepper_html([])


def test_stepper_for_any_graph_writes_one_page_and_leaves_backward_grads(tmp_path):
    """viz.stepper_for works on any expression, not only the worked example."""
    import viz

    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    path = viz.stepper_for(y, tmp_path / "stepper.html")
    page = (tmp_path / "stepper.html").read_text(encoding="utf-8")
    assert str(path).endswith("stepper.html")
    assert "Backward pass" in page and "dy/dw +=" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # self-contained, no network
    # afterwards the grads are those of y.backward(): dy/dw = x (1 - y^2)
    assert math.isclose(w.grad, x.data * (1 - y.data**2), rel_tol=1e-12)
