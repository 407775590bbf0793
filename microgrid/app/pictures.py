"""The worked example's pictures for ``microgrid walkthrough --out``: graphs, frames, a stepper."""

from __future__ import annotations

import os
from pathlib import Path

from microgrid.app.worked_example import WorkedExample
from microgrid.atomic import write_atomic
from viz.dot import draw
from viz.drawing import Drawing
from viz.frames import frames, svg_bytes
from viz.stepper import write_stepper


def write_walkthrough_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """Write the worked example's pictures into ``out_dir``; returns the paths written.

    ``graph_forward.svg/.png`` (values after the forward pass), ``graph_gradients.svg/.png``
    (gradients and local derivatives on the edges), ``frames/frame_NNN.svg`` (one per step) and
    ``stepper.html`` (all frames in one self-contained page).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "frames").mkdir(exist_ok=True)
    ex = WorkedExample()
    params = ex.parameters(biases=True)
    written: list[str] = []

    def save(drawing: Drawing, filename: str) -> None:
        written.append(drawing.render(out / filename))

    forward = draw(ex.E_total, grads=False, params=params)
    save(forward, "graph_forward.svg")
    save(forward, "graph_forward.png")
    ex.backward()
    grads = draw(ex.E_total, local_grads=True, params=params)
    save(grads, "graph_gradients.svg")
    save(grads, "graph_gradients.png")

    ex.zero_grad()
    steps = frames(ex.E_total, lang=lang, params=params)
    width = max(3, len(str(len(steps) - 1)))
    for k, f in enumerate(steps):
        path = out / "frames" / f"frame_{k:0{width}d}.svg"
        written.append(write_atomic(path, svg_bytes(f)))
    title = (
        "microgrid: backpropagation, step by step"
        if lang == "en"
        else "microgrid: 反向传播, 一步一步"
    )
    written.append(write_stepper(steps, out / "stepper.html", title=title, lang=lang))
    return written
