"""Benchmark: forward+backward time and memory per node, microgrid against micrograd, one run.

Both engines build the same graphs from the ops they share (+, *, **, relu):

- chain: ``y = (y * 0.5 + 0.1).relu()``, 300 links, built and backpropagated many times (the
  best run counts);
- wide:  ``sum(a_i * b_i)`` over 10^5 pairs of leaves;
- moons: one training step of micrograd's demo: MLP 2-16-16-1 over 100 points, SVM hinge loss
  plus L2 regularization, backward.

Time is best-of-N wall time of forward+backward divided by the number of nodes in the graph.
Memory is what tracemalloc sees still allocated after forward+backward (the graph with its
gradients), divided by the number of nodes. Python's default garbage-collector settings stay on,
since that is what users get; a second speed ratio with the collector paused is printed too.
micrograd (``pip install micrograd==0.1.0``, the ``bench`` extra)
sorts its graph recursively, so the recursion limit is raised for it (and the script says so).

Run: ``python bench/bench_engine.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
import tracemalloc
from collections.abc import Callable

import microgrid
from microgrid import Value as MgValue

try:
    from micrograd.engine import Value as McValue
    from micrograd.nn import MLP as McMLP
except ImportError:  # pragma: no cover - the bench extra is missing
    sys.exit("micrograd is not installed: pip install -e '.[bench]' (micrograd==0.1.0)")

RECURSION_LIMIT = 1_000_000
CHAIN_LINKS = 300
#: The short chain is timed one graph at a time, best of this many times the other cases' runs.
CHAIN_RUNS_FACTOR = 40
#: The engines take turns this many times (each round: best of N for one, then the other).
ROUNDS = 3
WIDE_TERMS = 100_000
# tracemalloc slows micrograd's recursive backward quadratically with depth (10^5 terms take
# minutes), so the wide graph's memory is measured on 10^4 terms: bytes per node do not depend
# on the length of the sum.
WIDE_MEMORY_TERMS = 10_000
MOONS_POINTS = 100


# --------------------------------------------------------------------------------- the graphs
def chain(V: type, links: int = CHAIN_LINKS) -> object:
    """y = (y * 0.5 + 0.1).relu(), ``links`` times, from one leaf; returns the root."""
    y = V(1.0)
    for _ in range(links):
        y = (y * 0.5 + 0.1).relu()
    return y


def wide_leaves(V: type, n: int = WIDE_TERMS) -> tuple[list, list]:
    rng = random.Random(1)
    return [V(rng.uniform(-1, 1)) for _ in range(n)], [V(rng.uniform(-1, 1)) for _ in range(n)]


def wide(a: list, b: list) -> object:
    """sum(a_i * b_i): one long left-leaning chain of additions, each over a product."""
    return sum(ai * bi for ai, bi in zip(a, b))


def make_moons(n: int = MOONS_POINTS, noise: float = 0.1, seed: int = 1) -> tuple[list, list]:
    """Two interleaved half circles, labels -1/+1 (as micrograd's demo with sklearn's data)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2 - 1)
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        xs.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        ys.append(label)
    return xs, ys


class TinyMLP:
    """The MLP of micrograd.nn, in microgrid Values: relu on hidden layers, linear output."""

    def __init__(self, weights: list[list[tuple[list[float], float]]]) -> None:
        # weights[layer][neuron] = (w list, b)
        self.layers = [
            [([MgValue(w) for w in ws], MgValue(b)) for ws, b in layer] for layer in weights
        ]

    def __call__(self, x: list) -> object:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x)), b)
                out.append(act.relu() if i != last else act)
            x = out
        return x[0]

    def parameters(self) -> list:
        return [p for layer in self.layers for ws, b in layer for p in [*ws, b]]


def moons_step(model: object, xs: list, ys: list, V: type) -> object:
    """Forward over every point, SVM hinge loss + L2 regularization, as micrograd's demo."""
    inputs = [[V(v) for v in row] for row in xs]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def zero_grad(params: list) -> None:
    """Reset parameter gradients between steps (micrograd's Module.zero_grad, for both)."""
    for p in params:
        p.grad = 0.0


# ----------------------------------------------------------------------------- measurement
#: A step runs forward+backward and returns the roots it built. They stay alive until the
#: timer has stopped, so neither engine is timed freeing its graphs (micrograd's reference
#: cycles wait for the garbage collector, microgrid's graphs would be freed at once).
Step = Callable[[], list]


def count_nodes(roots: list) -> int:
    """Nodes reachable from the roots, for either engine (iterative, by identity)."""
    stack = list(roots)
    seen = {id(r) for r in stack}
    while stack:
        node = stack.pop()
        kids = node.children if isinstance(node, MgValue) else node._prev
        for child in kids:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def best_time(step: Step, repeats: int, gc_off: bool = False) -> float:
    """Best wall time of ``step()`` over ``repeats`` runs (the least disturbed one).

    With ``gc_off`` the cyclic garbage collector is paused while timing: that shows the engine
    alone, without the collector's cost (micrograd's per-node closures make reference cycles).
    """
    best = math.inf
    for _ in range(repeats):
        gc.collect()
        if gc_off:
            gc.disable()
        try:
            t0 = time.perf_counter()
            roots = step()
            best = min(best, time.perf_counter() - t0)
        finally:
            gc.enable()
        del roots
    return best


