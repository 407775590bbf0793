"""Benchmark: stepper page size and build time, from the worked example to a ~1,000-node MLP.

For each graph: nodes, frames, page bytes (and bytes per node, which stays flat when the page
grows linearly), and wall-clock build time split into planning the frames (a fresh backward
pass, captions) and the one drawing (Graphviz layout + SVG). One run each (``--repeat N`` for
best of N); not a timed test.

Graphs: the seed's worked example (43 nodes), MLP 2-4-4-1 (tanh, one sample, squared error),
MLP 4-12-12-1 and MLP 4-16-16-1 (about 1,000 nodes).

Run: ``python bench/bench_stepper.py`` (``--quick`` skips the ~1,000-node graph).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from microgrid import Value, nn
from microgrid.app.worked_example import WorkedExample
from microgrid.engine import topological_order
from viz.frames import plan
from viz.stepper import Stepper


def mlp_loss(nin: int, widths: list[int]) -> Value:
    model = nn.MLP(nin, widths, activation="tanh", seed=1)
    out = model([0.1 * (k + 1) for k in range(nin)])
    out = out[0] if isinstance(out, list) else out
    return (out - 1.0) ** 2


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the ~1,000-node graph")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    args = parser.parse_args()
    graphs: list[tuple[str, Callable[[], Value]]] = [
        ("worked example", lambda: WorkedExample().E_total),
        ("MLP 2-4-4-1", lambda: mlp_loss(2, [4, 4, 1])),
        ("MLP 4-12-12-1", lambda: mlp_loss(4, [12, 12, 1])),
    ]
    if not args.quick:
        graphs.append(("MLP 4-16-16-1", lambda: mlp_loss(4, [16, 16, 1])))
    print(f"{'graph':<16}{'nodes':>7}{'frames':>8}{'page':>12}{'bytes/node':>12}"
          f"{'plan s':>9}{'build s':>9}")  # fmt: skip
    for name, build in graphs:
        root = build()
        nodes = len(topological_order(root))

        def planned(root: Value = root) -> object:
            return plan(root)

        def built(root: Value = root) -> object:
            return Stepper(root, max_nodes=5000)

        plan_s, _ = best(planned, args.repeat)
        build_s, stepper = best(built, args.repeat)
        assert isinstance(stepper, Stepper)
        size = len(stepper.html().encode("utf-8"))
        print(
            f"{name:<16}{nodes:>7}{len(stepper.plan.frames):>8}{size:>12,}{size / nodes:>12,.0f}"
            f"{plan_s:>9.3f}{build_s:>9.2f}"
        )


if __name__ == "__main__":
    main()
