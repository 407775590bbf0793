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

Bounded layout work. Graphviz's ``dot`` can run for minutes on a short input: in ``x+x+...+x``
one value feeds every ``+`` of a long chain, so its edges span many ranks and ``dot`` routes them
all through each rank (75 terms: 15 s here, minutes on a slower machine). Before laying a
drawing out, ``layout_cost`` estimates that work (the sum of squared rank spans of the edges,
times 4 with edge labels, which double the ranks) and a drawing over ``LAYOUT_BUDGET`` is
refused at once (``LayoutTooCostlyError``, saying which value makes it costly and how to draw
less). Drawings that are not small are laid out in a worker process that is killed after
``TIME_LIMIT`` seconds (``LayoutTimeoutError``) or on Ctrl-C, so nothing waits for Graphviz.
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

#: Layout work (see ``layout_cost``) above which a drawing is refused before Graphviz starts.
#: Calibrated on this project's drawings: 400,000 is about 10 s of ``dot`` on one slow core.
LAYOUT_BUDGET = 400_000
#: Seconds Graphviz may spend laying out (and drawing) one unpinned drawing.
TIME_LIMIT = 60.0
#: Work below which layout runs in-process: well under a second, not worth a worker's start-up.
_IN_PROCESS_WORK = 20_000


class RenderError(RuntimeError):
    """A drawing could not be rendered or written; the message says what is missing."""


class LayoutTooCostlyError(RenderError):
    """The drawing would cost Graphviz too much layout work; refused before starting.

    ``what`` is the diagnosis alone (how costly, and which node makes it so), for callers such
    as the CLI that give their own advice; the message adds the advice for Python callers.
    """

    def __init__(self, what: str, advice: str) -> None:
        super().__init__(f"{what}. {advice}")
        self.what = what


class LayoutTimeoutError(RenderError):
    """Graphviz did not finish laying the drawing out within the time limit."""


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


