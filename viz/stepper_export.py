"""The stepper's frames as pictures for slides: one PNG or SVG per frame, or one animated GIF.

Every picture is drawn at the positions of the page's one picture (its layout is computed once,
``viz.render.layout``, and every frame is drawn pinned to it), with the caption above in the
page's colours. What a frame shows comes from ``viz.frames.states``: values computed so far,
gradients received so far (greyed where none arrived yet), the step's nodes and edges
highlighted. Forward frames show an edge's local derivative once its node is computed, as the
page does; backward frames show them all.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from microgrid.atomic import WriteError, write_atomic
from microgrid.engine import Value
from viz import dot, render, style
from viz.frames import Frame, State, states
from viz.render import OutputPathError

if TYPE_CHECKING:
    from viz.stepper import Stepper

#: The page's caption colours (viz/stepper_template.html), by segment role.
COLOURS = {
    "head": "#222222",
    "": "#222222",
    "muted": "#666666",
    "new": "#1b7a3d",
    "operand": "#1f5f99",
    "up": "#7b3fa0",
    "local": "#c65d1e",
    "src": "#0f7f86",
    "result": "#1b7a3d",
}
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
CAPTION_PT = 11  # caption text size, in points (= pixels at Graphviz's 72 dpi SVG, 96 dpi PNG)
LINE = 1.5  # line height, in caption text sizes
PAD = 8


def frame_drawing(s: Stepper, frame: Frame, state: State):
    """``viz.draw`` of one frame, pinned to the page's layout (the user's grads put back)."""
    p = s.plan
    highlight: dict[Value | tuple[Value, Value], str] = {}
    for target, role in frame.roles.items():  # in the caption's colours
        if isinstance(target, int):
            highlight[p.order[target]] = COLOURS[role]
        else:
            parent = p.order[target[0]]
            highlight[(parent, parent.children[target[1]])] = COLOURS[role]
    backward = frame.phase == "backward"
    reached = set(state.status) if backward else set()
    dim = {v for v in p.order if v not in state.data_known or (backward and v not in reached)}
    dim -= {v for v in p.order if v.op == "const"}
    options = dict(s.picture.options)
    options["local_grads"] = True  # drawn once known: forward frames hide the rest below
    saved = [v.grad for v in p.order]
    try:
        for v in p.order:
            v.grad = state.grads.get(v, 0.0)
        drawing = dot.draw(
            p.root,
            data_known=state.data_known,
            grad_known=reached,
            dim=dim,
            highlight=highlight,
            layout=_layout(s),
            **options,
        )
    finally:
        for v, g in zip(p.order, saved):
            v.grad = g
    # As on the page, an op marker is lit only for the step's own node (computed or processed).
    others = [t for t, role in frame.roles.items() if isinstance(t, int) and role not in MINE]
    drawing.source = _plain_op_markers(drawing.source, others)
    # As on the page, a gradient still filling up (k of n contributions) is dashed, in amber.
    partial = [
        i
        for i, v in enumerate(p.order)
        if state.status.get(v) == "partial" and i not in frame.roles
    ]
    drawing.source = _dashed(drawing.source, partial)
    if not backward:  # as on the page, a local derivative appears once its node is computed
        drawing.source = _unlabelled_edges(drawing.source, state.locals_known)
    return drawing


def _unlabelled_edges(source: str, known: set[tuple[int, int]]) -> str:
    """DOT ``source`` with the local-derivative labels of operand edges ``e<i>_<j>`` not in
    ``known`` emptied (the layout is pinned, so nothing moves)."""

    def blank(m: re.Match[str]) -> str:
        i, j = int(m.group(3)), int(m.group(4))
        return m.group(0) if (i, j) in known else f'{m.group(1)}label=""{m.group(2)}'

    return re.sub(
        r"^(\s*\S+ -> \S+ \[.*?)label=<<FONT[^>]*>[^<]*</FONT>>(.*?\bid=e(\d+)_(\d+)\b.*)$",
        blank,
        source,
        flags=re.M,
    )


PARTIAL = "#a8730a"  # the page's --partial colour


def _dashed(source: str, indices: list[int]) -> str:
    """DOT ``source`` with the value nodes ``v<i>`` of ``indices`` outlined dashed, in amber."""
    for i in indices:
        source = re.sub(
            rf'^(\s*v{i} \[.*>>.*?) color="[^"]*"(.*?) style="?([a-z,]+)"?\]$',
            rf'\1 color="{PARTIAL}"\2 style="\3,dashed"]',
            source,
            count=1,
            flags=re.M,
        )
    return source


MINE = ("new", "up")


def _plain_op_markers(source: str, indices: list[int]) -> str:
    """DOT ``source`` with the op markers ``o<i>`` of ``indices`` back in their plain colours."""
    for i in indices:
        source = re.sub(
            rf'^(\s*o{i} \[.*?) color="[^"]*"(.*?) penwidth=[\d.]+',
            rf'\1 color="{style.OP_STYLE["color"]}"\2',
            source,
            count=1,
            flags=re.M,
        )
    return source


def _layout(s: Stepper) -> render.Layout:
    cached = getattr(s, "_export_layout", None)
    if cached is None:
        cached = render.layout(s.picture.drawing)
        s._export_layout = cached  # type: ignore[attr-defined]
    return cached


def _band_lines(s: Stepper) -> int:
    return max(len(f.lines) for f in s.plan.frames)


def frame_svg(s: Stepper, frame: Frame, state: State) -> str:
    """One frame as an SVG document: the caption, then the pinned graph."""
    inner = frame_drawing(s, frame, state).pipe("svg").decode("utf-8")
    inner = inner[inner.find("<svg") :]
    head, _, rest = inner.partition(">")
    width = float(head.split('width="')[1].split("pt")[0])
    height = float(head.split('height="')[1].split("pt")[0])
    band = PAD * 2 + _band_lines(s) * CAPTION_PT * LINE
    texts = []
    for k, line in enumerate(frame.lines):
        y = PAD + (k + 0.8) * CAPTION_PT * LINE
        spans = "".join(
            f'<tspan fill="{COLOURS.get(role, COLOURS[""])}">{escape(text)}</tspan>'
            for text, role in line
        )
        texts.append(f'<text x="{PAD}" y="{y:.1f}" xml:space="preserve">{spans}</text>')
    widest = max(sum(len(t) for t, _ in line) for f in s.plan.frames for line in f.lines)
    caption_width = widest * CAPTION_PT * 0.61 + 2 * PAD  # DejaVu Sans Mono: 0.6 em a letter
    total_w = max(width, caption_width)
    total_h = height + band
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{total_w:.0f}pt" height="{total_h:.0f}pt" '
        f'viewBox="0 0 {total_w:.2f} {total_h:.2f}">'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<g font-family="DejaVu Sans Mono,Menlo,Consolas,monospace" font-size="{CAPTION_PT}">'
        f"{''.join(texts)}</g>"
        f'{head} y="{band:.2f}">{rest}</svg>'
    )


def frame_png(s: Stepper, frame: Frame, state: State):
    """One frame as a Pillow image: the caption drawn in its colours above the pinned graph."""
    from PIL import Image, ImageDraw, ImageFont

    graph = Image.open(io.BytesIO(frame_drawing(s, frame, state).pipe("png"))).convert("RGB")
    size = round(CAPTION_PT * 96 / 72)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(FONT, size)
    except OSError:  # no DejaVu on this system: Pillow's own font still writes the numbers
        font = ImageFont.load_default()
    step = round(size * LINE)
    band = 2 * PAD + _band_lines(s) * step
    widest = max(sum(font.getlength(t) for t, _ in line) for f in s.plan.frames for line in f.lines)
    width = max(graph.width, int(widest) + 2 * PAD)  # one size for every frame of a slide deck
    image = Image.new("RGB", (width, graph.height + band), "white")
    pen = ImageDraw.Draw(image)
    for k, line in enumerate(frame.lines):
        x = float(PAD)
        for text, role in line:
            pen.text((x, PAD + k * step), text, fill=COLOURS.get(role, COLOURS[""]), font=font)
            x += font.getlength(text)
    image.paste(graph, (0, band))
    return image


def write_frames(s: Stepper, out_dir: str | os.PathLike[str], *, fmt: str = "png") -> list[str]:
    """Write ``frame_000.png`` (or ``.svg``) ... into ``out_dir``; returns the paths."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"frames are written as png or svg, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(s.plan.frames) - 1)))
    written = []
    for k, (frame, state) in enumerate(states(s.plan)):
        path = out / f"frame_{k:0{width}d}.{fmt}"
        if fmt == "svg":
            data: bytes | str = frame_svg(s, frame, state)
        else:
            buffer = io.BytesIO()
            frame_png(s, frame, state).save(buffer, format="PNG")
            data = buffer.getvalue()
        written.append(_write(path, data))
    return written


