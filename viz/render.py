"""Turn DOT text into SVG, PNG or PDF bytes, and lay a graph out once to pin it for frames.

Backends:

- ``"pygraphviz"`` (default): Graphviz in-process through the ``pygraphviz`` wheels (>= 2.0), which
  bundle Graphviz's libraries: SVG, PNG and PDF after ``pip install`` alone.
- ``"system"``: the ``dot`` program on PATH (only when asked for; needs a system Graphviz).

``.dot`` needs no backend: it is the DOT text itself. When a format cannot be produced the
error (``RenderError``) says which format needs what.

Pinned layouts (for stepper frames, whose nodes must not move between frames)::

    first = viz.draw(root, grads=True, local_grads=True)     # same options as the frames
    pinned = viz.render.layout(first)                      # run Graphviz 'dot' once
    frame = viz.draw(root, ..., layout=pinned)             # carries every position
    frame.render("frame_003.svg")                          # drawn by 'nop2' (= neato -n2)

Captions on pinned frames: lay out a drawing whose ``title`` is the longest caption (with as
many lines as the tallest); each frame's ``title`` is then drawn in a box of exactly that size,
so a caption never moves the graph (a longer one overflows its box instead).

``layout(drawing)`` returns a ``Layout`` with the positions of every node, edge (spline and
label position), cluster box and the graph's bounding box, keyed by the stable ids of the
drawing (nodes ``v<i>``, op markers ``o<i>``, edges ``e<i>`` / ``e<i>_<j>``, clusters
``cluster_<k>``). ``layout_positions(drawing)`` gives just ``{node_id: "x,y"}`` in points.
A drawing made with ``layout=`` renders with Graphviz's ``nop2`` layout in-process (``neato -n2``
with the system backend): nodes, edges and clusters are drawn exactly where the layout put them,
so frames drawn from the same graph and options line up to the pixel.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viz.drawing import Drawing

#: Formats a drawing can be written in, by file suffix.
FORMATS = ("svg", "png", "pdf", "dot")
BACKENDS = ("pygraphviz", "system")
DEFAULT_BACKEND = "pygraphviz"


class RenderError(RuntimeError):
    """A drawing could not be rendered or written; the message says what is missing."""


class OutputPathError(RenderError, OSError):
    """The output file could not be written (missing directory, no permission, full disk, ...).

    Also an ``OSError``, so code that handles failed writes in general catches it too.
    """


def check_format(fmt: str) -> str:
    """Normalise a format name (``"SVG"``, ``".svg"`` -> ``"svg"``) or refuse it by name."""
    name = fmt.lower().lstrip(".")
    if name not in FORMATS:
        raise ValueError(
            f"unknown output format {fmt!r}: use one of {', '.join('.' + f for f in FORMATS)}"
        )
    return name


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    return backend


def render_bytes(
    source: str, fmt: str, *, backend: str = DEFAULT_BACKEND, pinned: bool = False
) -> bytes:
    """Render DOT ``source`` to ``fmt`` bytes; ``pinned`` keeps the positions written in it."""
    fmt = check_format(fmt)
    backend = check_backend(backend)
    if fmt == "dot":
        return source.encode("utf-8")
    if backend == "system":
        return _render_system(source, fmt, pinned)
    return _render_pygraphviz(source, fmt, pinned)


def _agraph(source: str):
    try:
        import pygraphviz
    except ImportError as exc:
        raise RenderError(
            "SVG, PNG and PDF need the pygraphviz package (pip install 'pygraphviz>=2.0'; its "
            "wheels bundle Graphviz), or backend='system' with Graphviz's dot on PATH; "
            f".dot output needs nothing (import failed: {exc})"
        ) from None
    try:
        return pygraphviz.AGraph(string=source)
    except Exception as exc:  # pygraphviz raises bare exceptions for syntax errors
        raise RenderError(f"Graphviz could not read the DOT source: {exc}") from None


#: What Graphviz's bundled fontconfig prints on systems with a newer font configuration: it
#: reads a config element it predates. Harmless (fonts still resolve), so it is not passed on.
_HARMLESS_STDERR = ('unknown element "reset-dirs"',)


@contextlib.contextmanager
def _quiet_fontconfig() -> Iterator[None]:
    """Run Graphviz with the C-level stderr (fd 2) captured; pass on all but harmless lines.

    Graphviz's libraries write straight to file descriptor 2, past Python's sys.stderr, so the
    descriptor itself is redirected for the call. Real Graphviz warnings are still shown.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = [line for line in lines if not any(h in line for h in _HARMLESS_STDERR)]
            if kept:
                sys.stderr.write("".join(kept))


