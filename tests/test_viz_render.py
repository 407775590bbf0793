"""Real renders (SVG, PNG, PDF, DOT) through the in-process backend, errors, notebook display,
and pinned layouts for stepper frames."""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import viz
from microgrid import Value
from viz import render as viz_render

MAGIC = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


def neuron():
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    y.backward()
    return x, w, b, y


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return [
        "".join(t.itertext()).replace("\u00a0", " ").strip()
        for t in root.iter("{http://www.w3.org/2000/svg}text")
    ]


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_render_writes_real_files_by_suffix(tmp_path, fmt):
    *_, y = neuron()
    path = tmp_path / f"graph.{fmt}"
    returned = viz.draw(y, local_grads=True).render(path)
    assert returned == str(path)
    data = path.read_bytes()
    assert data.startswith(MAGIC[fmt])
    assert len(data) > 1000


def test_svg_contains_labels_values_and_gradients():
    x, w, b, y = neuron()
    texts = svg_texts(viz.draw(y, local_grads=True).pipe("svg"))
    for label in ("x", "w", "b", "y", "tanh", "data", "grad"):
        assert label in texts
    # numbers from plain float math, not from the engine
    out = math.tanh(0.5 * -1.2 + 0.3)
    dy_dw = 0.5 * (1 - out**2)
    for number in (0.5, -1.2, 0.3, out, dy_dw, 1.0):
        assert f"{number:.4f}" in texts
    assert f"{1 - out**2:.4f}" in texts  # the local derivative on the tanh edge


def test_dot_output_needs_no_backend_and_equals_the_source(tmp_path):
    *_, y = neuron()
    drawing = viz.draw(y)
    path = drawing.render(tmp_path / "graph.dot")
    assert open(path, encoding="utf-8").read() == drawing.source
    assert drawing.pipe("dot") == drawing.source.encode()


def test_unknown_suffix_and_unwritable_path_are_refused_clearly(tmp_path):
    *_, y = neuron()
    drawing = viz.draw(y)
    with pytest.raises(ValueError, match=r"unknown output format '\.jpg'.*\.svg"):
        drawing.render(tmp_path / "graph.jpg")
    with pytest.raises(ValueError, match="suffix"):
        drawing.render(tmp_path / "graph")
    with pytest.raises(viz.OutputPathError, match="cannot write"):
        drawing.render(tmp_path / "no" / "such" / "dir" / "graph.svg")
    assert not (tmp_path / "graph.jpg").exists()


def test_system_backend_without_dot_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    *_, y = neuron()
    with pytest.raises(viz.RenderError, match=r"backend='system' needs Graphviz's 'dot'.*PNG"):
        viz.draw(y, backend="system").pipe("png")
    assert viz.draw(y, backend="system").pipe("dot").startswith(b"digraph")


