"""viz: draw microgrid Value graphs (forward values, gradients, local derivatives) as pictures.

>>> import viz
>>> from microgrid import Value
>>> x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> drawing = viz.draw(y, local_grads=True)
>>> drawing.source.startswith("digraph microgrid {")
True

``drawing.render("graph.svg")`` writes SVG, PNG, PDF or DOT (by suffix) with Graphviz running
in-process through pygraphviz: no system Graphviz is needed. In Jupyter a drawing displays
inline. Modules: ``dot`` (graph -> DOT), ``labels`` (escaped HTML-like labels), ``style``
(palette, node roles), ``render`` (backends, pinned layouts for frames), ``drawing``,
``frames`` (the forward and backward pass as pinned pictures) and ``stepper`` (those frames as
one self-contained HTML page: ``viz.stepper_for(loss, "stepper.html")`` for any graph).
"""

from viz.dot import DEFAULT_MAX_NODES, GraphTooLargeError, draw
from viz.drawing import Drawing
from viz.render import (
    FORMATS,
    Layout,
    LayoutTimeoutError,
    LayoutTooCostlyError,
    OutputPathError,
    RenderError,
    layout,
    layout_positions,
)
from viz.stepper import stepper_for

__all__ = [
    "DEFAULT_MAX_NODES",
    "FORMATS",
    "Drawing",
    "GraphTooLargeError",
    "Layout",
    "LayoutTimeoutError",
    "LayoutTooCostlyError",
    "OutputPathError",
    "RenderError",
    "draw",
    "layout",
    "layout_positions",
    "stepper_for",
]


def notebook_svg(root) -> str:
    """SVG of ``draw(root)`` for notebook display; never raises (shows the reason instead)."""
    from viz.drawing import fallback_svg

    try:
        return draw(root)._repr_svg_()
    except Exception as exc:  # display must never raise
        return fallback_svg("", f"{type(exc).__name__}: {exc}")