def _render_pygraphviz(source: str, fmt: str, pinned: bool) -> bytes:
    graph = _agraph(source)
    prog = "nop2" if pinned else "dot"
    try:
        with warnings.catch_warnings(), _quiet_fontconfig():
            warnings.simplefilter("ignore")  # Graphviz font warnings are not the user's problem
            data = graph.draw(format=fmt, prog=prog)
    except Exception as exc:
        raise RenderError(
            f"the pygraphviz backend could not render {fmt.upper()}: {exc}; "
            "try backend='system' (needs Graphviz's dot on PATH) or write .dot"
        ) from None
    if not data:
        raise RenderError(f"the pygraphviz backend produced no {fmt.upper()} output")
    return data


def _render_system(source: str, fmt: str, pinned: bool) -> bytes:
    program = "neato" if pinned else "dot"
    exe = shutil.which(program)
    if exe is None:
        raise RenderError(
            f"backend='system' needs Graphviz's {program!r} program on PATH to write "
            f"{fmt.upper()} (install Graphviz); the default backend 'pygraphviz' needs no "
            "system Graphviz"
        )
    args = [exe, "-n2", f"-T{fmt}"] if pinned else [exe, f"-T{fmt}"]
    proc = subprocess.run(args, input=source.encode("utf-8"), capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{program} -T{fmt} failed (exit {proc.returncode}): {err}")
    return proc.stdout


# ------------------------------------------------------------------------------ pinned layouts
@dataclass(frozen=True)
class Layout:
    """Where Graphviz put everything, keyed by the drawing's stable ids (all in points).

    nodes: node id -> ``"x,y"``; edges: edge id -> (spline ``pos``, label ``lp`` or "");
    clusters: cluster name -> (``bb``, label ``lp`` or ""); graph_bb / graph_lp: the whole graph.
    title_size: (width, height) of the laid-out drawing's title, or None if it had none; pinned
    frames draw their titles in a box of exactly this size.
    """

    nodes: dict[str, str] = field(default_factory=dict)
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)
    clusters: dict[str, tuple[str, str]] = field(default_factory=dict)
    graph_bb: str = ""
    graph_lp: str = ""
    title_size: tuple[float, float] | None = None


def layout(drawing: Drawing) -> Layout:
    """Lay ``drawing`` out once with Graphviz ``dot`` (in-process) and return every position."""
    graph = _agraph(drawing.source)
    try:
        with warnings.catch_warnings(), _quiet_fontconfig():
            warnings.simplefilter("ignore")
            graph.layout(prog="dot")
    except Exception as exc:
        raise RenderError(f"Graphviz could not lay the graph out: {exc}") from None
    nodes = {str(node): node.attr["pos"] for node in graph.nodes()}
    edges = {}
    for edge in graph.edges():
        edge_id = edge.attr.get("id")
        if edge_id:
            edges[edge_id] = (edge.attr.get("pos") or "", edge.attr.get("lp") or "")
    clusters = {}
    stack = list(graph.subgraphs())
    while stack:
        sub = stack.pop()
        if sub.name.startswith("cluster"):
            clusters[sub.name] = (sub.graph_attr.get("bb") or "", sub.graph_attr.get("lp") or "")
        stack.extend(sub.subgraphs())
    title_size = None
    if graph.graph_attr.get("label"):
        title_size = (
            float(graph.graph_attr["lwidth"]) * 72.0,
            float(graph.graph_attr["lheight"]) * 72.0,
        )
    return Layout(
        title_size=title_size,
        nodes=nodes,
        edges=edges,
        clusters=clusters,
        graph_bb=graph.graph_attr.get("bb") or "",
        graph_lp=graph.graph_attr.get("lp") or "",
    )


def layout_positions(drawing: Drawing) -> dict[str, str]:
    """``{node_id: "x,y"}`` (points) of every node, laid out by Graphviz ``dot``."""
    return dict(layout(drawing).nodes)