def check_bounds(budget: object, time_limit: object) -> None:
    """Refuse a layout budget or time limit that is not None or a positive number, by name."""
    for name, value in (("budget", budget), ("time_limit", time_limit)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{name} must be a positive number or None, got {value!r}")


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    return backend


def render_bytes(
    source: str,
    fmt: str,
    *,
    backend: str = DEFAULT_BACKEND,
    pinned: bool = False,
    budget: float | None = LAYOUT_BUDGET,
    time_limit: float | None = TIME_LIMIT,
) -> bytes:
    """Render DOT ``source`` to ``fmt`` bytes; ``pinned`` keeps the positions written in it.

    An unpinned drawing is laid out within ``budget`` (``layout_cost`` work units) and
    ``time_limit`` seconds; None lifts either bound.
    """
    fmt = check_format(fmt)
    backend = check_backend(backend)
    check_bounds(budget, time_limit)
    if fmt == "dot":
        return source.encode("utf-8")
    if pinned:  # positions are given: no layout work to bound
        if backend == "system":
            return _render_system(source, fmt, pinned, None, "")
        return _render_pygraphviz(_agraph(source), fmt, "nop2")
    graph = _agraph(source)
    work = _check_budget(graph, budget)
    size = f"{len(graph.nodes())} nodes, {len(graph.edges())} edges"
    if backend == "system":
        return _render_system(source, fmt, pinned, time_limit, size)
    if work < _IN_PROCESS_WORK:
        return _render_pygraphviz(graph, fmt, "dot")
    return _render_worker(source, fmt, time_limit, size)


def _agraph(source: str):
    try:
        import pygraphviz
    except ImportError as exc:
        raise RenderError(
            "SVG, PNG and PDF need the pygraphviz package (pip install 'pygraphviz>=2.0'; its "
            "wheels bundle Graphviz), or backend='system' with Graphviz's dot on PATH; "
            f".dot output needs nothing (import failed: {exc})"
        ) from None
    failure: Exception | None = None
    with _captured_stderr() as lines:
        try:
            graph = pygraphviz.AGraph(string=source)
        except Exception as exc:  # pygraphviz raises bare exceptions for syntax errors
            failure = exc
    if failure is None:
        sys.stderr.write("".join(lines))
        return graph
    # Graphviz explained the failure on stderr: say it in one line instead of passing it on
    said = " ".join(line.strip() for line in lines if line.strip())
    if "longer than 16384" in said:
        raise RenderError(
            "a label is too long for Graphviz (an HTML label, with its markup, may have at most "
            "16,384 characters): shorten the label"
        ) from None
    reason = said.split("String starting:")[0].strip() or str(failure)
    raise RenderError(f"Graphviz could not read the DOT source: {reason}") from None


#: What Graphviz's bundled fontconfig prints on systems with a newer font configuration: it
#: reads a config element it predates. Harmless (fonts still resolve), so it is not passed on.
_HARMLESS_STDERR = ('unknown element "reset-dirs"',)


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Capture the C-level stderr (fd 2) of the body; yields the list of lines it printed.

    Graphviz's libraries write straight to file descriptor 2, past Python's sys.stderr, so the
    descriptor itself is redirected for the call. Harmless lines are dropped; the list is
    filled when the body ends, and the caller decides what to pass on.
    """
    kept: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2: nothing to filter
        yield kept
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield kept
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept.extend(line for line in lines if not any(h in line for h in _HARMLESS_STDERR))


@contextlib.contextmanager
def _quiet_fontconfig() -> Iterator[None]:
    """Run Graphviz with its harmless fontconfig noise dropped; real warnings are still shown."""
    kept: list[str] = []
    try:
        with _captured_stderr() as kept:
            yield
    finally:  # on failure too: Graphviz's own words may say why
        if kept:
            sys.stderr.write("".join(kept))


def _render_pygraphviz(graph, fmt: str, prog: str) -> bytes:
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


def _render_system(
    source: str, fmt: str, pinned: bool, time_limit: float | None, size: str
) -> bytes:
    program = "neato" if pinned else "dot"
    exe = shutil.which(program)
    if exe is None:
        raise RenderError(
            f"backend='system' needs Graphviz's {program!r} program on PATH to write "
            f"{fmt.upper()} (install Graphviz); the default backend 'pygraphviz' needs no "
            "system Graphviz"
        )
    args = [exe, "-n2", f"-T{fmt}"] if pinned else [exe, f"-T{fmt}"]
    out, err, code = _run_bounded(args, source, time_limit, size)
    if code != 0 or not out:
        text = err.decode("utf-8", "replace").strip()
        raise RenderError(f"{program} -T{fmt} failed (exit {code}): {_one_line(text)}")
    return out


# ------------------------------------------------------------------------ bounded layout work
@dataclass(frozen=True)
class LayoutCost:
    """The layout work ``dot`` faces: ``work`` units, and the node whose edges cost the most.

    ``work`` = nodes + edges + the sum over edges of (rank span)^2, times 4 when edges carry
    labels (dot then doubles the ranks). An edge spanning k ranks is routed through k - 1
    virtual nodes, each of which the crossing minimisation moves on every pass.
    """

    nodes: int
    edges: int
    work: int
    busiest: str = ""
    busiest_uses: int = 0
    busiest_work: int = 0


def layout_cost(graph) -> LayoutCost:
    """Estimate the layout work of a pygraphviz graph, from a ranking as dot would find it.

    Each node is ranked one after its latest input (as soon as possible) and, separately, one
    before its earliest user (as late as possible); the cheaper of the two counts. Iterative
    (no recursion), linear in the size of the graph.
    """
    names = [str(n) for n in graph.nodes()]
    index = {name: i for i, name in enumerate(names)}
    edges = [(index[str(t)], index[str(h)]) for t, h in graph.edges()]
    n = len(names)
    outs: list[list[int]] = [[] for _ in range(n)]
    ins: list[list[int]] = [[] for _ in range(n)]
    for t, h in edges:
        outs[t].append(h)
        ins[h].append(t)
    order = _topological(n, outs, ins)
    early = [0] * n
    for v in order:
        early[v] = max((early[t] + 1 for t in ins[v]), default=0)
    top = max(early, default=0)
    late = [top] * n
    for v in reversed(order):
        late[v] = min((late[h] - 1 for h in outs[v]), default=top)
    labelled = any(e.attr.get("label") for e in graph.edges())
    best: list[int] | None = None
    for rank in (early, late):
        per_node = [0] * n
        for t, h in edges:
            per_node[t] += (rank[h] - rank[t]) ** 2
        if best is None or sum(per_node) < sum(best):
            best = per_node
    per_node = best or []
    scale = 4 if labelled else 1
    work = n + len(edges) + scale * sum(per_node)
    if not per_node:
        return LayoutCost(n, len(edges), work)
    worst = max(range(n), key=per_node.__getitem__)
    return LayoutCost(n, len(edges), work, names[worst], len(outs[worst]), scale * per_node[worst])


def _topological(n: int, outs: list[list[int]], ins: list[list[int]]) -> list[int]:
    """Kahn's order; nodes on a cycle (DOT allows them) are appended at the end."""
    indegree = [len(i) for i in ins]
    order = [v for v in range(n) if indegree[v] == 0]
    k = 0
    while k < len(order):
        for h in outs[order[k]]:
            indegree[h] -= 1
            if indegree[h] == 0:
                order.append(h)
        k += 1
    if len(order) < n:
        placed = set(order)
        order.extend(v for v in range(n) if v not in placed)
    return order


def _check_budget(graph, budget: float | None) -> int:
    """The drawing's layout work; refuse it (before Graphviz starts) when over ``budget``."""
    cost = layout_cost(graph)
    if budget is not None and cost.work > budget:
        raise LayoutTooCostlyError(
            f"this drawing is too costly to lay out: {cost.work:,} units of work, the budget is "
            f"{budget:,.0f} ({cost.nodes} nodes, {cost.edges} edges; node {_describe(graph, cost)} "
            f"feeds {cost.busiest_uses} operations far apart and costs {cost.busiest_work:,})",
            "Draw less: a smaller expression or graph, collapse modules (collapse=...), fewer "
            "edge labels; or pass budget=None",
        )
    return cost.work


def _describe(graph, cost: LayoutCost) -> str:
    """A node for a message: its id and, when its label has a bold name (``<B>x</B>``), that."""
    label = str(graph.get_node(cost.busiest).attr.get("label") or "")
    start = label.find("<B>")
    end = label.find("</B>", start)
    if start >= 0 and end > start:
        return f"{cost.busiest} ({label[start + 3 : end]})"
    return cost.busiest


# The worker sees the same environment (PYTHONPATH, user site) but not the current folder, so
# a stray pygraphviz.py where the user runs a script cannot stand in for the real one.
_WORKER = (
    "import sys, warnings\n"
    "sys.path = [p for p in sys.path if p not in ('', '.')]\n"
    "import pygraphviz\n"
    "warnings.simplefilter('ignore')\n"
    "graph = pygraphviz.AGraph(string=sys.stdin.buffer.read().decode('utf-8'))\n"
    "sys.stdout.buffer.write(graph.draw(format=sys.argv[1], prog='dot'))\n"
)


def _render_worker(source: str, fmt: str, time_limit: float | None, size: str) -> bytes:
    """``dot`` in a worker process, killed after ``time_limit`` seconds or on Ctrl-C."""
    args = [sys.executable, "-c", _WORKER, fmt]
    out, err, code = _run_bounded(args, source, time_limit, size)
    text = err.decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if not any(h in line for h in _HARMLESS_STDERR)]
    if code != 0 or not out:
        last = kept[-1].strip() if kept else f"exit status {code}"
        raise RenderError(
            f"the pygraphviz backend could not render {fmt.upper()}: {last}; "
            "try backend='system' (needs Graphviz's dot on PATH) or write .dot"
        )
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")
    return out


