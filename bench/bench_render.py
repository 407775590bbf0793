"""Benchmark: drawing a 1,000-node graph; DOT build time and SVG render time, one run.

The graph is a tanh MLP on one sample, built with scopes (so drawings cluster by layer and
neuron), sized so ``viz.draw`` draws about 1,000 value nodes (plus one op marker per computed
value). Timed, best of N wall-clock runs:

- build: ``viz.draw(loss, max_nodes=...)`` (topological order + DOT text), with and without
  clusters;
- render: ``drawing.pipe("svg")`` through the in-process pygraphviz backend (layout + SVG),
  with local derivatives on the edges (edge labels are what make Graphviz's layout slow) and
  without;
- baseline: the same nodes and edges as plain DOT (text labels, no HTML tables, no clusters)
  rendered the same way, so the ratio shows what the readable labels cost;
- collapsed: the same graph with every neuron collapsed (what a reader would draw).

Run: ``python bench/bench_render.py`` (``--quick`` for one repeat).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import microgrid
import viz
from microgrid import Value


def scoped_mlp(nin: int, widths: list[int], seed: int = 0) -> Value:
    """Loss of a tanh MLP on one sample; every neuron's values carry mlp.layer<i>.neuron<j>."""
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(nin)]
    for li, width in enumerate(widths):
        outs = []
        for ni in range(width):
            ws = [Value(rng.uniform(-1, 1), label=f"w{k}") for k in range(len(xs))]
            b = Value(rng.uniform(-1, 1), label="b")
            with microgrid.scope("mlp"), microgrid.scope(f"layer{li}"):
                with microgrid.scope(f"neuron{ni}"):
                    act = b
                    for wk, xk in zip(ws, xs):
                        act = act + wk * xk
                    outs.append(act.tanh())
        xs = outs
    loss = sum(((o - 0.5) ** 2 for o in xs), Value(0.0))
    loss.label = "loss"
    loss.backward()
    return loss


def plain_dot(root: Value) -> str:
    """The same graph as plain DOT: one text-labelled box per value, one ellipse per op."""
    order = microgrid.topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    lines = ["digraph plain {", "rankdir=LR"]
    for i, v in enumerate(order):
        lines.append(f'v{i} [shape=box label="{v.label} {v.data:.4f} {v.grad:.4f}"]')
        if v.children:
            lines.append(f'o{i} [label="{v.op}"]')
            lines.append(f"o{i} -> v{i}")
            lines.extend(f"v{index[c]} -> o{i}" for c in v.children)
    lines.append("}")
    return "\n".join(lines)


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of three")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3

    loss = scoped_mlp(nin=8, widths=[16, 12, 1])
    n = viz.draw(loss, max_nodes=10**6).n_nodes
    print(f"graph: MLP 8-16-12-1 on one sample, {n} value nodes drawn")

    t_build, drawing = best_of(repeats, lambda: viz.draw(loss, max_nodes=n, local_grads=True))
    t_build_flat, _ = best_of(repeats, lambda: viz.draw(loss, max_nodes=n, cluster=False))
    t_svg, svg = best_of(repeats, lambda: drawing.pipe("svg"))
    no_edge_labels = viz.draw(loss, max_nodes=n)
    t_svg_nolocal, _ = best_of(repeats, lambda: no_edge_labels.pipe("svg"))
    plain = plain_dot(loss)
    from viz.render import render_bytes

    t_plain, _ = best_of(repeats, lambda: render_bytes(plain, "svg"))
    neurons = sorted({v.scope for v in microgrid.topological_order(loss) if v.scope})
    t_collapsed_build, collapsed = best_of(
        repeats, lambda: viz.draw(loss, collapse=neurons, local_grads=True)
    )
    t_collapsed_svg, _ = best_of(repeats, lambda: collapsed.pipe("svg"))

    print(f"{'step':<44}{'seconds':>10}")
    print(f"{'build DOT (clusters, local grads)':<44}{t_build:>10.4f}")
    print(f"{'build DOT (no clusters)':<44}{t_build_flat:>10.4f}")
    print(f"{'render SVG (clusters, local grads)':<44}{t_svg:>10.4f}")
    print(f"{'render SVG (clusters, no edge labels)':<44}{t_svg_nolocal:>10.4f}")
    print(f"{'baseline: plain-label DOT -> SVG':<44}{t_plain:>10.4f}")
    print(f"{'ratio no-edge-label render / baseline':<44}{t_svg_nolocal / t_plain:>10.2f}")
    print(f"{f'collapsed ({collapsed.n_nodes} nodes): build':<44}{t_collapsed_build:>10.4f}")
    print(f"{f'collapsed ({collapsed.n_nodes} nodes): render SVG':<44}{t_collapsed_svg:>10.4f}")
    print(f"SVG size: {len(svg) / 1e6:.2f} MB; DOT size: {len(drawing.source) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
