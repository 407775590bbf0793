"""Pictures for ``microgrid walkthrough NAME --out DIR``: a walkthrough's graphs and steppers.

Each walkthrough names the graphs worth looking at; this module draws each one (values,
gradients and the local derivative on every edge) as SVG and PNG, and writes a stepper page
that steps through its forward and backward pass. ``viz`` is imported here only, so printing
a walkthrough never loads Graphviz.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from microgrid.engine import Value


def save_graph(
    out_dir: str | os.PathLike[str],
    stem: str,
    root: Value,
    *,
    params: Collection[Value] | None = None,
    title: str | None = None,
) -> list[str]:
    """``stem.svg`` and ``stem.png`` of the graph of ``root`` (after its backward pass)."""
    import viz

    drawing = viz.draw(root, local_grads=True, params=params, title=title)
    out = Path(out_dir)
    return [drawing.render(out / f"{stem}.svg"), drawing.render(out / f"{stem}.png")]


def save_stepper(
    out_dir: str | os.PathLike[str],
    stem: str,
    root: Value,
    *,
    lang: str,
    params: Collection[Value] | None = None,
) -> list[str]:
    """``stem.html``: the stepper page of ``root``'s forward and backward pass."""
    import viz

    return [viz.stepper_for(root, Path(out_dir) / f"{stem}.html", lang=lang, params=params)]


def prepare(out_dir: str | os.PathLike[str]) -> Path:
    """The output folder, created if missing (its parent must exist)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out
