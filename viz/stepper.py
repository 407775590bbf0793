"""``stepper.html``: every frame of the forward and backward pass in one self-contained page.

The page (template ``viz/stepper_template.html``) embeds the frames' SVGs and captions as JSON,
and has previous/next buttons, a slider, play/pause, keyboard arrows (Home/End, Space) and the
caption of the current frame. It loads nothing from the network, so it works opened from disk
(``file://``) and can be mailed or put on a course page as one file.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from pathlib import Path

from microgrid.atomic import write_atomic
from viz.frames import WORDS, Frame, frames, svg_text

TEMPLATE = Path(__file__).with_name("stepper_template.html")

UI = {
    "en": {
        "hint": "Forward pass, then backward pass, one node at a time. Keys: \u2190 \u2192, "
        "Home/End, Space to play, Z to zoom.",
        "prev": "prev",
        "next": "next",
        "play": "\u25b6 play",
        "pause": "\u275a\u275a pause",
        "zoom": "fit / full size",
    },
    "zh": {
        "hint": "先正向传播, 再反向传播, 每次一个节点。"
        "按键: \u2190 \u2192, Home/End, 空格播放, Z 缩放。",
        "prev": "上一步",
        "next": "下一步",
        "play": "\u25b6 播放",
        "pause": "\u275a\u275a 暂停",
        "zoom": "适应窗口 / 原始大小",
    },
}


def stepper_html(frame_list: Sequence[Frame], *, title: str = "microgrid", lang: str = "en") -> str:
    """The stepper page for drawn frames (from ``viz.frames.frames``), as one HTML string."""
    if lang not in UI:
        raise ValueError(f"lang must be one of {', '.join(UI)}, got {lang!r}")
    if not frame_list:
        raise ValueError("a stepper needs at least one frame")
    for f in frame_list:
        if f.drawing is None:
            raise ValueError("frames must be drawn first: use viz.frames.frames(root)")
    ui = UI[lang]
    payload = {
        "frames": [
            {"phase": f.phase, "caption": f.caption, "svg": svg_text(f)} for f in frame_list
        ],
        "words": {
            "forward": WORDS[lang]["forward"],
            "backward": WORDS[lang]["backward"],
            "play": ui["play"],
            "pause": ui["pause"],
        },
    }
    # JSON inside <script>: "</" must not appear, or the browser would end the script there.
    data = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    page = TEMPLATE.read_text(encoding="utf-8")
    for key, value in (
        ("__LANG__", lang),
        ("__TITLE__", html.escape(title)),
        ("__HINT__", html.escape(ui["hint"])),
        ("__PREV__", html.escape(ui["prev"])),
        ("__NEXT__", html.escape(ui["next"])),
        ("__PLAY__", html.escape(ui["play"])),
        ("__ZOOM__", html.escape(ui["zoom"])),
    ):
        page = page.replace(key, value)
    return page.replace("__FRAMES__", data)


def write_stepper(
    frame_list: Sequence[Frame],
    path: str | os.PathLike[str],
    *,
    title: str = "microgrid",
    lang: str = "en",
) -> str:
    """Write ``stepper_html(frame_list)`` to ``path``; returns the path as a string."""
    text = stepper_html(frame_list, title=title, lang=lang)
    return write_atomic(path, text)


def stepper_for(root, path: str | os.PathLike[str], *, lang: str = "en", **options) -> str:
    """Frames of ``root`` (see ``viz.frames.frames``) written as one stepper page at ``path``."""
    return write_stepper(frames(root, lang=lang, **options), path, lang=lang)