def bytes_per_node(step: Step) -> float:
    """Bytes still allocated after ``step()``, while its graphs are alive, per node."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    roots = step()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = count_nodes(roots)
    del roots
    gc.collect()
    return (after - before) / nodes


def timing(step: Step, repeats: int) -> dict:
    """Nodes built and best time per node, with the garbage collector on and paused."""
    nodes = count_nodes(step())
    return {
        "nodes": nodes,
        "ns": best_time(step, repeats) / nodes * 1e9,
        "ns_gc_off": best_time(step, repeats, gc_off=True) / nodes * 1e9,
    }


def measure_pair(
    makes: tuple[Callable[[type], Step], Callable[[type], Step]],
    memory_make: Callable[[type], Step] | None,
    repeats: int,
    rounds: int,
) -> tuple[dict, dict]:
    """micrograd's and microgrid's numbers for one graph.

    The engines take turns for ``rounds`` rounds and each keeps its best time, so a slow spell
    of a shared machine does not land on one engine only. Each step is made fresh per round and
    dropped after it, so neither engine's graph inputs burden the other's garbage collection.
    """
    results = []
    for _ in range(rounds):
        for k, (V, make) in enumerate(zip((McValue, MgValue), makes)):
            t = timing(make(V), repeats)
            gc.collect()
            if len(results) <= k:
                results.append(t)
            else:
                results[k] = {key: min(results[k][key], t[key]) for key in t}
    for V, result, make in zip((McValue, MgValue), results, makes):
        result["bpn"] = bytes_per_node((memory_make or make)(V))
        gc.collect()
    return results[0], results[1]


def chain_step(V: type) -> Step:
    """One chain, built and backpropagated."""

    def step() -> list:
        y = chain(V)
        y.backward()
        return [y]

    return step


def wide_step(V: type, n: int = WIDE_TERMS) -> Step:
    """The wide sum over leaves made once, outside the timed step (they are its inputs)."""
    a, b = wide_leaves(V, n)

    def step() -> list:
        root = wide(a, b)
        root.backward()
        return [root]

    return step


def moons_step_of(V: type, model: object, xs: list, ys: list) -> Step:
    """One training step's forward and backward (after zeroing the parameters' grads)."""
    params = model.parameters()

    def step() -> list:
        zero_grad(params)
        loss = moons_step(model, xs, ys, V)
        loss.backward()
        return [loss]

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 1 instead of 3 per round")
    args = parser.parse_args(argv)
    best_of = 1 if args.quick else 3

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(RECURSION_LIMIT)
    print(
        f"note: raised sys.setrecursionlimit from {old_limit} to {RECURSION_LIMIT} because "
        "micrograd's topological sort is recursive (the 10^5-term sum is 2*10^5 deep)"
    )
    print(
        f"gc thresholds (default, untouched): {gc.get_threshold()}; best of {ROUNDS} rounds of "
        f"{best_of} runs per engine ({best_of * CHAIN_RUNS_FACTOR} runs for the short chain)"
    )
    print(f"microgrid {microgrid.__version__}, micrograd 0.1.0, Python {sys.version.split()[0]}")

    random.seed(0)
    mc_model = McMLP(2, [16, 16, 1])
    weights = [
        [([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in mc_model.layers
    ]
    mg_model = TinyMLP(weights)
    xs, ys = make_moons()

    # Steps are made just before they are measured (wide_step makes 2*10^5 leaves), so no
    # case pays the garbage collector for another case's live objects.
    cases = [
        (f"chain {CHAIN_LINKS} links", chain_step, chain_step, None),
        (
            "wide sum 10^5 products",
            wide_step,
            wide_step,
            lambda V: wide_step(V, WIDE_MEMORY_TERMS),
        ),
        (
            "moons step 2-16-16-1",
            lambda V: moons_step_of(V, mc_model, xs, ys),
            lambda V: moons_step_of(V, mg_model, xs, ys),
            None,
        ),
    ]

    header = (
        f"{'graph':<24} {'nodes':>7}  {'micrograd ns/node':>17} {'microgrid ns/node':>17}"
        f" {'speed x':>7} {'(gc off)':>8}  {'micrograd B/node':>16} {'microgrid B/node':>16}"
        f" {'memory x':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    speed_ratios, memory_ratios = [], []
    for title, mc_make, mg_make, memory_make in cases:
        runs = best_of * CHAIN_RUNS_FACTOR if mc_make is chain_step else best_of
        mc, mg = measure_pair((mc_make, mg_make), memory_make, runs, ROUNDS)
        speed, memory = mc["ns"] / mg["ns"], mc["bpn"] / mg["bpn"]
        speed_gc_off = mc["ns_gc_off"] / mg["ns_gc_off"]
        speed_ratios.append(speed)
        memory_ratios.append(memory)
        nodes = f"{mg['nodes']}" if mg["nodes"] == mc["nodes"] else f"{mc['nodes']}/{mg['nodes']}"
        print(
            f"{title:<24} {nodes:>7}  {mc['ns']:>17.0f} {mg['ns']:>17.0f} {speed:>7.2f}"
            f" {speed_gc_off:>8.2f}  {mc['bpn']:>16.0f} {mg['bpn']:>16.0f} {memory:>8.2f}"
        )
    print()
    print("speed x  = micrograd time / microgrid time per node, default gc  (target >= 2)")
    print("(gc off) = the same ratio with the cyclic garbage collector paused while timing")
    print("memory x = micrograd bytes / microgrid bytes per node             (target >= 2)")
    print(f"(wide sum memory measured on {WIDE_MEMORY_TERMS} terms: see WIDE_MEMORY_TERMS)")
    print(f"worst speed x {min(speed_ratios):.2f}, worst memory x {min(memory_ratios):.2f}")
    sys.setrecursionlimit(old_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
