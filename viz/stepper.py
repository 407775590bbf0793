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
from viz import dot, labels
from viz.frames import WORDS, Plan, plan
from viz.render import OutputPathError
from viz.stepper_svg import Picture, stepper_picture

TEMPLATE = Path(__file__).with_name("stepper_template.html")

UI = {
    "en": {
        "title": "microgrid: backpropagation, step by step",
        "hint": "Forward pass, then backward pass, one node at a time. Keys: \u2190 \u2192 step, "
        "Home/End, Space play, + \u2212 zoom, O overview, F follow, L legend; drag to pan.",
        "prev": "prev",
        "next": "next",
        "play": "\u25b6 play",
        "pause": "\u275a\u275a pause",
        "overview": "overview",
        "follow": "follow the step",
        "legend": "legend",
        "legend_title": "How to read the picture",
        "roles": "Nodes",
        "input": "input (data)",
        "parameter": "parameter (learned)",
        "intermediate": "computed value",
        "root": "the loss (start of the backward pass)",
        "constant": "a number written in the expression",
        "rows": "data: the value (forward pass); grad: d(loss)/d(node) (backward pass)",
        "edge": "number on an edge: d(parent)/d(child), the local derivative",
        "unknown": "? : not computed yet",
        "step": "This step (same colours as the caption)",
        "new": "value computed now",
        "operand": "its operands",
        "up": "upstream gradient d(loss)/d(node)",
        "local": "local derivative d(node)/d(child)",
        "result": "gradient received by a child",
        "src": "where the upstream gradient came from",
        "states": "Progress",
        "pending": "grey: not reached yet",
        "partial": "dashed: gradient partly accumulated (k of n contributions)",
    },
    "zh": {
        "title": "microgrid: 反向传播, 一步一步",
        "hint": "先正向传播, 再反向传播, 每次一个节点。按键: \u2190 \u2192 单步, Home/End, "
        "空格播放, + \u2212 缩放, O 全图, F 跟随, L 图例; 拖动平移。",
        "prev": "上一步",
        "next": "下一步",
        "play": "\u25b6 播放",
        "pause": "\u275a\u275a 暂停",
        "overview": "全图",
        "follow": "跟随当前步",
        "legend": "图例",
        "legend_title": "如何读这张图",
        "roles": "节点",
        "input": "输入 (数据)",
        "parameter": "参数 (可学习)",
        "intermediate": "计算出的值",
        "root": "损失 (反向传播的起点)",
        "constant": "表达式中的常数",
        "rows": "data: 数值 (正向传播); grad: d(损失)/d(节点) (反向传播)",
        "edge": "边上的数: d(父)/d(子), 局部导数",
        "unknown": "? : 尚未算出",
        "step": "当前步 (颜色与说明文字一致)",
        "new": "本步算出的值",
        "operand": "它的操作数",
        "up": "上游梯度 d(损失)/d(节点)",
        "local": "局部导数 d(节点)/d(子节点)",
        "result": "子节点收到的梯度",
        "src": "上游梯度的来源",
        "states": "进度",
        "pending": "灰色: 尚未到达",
        "partial": "虚线: 梯度只累加了一部分 (n 份中的 k 份)",
    },
}


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
        if lang not in UI:
            raise ValueError(f"lang must be one of {', '.join(UI)}, got {lang!r}")
        if title is None:
            title = UI[lang]["title"]
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
                "forward": WORDS[self.lang]["forward"],
                "backward": WORDS[self.lang]["backward"],
                "play": UI[self.lang]["play"],
                "pause": UI[self.lang]["pause"],
            },
        }

    def html(self) -> str:
        """The whole page as one HTML string."""
        # JSON inside <script>: "</" must not appear, or the browser would end the script there.
        data = json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":"))
        data = data.replace("</", "<\\/")
        page = TEMPLATE.read_text(encoding="utf-8")
        words = {"LANG": self.lang, "TITLE": html.escape(self.title)}
        words.update(
            {
                key.upper(): html.escape(text)
                for key, text in UI[self.lang].items()
                if key != "title"
            }
        )
        for key, value in words.items():
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
