"""The stepper's one picture: the graph drawn once, its numbers tagged for the page's script.

``stepper_picture(plan)`` draws the graph with the true final numbers (from the plan's fresh
backward pass, not the user's ``.grad``), renders it to SVG once, and tags what frames change:

- each node group gets its DOT id (``v<i>`` value, ``o<i>`` op marker, ``c<k>`` collapsed box);
- the text of node ``i``'s value gets ``data-d="i"``, of its gradient ``data-g="i"``;
- the label of edge ``e<i>_<j>`` (a local derivative) gets ``data-l="i_j"``.

Numbers are drawn at a fixed width, so the script can write ``?`` or a gradient in place
without moving anything.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from microgrid.engine import Value
from microgrid.users import users_of
from viz import dot, labels, style
from viz.drawing import Drawing
from viz.frames import Plan

SVG_NS = "http://www.w3.org/2000/svg"
_SVG = f"{{{SVG_NS}}}"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


@dataclass
class Picture:
    """The tagged SVG, the drawing it came from, and which box shows each collapsed value."""

    svg: str
    drawing: Drawing
    boxes: dict[int, str]  # topological index -> collapsed box id, for values inside a box
    options: dict


def draw_final(p: Plan, **options) -> Drawing:
    """``viz.draw`` of the plan's graph with its true gradients (the user's are put back)."""
    saved = [v.grad for v in p.order]
    try:
        for v in p.order:
            v.grad = p.grads[v]
        return dot.draw(p.root, **options)
    finally:
        for v, g in zip(p.order, saved):
            v.grad = g


def stepper_picture(
    p: Plan,
    *,
    collapse: str | Iterable[str] = (),
    params: Collection[Value] | None = None,
    rankdir: str = "LR",
    cluster: bool = True,
    max_nodes: int = dot.DEFAULT_MAX_NODES,
) -> Picture:
    """Draw ``p``'s graph once (local derivatives on the edges) and tag it for the page."""
    options = {
        "local_grads": True,
        "collapse": collapse,
        "params": params,
        "rankdir": rankdir,
        "cluster": cluster,
        "max_nodes": max_nodes,
    }
    drawing = draw_final(p, **options)
    groups = dot._collapse_groups(p.order, dot._as_prefixes(collapse))
    boxes = {i: drawing.node_id(v) for i, v in enumerate(p.order) if v in groups}
    outputs = _box_outputs(p, groups)
    svg = tag(drawing.pipe("svg").decode("utf-8"), outputs)
    return Picture(svg=svg, drawing=drawing, boxes=boxes, options=options)


def _box_outputs(p: Plan, groups: dict[Value, str]) -> dict[str, list[int]]:
    """For each collapsed box, the values it lists (as ``viz.dot`` picks them), by index."""
    index = {v: i for i, v in enumerate(p.order)}
    users = users_of(p.order)
    members: dict[str, list[Value]] = {}
    for v in p.order:
        if v in groups:
            members.setdefault(groups[v], []).append(v)
    ids = {g: f"c{k}" for k, g in enumerate(members)}
    out: dict[str, list[int]] = {}
    for group, inside in members.items():
        shown = set(inside)
        listed = [
            index[v]
            for v in inside
            if v is p.root or any(u not in shown for u, _ in users.get(v, ()))
        ]
        out[ids[group]] = listed[: labels.MAX_COLLAPSED_OUTPUTS]
    return out


def tag(svg: str, box_outputs: dict[str, list[int]]) -> str:
    """Tag node groups, number texts and edge labels of a ``viz.draw`` SVG (module docstring)."""
    root = ET.fromstring(svg)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)  # the page sizes the picture
    root.set("id", "picture")
    for g in root.iter(f"{_SVG}g"):
        kind = g.get("class")
        title = g.find(f"{_SVG}title")
        if title is None:
            continue
        if kind not in ("node", "edge"):
            g.remove(title)
            continue
        if kind == "node":
            name = title.text or ""
            g.set("id", name)
            _tag_numbers(g, name, box_outputs)
        else:
            edge_id = g.get("id", "")
            if "_" in edge_id:
                for text in g.iter(f"{_SVG}text"):
                    text.set("data-l", edge_id[1:])
        g.remove(title)  # hover titles would show DOT ids, which mean nothing to a learner
    for text in root.iter(f"{_SVG}text"):
        _slim(text)
    return ET.tostring(root, encoding="unicode")


#: Font families the page's style sheet sets once (``#picture text``, ``#picture text.m``).
_SANS, _MONO = style.FONT, style.MONO_FONT


def _slim(text: ET.Element) -> None:
    """Drop what the page's style sheet says once for every text: a 1,000-node page is smaller."""
    family = text.attrib.pop("font-family", _SANS)
    if family == _MONO:
        text.set("class", (text.get("class", "") + " m").strip())
    elif family != _SANS:
        text.set("font-family", family)
    if text.get("text-anchor") == "start":
        del text.attrib["text-anchor"]
    content = text.text or ""
    if "  " not in content and content == content.strip():
        text.attrib.pop("{http://www.w3.org/XML/1998/namespace}space", None)


def _tag_numbers(g: ET.Element, name: str, box_outputs: dict[str, list[int]]) -> None:
    if name.startswith("v"):
        owners = [int(name[1:])]
    elif name in box_outputs:
        owners = box_outputs[name]
    else:
        return
    texts = list(g.iter(f"{_SVG}text"))
    data_seen = grad_seen = 0
    for before, text in zip(texts, texts[1:]):
        word = (before.text or "").strip()
        if word == "data" and data_seen < len(owners):
            text.set("data-d", str(owners[data_seen]))
            data_seen += 1
        elif word == "grad" and grad_seen < len(owners):
            text.set("data-g", str(owners[grad_seen]))
            grad_seen += 1
    if name.startswith("v") and texts and texts[0].get("font-weight") == "bold":
        texts[0].set("class", "nm")
    elif name.startswith("v") and len(texts) == 1 and not data_seen:
        texts[0].set("class", "k")  # a constant: its number is all there is to light up
