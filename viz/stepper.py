"""The stepper: one self-contained HTML page that steps through the forward and backward pass.

``Stepper(root)`` plans the frames (``viz.frames``), draws the graph once (``viz.stepper_svg``)
and fills ``viz/stepper_template.html`` with that one SVG and the frames as small JSON records,
which the page's script applies to the picture: values, gradients, highlights, caption. The
page loads nothing from the network, so it works opened from disk and can be mailed.

>>> from microgrid import Value
>>> x, w = Value(0.5, label="x"), Value(-1.2, label="w")
>>> y = (x * w).tanh()
>>> s = Stepper(y)
>>> len(s.plan.frames), s.html().startswith("<!DOCTYPE html>")
(6, True)

In Jupyter a ``Stepper`` displays inline (in an iframe, so its script and ids stay its own).
``stepper_for(root, "page.html")`` writes the page in one call; ``write_frames`` and
``write_gif`` (``viz.stepper_export``) export the same frames as pictures for slides.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from microgrid.atomic import WriteError, write_atomic
from microgrid.engine import Value
from microgrid.words import words
from viz import dot, labels
from viz.frames import Plan, plan
from viz.render import OutputPathError
from viz.stepper_svg import Picture, stepper_picture

TEMPLATE = Path(__file__).with_name("stepper_template.html")


class Stepper:
    """The frames of ``root`` and its one picture, ready to become a page (or pictures).

    Args:
        root: the Value to step through (usually the loss).
        lang: "en" or "zh" (captions, controls, legend).
        title: the page's heading (default: "microgrid: backpropagation, step by step").
        collapse, params, rankdir, cluster, max_nodes: drawing options, as for ``viz.draw``.

    The user's ``.grad`` values are never changed: every number comes from a fresh backward pass.
    """

    def __init__(
        self,
        root: Value,
        *,
        lang: str = "en",
        title: str | None = None,
        collapse: str | Iterable[str] = (),
        params: Collection[Value] | None = None,
        rankdir: str = "LR",
        cluster: bool = True,
        max_nodes: int = dot.DEFAULT_MAX_NODES,
    ) -> None:
        ui = words(lang, "stepper")
        if title is None:
            title = ui["title"]
        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}: {title!r}")
        self.lang = lang
        self.title = title
        self.plan: Plan = plan(root, lang=lang)
        self.picture: Picture = stepper_picture(
            self.plan,
            collapse=collapse,
            params=params,
            rankdir=rankdir,
            cluster=cluster,
            max_nodes=max_nodes,
        )

    def __repr__(self) -> str:
        return (
            f"<viz.Stepper: {len(self.plan.order)} nodes, {len(self.plan.frames)} frames, "
            f"lang={self.lang!r}>"
        )

    def payload(self) -> dict:
        """The frames as the page's script reads them (small records of what changes)."""
        frames = []
        for f in self.plan.frames:
            record: dict = {"p": 0 if f.phase == "forward" else 1, "c": f.lines}
            if f.data_new:
                record["d"] = f.data_new
            if f.locals_new:
                record["l"] = [f"{i}_{j}" for i, j in f.locals_new]
            if f.grads_new:
                record["g"] = [[i, labels.fmt_number(g), k, n] for i, g, k, n in f.grads_new]
            if f.roles:
                record["h"] = [
                    [t if isinstance(t, int) else f"{t[0]}_{t[1]}", role]
                    for t, role in f.roles.items()
                ]
            frames.append(record)
        return {
            "n": len(self.plan.order),
            "boxes": self.picture.boxes,
            "unknown": "?".rjust(labels.NUMBER_WIDTH, "\u00a0"),
            "frames": frames,
            "words": {
                "forward": words(self.lang, "frames")["forward"],
                "backward": words(self.lang, "frames")["backward"],
                "play": words(self.lang, "stepper")["play"],
                "pause": words(self.lang, "stepper")["pause"],
            },
        }

    def html(self) -> str:
        """The whole page as one HTML string."""
        # JSON inside <script>: "</" must not appear, or the browser would end the script there.
        data = json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":"))
        data = data.replace("</", "<\\/")
        page = TEMPLATE.read_text(encoding="utf-8")
        fields = {"LANG": self.lang, "TITLE": html.escape(self.title)}
        fields.update(
            {
                key.upper(): html.escape(text)
                for key, text in words(self.lang, "stepper").items()
                if key != "title"
            }
        )
        for key, value in fields.items():
            page = page.replace(f"__{key}__", value)
        # One pass each: the SVG and the data may contain anything, even "__FRAMES__".
        before, after = page.split("__SVG__")
        return before + self.picture.svg + after.replace("__FRAMES__", data)

    def write(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path``; returns the path as a string.

        Written atomically (``microgrid.atomic``): a failure leaves no half-written page, and
        raises ``OutputPathError`` (an ``OSError``) naming the path and the reason.
        """
        text = self.html()
        try:
            return write_atomic(path, text)
        except WriteError as exc:
            raise OutputPathError(str(exc)) from None

    def write_frames(self, out_dir: str | os.PathLike[str], fmt: str = "png") -> list[str]:
        """One picture per frame (``png`` or ``svg``), in the layout of the page."""
        from viz.stepper_export import write_frames

        return write_frames(self, out_dir, fmt=fmt)

    def write_gif(self, path: str | os.PathLike[str], *, ms_per_frame: int = 900) -> str:
        """Every frame as one animated GIF (Pillow), same layout as the page."""
        from viz.stepper_export import write_gif

        return write_gif(self, path, ms_per_frame=ms_per_frame)

    def _repr_html_(self) -> str:
        """Jupyter: the page inline, in an iframe (its own ids, styles and script)."""
        page = html.escape(self.html(), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:720px;border:1px solid #ddd" '
            'title="microgrid stepper"></iframe>'
        )


def stepper_for(root: Value, path: str | os.PathLike[str], **options) -> str:
    """Write the stepper page of ``root`` to ``path`` (options as for ``Stepper``)."""
    return Stepper(root, **options).write(path)
