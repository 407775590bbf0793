"""Labels are data, never DOT: any text appears literally and cannot break or inject DOT."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pygraphviz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microgrid
import viz
from microgrid import Value
from viz.labels import display_lines, escape_text

SVG_TEXT = "{http://www.w3.org/2000/svg}text"

HOSTILE = [
    'a "b" {c} | <d> & \\ e',
    '"]; evil [label="x"]; v9 -> v0 [color=red',
    "<TD>injected</TD></TR></TABLE>",
    "<B>bold?</B> &amp; &lt;",
    "line one\nline two\r\nline three",
    "反向传播 dE/dw5",
    "ends with a backslash \\",
    "{port} | <port> record",
    "  spaced  out  ",
]

# Any text except lone surrogates (which no UTF-8 file can hold): controls, markup, CJK, emoji.
label_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def svg_lines(svg: bytes) -> list[str]:
    """The text of every SVG <text> element, with Graphviz's no-break spaces made plain."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()).replace("\u00a0", " ") for t in root.iter(SVG_TEXT)]


def small_graph(label: str) -> Value:
    """a * b where a and the result carry ``label``, inside a scope named ``label`` too."""
    a, b = Value(1.0, label=label), Value(2.0, label="b")
    with microgrid.scope(label or "s"):
        y = a * b
    y.label = label
    return y


def assert_only_our_nodes(drawing: viz.Drawing) -> pygraphviz.AGraph:
    graph = pygraphviz.AGraph(string=drawing.source)  # the DOT still parses
    assert sorted(map(str, graph.nodes())) == ["o2", "v0", "v1", "v2"]  # nothing injected
    assert sorted(e.attr["id"] for e in graph.edges()) == ["e2", "e2_0", "e2_1"]
    assert len(list(graph.subgraphs())) == 1
    return graph


def test_hostile_labels_parse_and_show_literally():
    for label in HOSTILE:
        drawing = viz.draw(small_graph(label))
        assert_only_our_nodes(drawing)
        texts = svg_lines(drawing.pipe("svg"))
        for line in label.replace("\r\n", "\n").split("\n"):
            if line.strip():
                assert line in texts, (label, line, texts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label_text)
def test_any_label_keeps_the_dot_intact_and_appears_in_the_svg(label):
    drawing = viz.draw(small_graph(label), title=label)
    assert_only_our_nodes(drawing)
    texts = svg_lines(drawing.pipe("svg"))
    for line in display_lines(label):
        if line.strip():
            assert line.replace("\u00a0", " ") in texts


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_display_lines_keep_printable_text_unchanged(label):
    """Only control characters are replaced; everything printable is shown as typed."""
    assert display_lines(label) == label.split("\n") or "\x85" in label or "\u2028" in label


@given(label_text)
def test_escaped_text_contains_no_raw_markup(label):
    escaped = escape_text(label).replace("<BR/>", "")
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert "&" not in escaped.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace(
        "&quot;", ""
    ).replace("&#39;", "").replace("&#160;", "").replace("&#92;", "")


def test_chinese_labels_reach_the_svg():
    # The machine has no CJK font, so a PNG shows boxes; the SVG carries the text itself.
    drawing = viz.draw(small_graph("输出 out_o1"))
    assert "输出 out_o1" in svg_lines(drawing.pipe("svg"))