def write_gif(s: Stepper, path: str | os.PathLike[str], *, ms_per_frame: int = 900) -> str:
    """Every frame in one animated GIF (loops; the last frame shows twice as long)."""
    if isinstance(ms_per_frame, bool) or not isinstance(ms_per_frame, int) or ms_per_frame < 20:
        raise ValueError(f"ms_per_frame must be an int of at least 20, got {ms_per_frame!r}")
    images = [frame_png(s, f, st) for f, st in states(s.plan)]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    from PIL import Image

    canvas = []
    for im in images:  # captions can differ in width: every frame on a canvas of one size
        full = Image.new("RGB", (width, height), "white")
        full.paste(im, (0, 0))
        canvas.append(full.quantize(colors=64, method=Image.Quantize.FASTOCTREE))  # fast, crisp
    durations = [ms_per_frame] * (len(canvas) - 1) + [2 * ms_per_frame]
    buffer = io.BytesIO()
    canvas[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=canvas[1:],
        duration=durations,
        loop=0,
        optimize=True,
    )
    return _write(path, buffer.getvalue())


def _write(path: str | os.PathLike[str], data: bytes | str) -> str:
    """Write atomically (``microgrid.atomic``); a failure names the path (``OutputPathError``)."""
    try:
        return write_atomic(path, data)
    except WriteError as exc:
        raise OutputPathError(str(exc)) from None