def test_missing_pygraphviz_says_which_formats_need_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pygraphviz(name, *args, **kwargs):
        if name == "pygraphviz":
            raise ImportError("No module named 'pygraphviz'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pygraphviz)
    *_, y = neuron()
    with pytest.raises(viz.RenderError, match=r"SVG, PNG and PDF need the pygraphviz package"):
        viz.draw(y).pipe("svg")


def test_notebook_display_is_svg_and_never_raises(monkeypatch):
    *_, y = neuron()
    svg = viz.draw(y)._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg

    def broken(*args, **kwargs):
        raise viz.RenderError("no backend today")

    monkeypatch.setattr(viz_render, "render_bytes", broken)
    fallback = viz.draw(y)._repr_svg_()
    texts = svg_texts(fallback.encode())
    assert any("no backend today" in t for t in texts)
    assert "digraph microgrid {" in texts  # the DOT text is shown
    assert "no backend" in viz.notebook_svg(y)
    assert "GraphTooLargeError" in viz.notebook_svg(_chain(600))


def _chain(n: int) -> Value:
    y = Value(1.0, label="x")
    for _ in range(n):
        y = y + 1.0
    return y


def node_boxes(svg: bytes) -> dict[str, str]:
    """SVG node title -> the geometry of its shape (what must not move between frames)."""
    out = {}
    for title, shape in re.findall(
        r'class="node">\s*<title>([^<]*)</title>\s*(<[a-z]+ [^>]*>)', svg.decode()
    ):
        geometry = re.findall(r'\b(points|d|cx|cy|rx|ry)="([^"]*)"', shape)
        out[title] = " ".join(f"{k}={v}" for k, v in geometry)
    return out


def test_pinned_layout_keeps_every_node_in_place_across_frames():
    x, w, b, y = neuron()
    options = {"local_grads": True}
    first = viz.draw(y, **options)
    pinned = viz.layout(first)
    assert set(viz.layout_positions(first)) == {str(k) for k in pinned.nodes}
    assert all(re.fullmatch(r"-?[\d.]+,-?[\d.]+", p) for p in pinned.nodes.values())
    frames = [
        viz.draw(y, **options, layout=pinned, grad_known=set(), highlight=[y]),
        viz.draw(y, **options, layout=pinned, grad_known={y}, highlight=[(y, y.children[0])]),
        viz.draw(y, **options, layout=pinned, grad_known={y, y.children[0]}, dim=[x]),
        viz.draw(y, **options, layout=pinned),
    ]
    assert all(f.pinned for f in frames)
    boxes = [node_boxes(f.pipe("svg")) for f in frames]
    assert len(boxes[0]) == 9
    assert all(b == boxes[0] for b in boxes[1:])
    assert frames[0].pipe("png").startswith(MAGIC["png"])


def test_layout_from_another_graph_is_refused():
    *_, y = neuron()
    other = Value(1.0, label="z") * 2.0
    with pytest.raises(ValueError, match="layout has no position"):
        viz.draw(y, layout=viz.layout(viz.draw(other)))


@pytest.mark.skipif(shutil.which("dot") is None, reason="no system Graphviz 'dot' on PATH")
def test_system_backend_renders_when_dot_is_installed():
    *_, y = neuron()
    assert viz.draw(y, backend="system").pipe("svg").startswith(b"<?xml")


def test_render_accepts_str_paths(tmp_path):
    *_, y = neuron()
    path = os.path.join(tmp_path, "g.SVG")
    assert viz.draw(y).render(path) == path
    assert open(path, "rb").read().startswith(b"<?xml")


def test_captions_on_pinned_frames_never_move_the_graph():
    *_, y = neuron()
    captions = ["step 1", "dy/dw += 0.9151 x 0.5000 = 0.4576", "the backward pass, one step"]
    pinned = viz.layout(viz.draw(y, local_grads=True, title=max(captions, key=len)))
    assert pinned.title_size is not None and pinned.title_size[0] > 100
    frames = [viz.draw(y, local_grads=True, layout=pinned, title=c) for c in captions]
    frames.append(viz.draw(y, local_grads=True, layout=pinned, title="far too long " * 20))
    svgs = [f.pipe("svg") for f in frames]
    boxes = [node_boxes(s) for s in svgs]
    assert all(b == boxes[0] for b in boxes[1:])
    for caption, svg in zip(captions, svgs):
        assert caption in svg_texts(svg)
    # a pinned caption needs a layout made with a caption
    bare = viz.layout(viz.draw(y, local_grads=True))
    with pytest.raises(ValueError, match="lay out with title="):
        viz.draw(y, local_grads=True, layout=bare, title="step 1")


def test_rendering_keeps_graphviz_warnings_but_drops_the_fontconfig_noise(capfd):
    """fd 2 is filtered during a render: the harmless fontconfig line goes, real warnings stay."""
    from viz import render

    render._render_pygraphviz(render._agraph("digraph { a -> b }"), "png", "dot")
    assert "reset-dirs" not in capfd.readouterr().err
    with render._quiet_fontconfig():
        os.write(2, b'Fontconfig warning: "x.conf", line 6: unknown element "reset-dirs"\n')
        os.write(2, b"Warning: something real\n")
    err = capfd.readouterr().err
    assert "reset-dirs" not in err
    assert "Warning: something real" in err