def _run_bounded(
    args: list[str], source: str, time_limit: float | None, size: str
) -> tuple[bytes, bytes, int]:
    """Run ``args`` with ``source`` on stdin; kill it on timeout (LayoutTimeoutError) or Ctrl-C."""
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(source.encode("utf-8"), timeout=time_limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise LayoutTimeoutError(
            f"Graphviz did not finish the layout within {time_limit:g} s ({size}) and was "
            "stopped. Draw less: a smaller expression or graph, "
            "collapse modules (collapse=...), fewer edge labels; or allow more time "
            "(time_limit=...)"
        ) from None
    except BaseException:  # Ctrl-C (KeyboardInterrupt) and anything else: never leave it running
        proc.kill()
        proc.wait()
        raise
    return out, err, proc.returncode


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


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


def layout(
    drawing: Drawing,
    *,
    budget: float | None = LAYOUT_BUDGET,
    time_limit: float | None = TIME_LIMIT,
) -> Layout:
    """Lay ``drawing`` out once with Graphviz ``dot`` and return every position.

    Bounded like ``render_bytes``: refused over ``budget``, stopped after ``time_limit`` s.
    """
    check_bounds(budget, time_limit)
    graph = _agraph(drawing.source)
    size = f"{len(graph.nodes())} nodes, {len(graph.edges())} edges"
    if _check_budget(graph, budget) < _IN_PROCESS_WORK:
        try:
            with warnings.catch_warnings(), _quiet_fontconfig():
                warnings.simplefilter("ignore")
                graph.layout(prog="dot")
        except Exception as exc:
            raise RenderError(f"Graphviz could not lay the graph out: {exc}") from None
    else:  # laid out by a worker, which returns DOT with every position written in
        laid_out = _render_worker(drawing.source, "dot", time_limit, size)
        graph = _agraph(laid_out.decode("utf-8"))
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
