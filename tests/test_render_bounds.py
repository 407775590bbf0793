"""Layout work is bounded: a budget checked before Graphviz starts, a time limit, and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microgrid import Value
from microgrid.app import expr

viz = pytest.importorskip("viz")
pygraphviz = pytest.importorskip("pygraphviz")
from viz import render  # noqa: E402


def chain_sum(n: int) -> Value:
    """x + x + ... + x (n terms), as the CLI builds it: one x feeding a chain of n - 1 adds."""
    root, _ = expr.build("+".join(["x"] * n), {"x": 1.0})
    root.backward()
    return root


def test_layout_cost_counts_squared_rank_spans() -> None:
    # a -> b -> c plus a -> c: ranks 0, 1, 2; spans 1, 1, 2 -> 1 + 1 + 4 = 6, + 3 nodes + 3 edges
    graph = pygraphviz.AGraph(string="digraph { a -> b; b -> c; a -> c }")
    cost = render.layout_cost(graph)
    assert (cost.nodes, cost.edges, cost.work) == (3, 3, 12)
    assert cost.busiest == "a" and cost.busiest_uses == 2 and cost.busiest_work == 5
    labelled = pygraphviz.AGraph(string='digraph { a -> b [label="1"]; b -> c; a -> c }')
    assert render.layout_cost(labelled).work == 3 + 3 + 4 * 6


def test_layout_cost_places_a_late_input_late() -> None:
    # c is used only by the last node of a long chain: as late as possible, its edge spans 1
    chain = "; ".join(f"n{i} -> n{i + 1}" for i in range(10))
    cost = render.layout_cost(pygraphviz.AGraph(string=f"digraph {{ {chain}; c -> n10 }}"))
    assert cost.work == 12 + 11 + 11  # 11 edges of span 1 each


def test_the_75_term_sum_is_refused_at_once_naming_the_busy_value() -> None:
    drawing = viz.draw(chain_sum(75))
    start = time.perf_counter()
    with pytest.raises(viz.LayoutTooCostlyError) as info:
        drawing.pipe("svg")
    assert time.perf_counter() - start < 2.0
    text = str(info.value)
    assert "(x) feeds 75 operations" in text and "Draw less" in text and "\n" not in text
    expected = render.layout_cost(pygraphviz.AGraph(string=drawing.source)).work
    assert f"{expected:,} units" in text and expected > render.LAYOUT_BUDGET


def test_the_stepper_layout_is_bounded_too() -> None:
    with pytest.raises(viz.LayoutTooCostlyError):
        viz.layout(viz.draw(chain_sum(75)))


def test_a_small_budget_refuses_and_none_lifts_it() -> None:
    x = Value(0.5, label="x")
    drawing = viz.draw((x * x + x).tanh())
    with pytest.raises(viz.LayoutTooCostlyError, match="the budget is 5"):
        drawing.pipe("svg", budget=5)
    assert drawing.pipe("svg", budget=None).startswith(b"<?xml")


@pytest.mark.parametrize(
    ("option", "value"),
    [("budget", 0), ("budget", "big"), ("time_limit", -1.0), ("time_limit", True)],
)
def test_bad_bounds_are_refused_by_name(option: str, value: object) -> None:
    drawing = viz.draw(Value(1.0, label="x") * 2.0)
    with pytest.raises(ValueError, match=f"{option} must be a positive number or None"):
        drawing.pipe("svg", **{option: value})


def test_the_time_limit_stops_graphviz_with_a_clear_message(tmp_path: Path) -> None:
    drawing = viz.draw(chain_sum(50))  # about a second or more of dot, in the worker
    start = time.perf_counter()
    with pytest.raises(viz.LayoutTimeoutError) as info:
        drawing.render(tmp_path / "g.svg", time_limit=0.05)
    assert time.perf_counter() - start < 5.0
    text = str(info.value)
    assert "within 0.05 s" in text and "Draw less" in text and "time_limit" in text
    assert not list(tmp_path.iterdir())


def test_a_worker_layout_draws_the_same_picture_as_in_process() -> None:
    drawing = viz.draw(chain_sum(30))  # over the in-process threshold: laid out by the worker
    graph = pygraphviz.AGraph(string=drawing.source)
    assert render.layout_cost(graph).work >= render._IN_PROCESS_WORK
    via_worker = drawing.pipe("svg")
    in_process = graph.draw(format="svg", prog="dot")
    assert via_worker == in_process
    pinned = viz.layout(drawing)
    assert set(pinned.nodes) == {str(n) for n in graph.nodes()}
    assert all("," in pos for pos in pinned.nodes.values())


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


SLOW_RENDER = """
import sys
from microgrid.app import expr
import viz
root, _ = expr.build("+".join(["x"] * 75), {"x": 1.0})
try:
    viz.draw(root).render(sys.argv[1], budget=None)  # minutes of layout, unless stopped
except KeyboardInterrupt:
    print("stopped")
    sys.exit(130)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds the worker through /proc")
def test_ctrl_c_stops_a_long_layout_and_its_worker(tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RENDER, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so the check below sees the worker
    )
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        workers = _children(proc.pid)
    assert workers, "the layout should run in a worker process"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)  # to the parent only, as a terminal's Ctrl-C reaches Python
    start = time.perf_counter()
    stdout, err = proc.communicate(timeout=20)
    assert time.perf_counter() - start < 3.0, "Ctrl-C waited for Graphviz"
    assert (proc.returncode, stdout.strip()) == (130, "stopped"), err
    assert not out.exists()
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):  # the worker is gone too
        os.killpg(proc.pid, 0)
