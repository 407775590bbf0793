"""``Drawing``: what ``viz.draw`` returns; DOT text that renders itself to files, bytes or Jupyter.

Rendering goes through ``viz.render`` (pygraphviz in-process by default, so no system Graphviz
is needed). In a notebook a Drawing displays inline as SVG; display never raises: if rendering
fails, the picture is replaced by an SVG that shows the reason and the DOT text.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

from microgrid.atomic import WriteError, write_atomic
from viz import render as _render


class Drawing:
    """A drawn Value graph: ``.source`` (DOT), ``.render(path)``, ``.pipe(format)``, notebook SVG.

    Attributes:
        source: the DOT text (byte-identical for the same graph and options).
        n_nodes: how many value nodes (and collapsed boxes) are drawn.
        pinned: True when every position comes from a ``Layout`` (rendered without re-layout).
        backend: the rendering backend used by default (see ``viz.render``).
    """

    def __init__(
        self,
        source: str,
        *,
        n_nodes: int = 0,
        node_ids: dict | None = None,
        pinned: bool = False,
        backend: str = _render.DEFAULT_BACKEND,
    ) -> None:
        self.source = source
        self.n_nodes = n_nodes
        self.pinned = pinned
        self.backend = _render.check_backend(backend)
        self._node_ids = node_ids or {}
        self._svg_cache: str | None = None

    def __repr__(self) -> str:
        pinned = ", pinned" if self.pinned else ""
        return f"<viz.Drawing: {self.n_nodes} nodes, {len(self.source)} chars of DOT{pinned}>"

    def node_id(self, value: object) -> str:
        """The DOT id of a drawn Value (``v<i>`` by topological index, ``c<k>`` if collapsed)."""
        try:
            return self._node_ids[value]
        except KeyError:
            raise KeyError(f"{value!r} is not drawn in this drawing") from None

    def pipe(
        self,
        format: str = "svg",
        *,
        backend: str | None = None,
        budget: float | None = _render.LAYOUT_BUDGET,
        time_limit: float | None = _render.TIME_LIMIT,
    ) -> bytes:
        """The drawing as bytes: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``.

        Layout is bounded (see ``viz.render``): a drawing over ``budget`` units of layout work
        is refused (``LayoutTooCostlyError``) and Graphviz is stopped after ``time_limit``
        seconds (``LayoutTimeoutError``); None lifts a bound.
        """
        return _render.render_bytes(
            self.source,
            format,
            backend=backend or self.backend,
            pinned=self.pinned,
            budget=budget,
            time_limit=time_limit,
        )

    def render(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        backend: str | None = None,
        budget: float | None = _render.LAYOUT_BUDGET,
        time_limit: float | None = _render.TIME_LIMIT,
    ) -> str:
        """Write the drawing to ``path`` (format from its suffix: .svg .png .pdf .dot); returns it.

        Rendering (bounded as in ``pipe``) happens first, then the bytes are written atomically
        (a temporary file in the same folder, renamed over ``path``): a failure at any point
        leaves ``path`` as it was.
        """
        path_str = os.fspath(path)
        if format is None:
            suffix = Path(path_str).suffix
            if not suffix:
                raise ValueError(
                    f"cannot tell the format of {path_str!r}: give it a suffix "
                    f"({', '.join('.' + f for f in _render.FORMATS)}) or pass format="
                )
            format = suffix
        data = self.pipe(
            _render.check_format(format), backend=backend, budget=budget, time_limit=time_limit
        )
        try:
            return write_atomic(path_str, data)
        except WriteError as exc:
            raise _render.OutputPathError(str(exc)) from None

    # ------------------------------------------------------------------------ notebook display
    def _repr_svg_(self) -> str:
        """Jupyter: the drawing as inline SVG; never raises (shows DOT and the reason instead)."""
        if self._svg_cache is None:
            try:
                self._svg_cache = self.pipe("svg").decode("utf-8")
            except Exception as exc:  # display must never raise
                return fallback_svg(self.source, f"{type(exc).__name__}: {exc}")
        return self._svg_cache


def fallback_svg(source: str, reason: str, max_lines: int = 60) -> str:
    """A plain SVG that shows why a drawing could not be rendered, then its DOT text."""
    lines = textwrap.wrap(f"Could not render this drawing: {reason}", 100)
    lines += ["", "DOT source:" if source else "(no DOT source)"]
    dot_lines = source.splitlines()
    lines += dot_lines[:max_lines]
    if len(dot_lines) > max_lines:
        lines.append(f"... ({len(dot_lines) - max_lines} more lines)")
    width = 8 * min(160, max(len(line) for line in lines)) + 20
    height = 16 * len(lines) + 20
    body = "".join(
        f'<text x="10" y="{20 + 16 * k}" xml:space="preserve">'
        f"{_xml_escape(''.join(ch if ch >= ' ' else ' ' for ch in line))}</text>"
        for k, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="13">{body}</svg>'
    )
