"""The worked example's pictures for ``microgrid walkthrough --out``: graphs, frames, a stepper."""

from __future__ import annotations

import os
from pathlib import Path

from microgrid.app.worked_example import WorkedExample
from viz.dot import draw
from viz.drawing import Drawing
from viz.render import layout
from viz.stepper import Stepper


def write_walkthrough_pictures(out_dir: str | os.PathLike[str], *, lang: str = "en") -> list[str]:
    """Write the worked example's pictures into ``out_dir``; returns the paths written.

    ``graph_forward.svg/.png`` (values after the forward pass, gradients still ``?``),
    ``graph_gradients.svg/.png``
    (gradients and local derivatives on the edges), ``frames/frame_NNN.svg`` (one per step) and
    ``stepper.html`` (all frames in one self-contained page). Both graphs are drawn at the
    positions of one layout, so two slides in a row line up.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "frames").mkdir(exist_ok=True)
    ex = WorkedExample()
    params = ex.parameters(biases=True)
    written: list[str] = []

    def save(drawing: Drawing, filename: str) -> None:
        written.append(drawing.render(out / filename))

    ex.backward()
    grads = draw(ex.E_total, local_grads=True, params=params)
    # One layout for both: the forward picture keeps the grad rows (as "?", not computed yet),
    # so every box has the same size and the edges still meet them.
    pinned = layout(grads)
    forward = draw(ex.E_total, params=params, grad_known=(), layout=pinned)
    save(forward, "graph_forward.svg")
    save(forward, "graph_forward.png")
    save(grads, "graph_gradients.svg")
    save(grads, "graph_gradients.png")

    stepper = Stepper(ex.E_total, lang=lang, params=params)
    written += stepper.write_frames(out / "frames", fmt="svg")
    written.append(stepper.write(out / "stepper.html"))
    return written
