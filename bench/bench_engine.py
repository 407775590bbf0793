"""Benchmark: microgrid's scalar engine and tape against micrograd, PyTorch and numpy, one run.

Workloads (each engine builds the same graph from the same numbers):

- moons step: micrograd's demo, MLP 2-W-W-1 (relu, linear output) on 100 points, SVM hinge
  loss + 1e-4 L2, backward, SGD update; hidden widths W = 16, 32, 64; each scalar engine with
  its own library's ``nn.MLP``, given the same weights;
- deep chain: ``y = tanh(y * 0.5 + 0.1)``, 1,000 links from one leaf, built and backpropagated;
- wide sum: ``sum(a_i * b_i)`` over 10^5 pairs of leaves made beforehand;
- render: ``viz.draw`` of a 1,000-node graph to SVG, split into DOT building, Graphviz layout
  and SVG output, with and without edge labels (see bench/bench_render.py for more).

Engines: ``microgrid`` (the scalar engine), ``tape`` (``microgrid.compile``: the moons loss of
one sample traced once and replayed on the whole batch; its parameters live in an array, as
PyTorch's live in tensors; ``tape+Values`` also reads them from and writes grads back to the
Values every step), ``micrograd`` 0.1.0, ``torch`` (batched float64 tensors, one thread) and
``numpy`` (forward and backward written by hand: the floor).

Fairness: Python's default garbage-collector settings (what users have); each engine runs
blocks of steps and every block ends with a *timed* ``gc.collect()``, so an engine pays for its
own garbage (micrograd's closures make reference cycles that would otherwise be collected while
the next engine runs). Engines take turns, round after round; a step's time is the median over
rounds of (block time / steps in the block). BLAS and PyTorch get one thread each. Before
timing, the script checks that every engine computes the same loss and gradients.

Run: ``python bench/bench_engine.py`` (about three minutes); ``--quick`` for a smoke run.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads BLAS: one thread, as torch below

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import microgrid  # noqa: E402
from microgrid import Value, nn  # noqa: E402

try:
    import torch
    from micrograd.engine import Value as McValue
    from micrograd.nn import MLP as McMLP
except ImportError:  # pragma: no cover - the bench extra is missing
    sys.exit("needs micrograd==0.1.0 and torch: pip install -e '.[bench,torch]'")

torch.set_num_threads(1)


def _micrograd_tanh(self: McValue) -> McValue:
    """tanh for micrograd 0.1.0, which has none, written the way its other ops are (a closure)."""
    t = math.tanh(self.data)
    out = McValue(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1.0 - t * t) * out.grad

    out._backward = _backward
    return out


McValue.tanh = _micrograd_tanh
RECURSION_LIMIT = 1_000_000  # micrograd's topological sort is recursive
POINTS, ALPHA, LR = 100, 1e-4, 0.05
CHAIN_LINKS, WIDE_TERMS = 1_000, 100_000
Step = Callable[[], object]


# ------------------------------------------------------------------------------- the data
def make_moons(n: int = POINTS, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, ...]:
    """Two interleaved half circles, labels -1/+1 (sklearn's make_moons, without sklearn)."""
    rng = np.random.default_rng(seed)
    t = np.pi * (np.arange(n) // 2) / (n // 2 - 1)
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]
    odd = (np.arange(n) % 2).astype(bool)
    X = np.where(odd[:, None], lower, upper) + rng.normal(0, noise, (n, 2))
    return X, np.where(odd, 1.0, -1.0)


def make_weights(width: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer of the 2-W-W-1 MLP, uniform in [-1, 1] like micrograd's init."""
    rng = np.random.default_rng(seed)
    sizes = [2, width, width, 1]
    return [
        (rng.uniform(-1, 1, (sizes[i + 1], sizes[i])), rng.uniform(-1, 1, sizes[i + 1]))
        for i in range(3)
    ]


# ------------------------------------------------------------------- scalar engines (both)
def library_mlp(V: type, weights: list[tuple[np.ndarray, np.ndarray]]) -> tuple[object, list]:
    """Each library's own MLP 2-W-W-1 (relu hidden, linear output), given the same weights.

    ``microgrid.nn.MLP`` for microgrid, ``micrograd.nn.MLP`` for micrograd: what a user of each
    runs. Both list parameters neuron by neuron, a neuron's weights and then its bias.
    """
    width = len(weights[0][0])
    if V is Value:
        model = nn.MLP(2, [width, width, 1], activation="relu", seed=0)
    else:
        model = McMLP(2, [width, width, 1])
    params = model.parameters()
    numbers = [x for W, b in weights for row, bias in zip(W, b) for x in (*row, bias)]
    for p, x in zip(params, numbers):
        p.data = float(x)
    return model, params


def scalar_loss(model: object, params: list, V: type, X: np.ndarray, y: np.ndarray) -> object:
    """micrograd's demo loss: mean hinge over the points plus ALPHA times the sum of squares."""
    scores = [model([V(a), V(b)]) for a, b in X.tolist()]
    hinge = [(1 + -yi * si).relu() for yi, si in zip(y.tolist(), scores)]
    data_loss = sum(hinge) * (1.0 / len(hinge))
    return data_loss + ALPHA * sum(p * p for p in params)


def scalar_step(V: type, weights: list, X: np.ndarray, y: np.ndarray) -> tuple[Step, Callable]:
    model, params = library_mlp(V, weights)

    def step() -> object:
        for p in params:
            p.grad = 0.0
        loss = scalar_loss(model, params, V, X, y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return step, lambda: np.array([p.grad for p in params])


# --------------------------------------------------------------------------- the tape
def tape_step(
    weights: list, X: np.ndarray, y: np.ndarray, sync: bool = False
) -> tuple[Step, Callable]:
    model, params = library_mlp(Value, weights)

    def per_sample(x: list, label: Value) -> Value:
        return (1 + -label * model(x)).relu() + ALPHA * sum(p * p for p in params)

    tape = microgrid.compile(per_sample, params, (X[0].tolist(), float(y[0])))
    P = np.array([p.data for p in params])

    def step() -> object:
        if sync:  # parameters from the Values, gradients into them, update on the Values
            loss = tape.forward(X, y).mean()
            tape.backward()
            tape.accumulate_grads()
            for p in params:
                p.data -= LR * p.grad
                p.grad = 0.0
        else:
            loss = tape.forward(X, y, params=P).mean()
            P[:] -= LR * tape.backward()
        return loss

    return step, lambda: tape.grad.copy()


# ------------------------------------------------------------------------ torch and numpy
def torch_step(weights: list, X: np.ndarray, y: np.ndarray) -> tuple[Step, Callable]:
    params = [
        torch.tensor(a, dtype=torch.float64, requires_grad=True) for W, b in weights for a in (W, b)
    ]
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def step() -> object:
        h = Xt
        for k in range(3):
            h = h @ params[2 * k].T + params[2 * k + 1]
            if k < 2:
                h = h.relu()
        loss = (1 - yt * h[:, 0]).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return loss.item()

    def grads() -> np.ndarray:
        return _flat([(params[k].grad.numpy(), params[k + 1].grad.numpy()) for k in (0, 2, 4)])

    return step, grads


def _flat(layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Gradients in the scalar engines' order: neuron by neuron, its weights then its bias."""
    return np.concatenate([np.c_[W, b].ravel() for W, b in layers])


def numpy_step(weights: list, X: np.ndarray, y: np.ndarray) -> tuple[Step, Callable]:
    Ws = [W.copy() for W, _ in weights]
    bs = [b.copy() for _, b in weights]
    last: list = []

    def step() -> object:
        H1 = X @ Ws[0].T + bs[0]
        A1 = np.maximum(H1, 0.0)
        H2 = A1 @ Ws[1].T + bs[1]
        A2 = np.maximum(H2, 0.0)
        s = (A2 @ Ws[2].T)[:, 0] + bs[2][0]
        margin = 1.0 - y * s
        reg = sum((W * W).sum() + (b * b).sum() for W, b in zip(Ws, bs))
        loss = np.maximum(margin, 0.0).mean() + ALPHA * reg
        ds = np.where(margin > 0.0, -y, 0.0) / len(y)
        dW3, db3 = ds[None, :] @ A2, ds.sum(keepdims=True)
        dH2 = ds[:, None] @ Ws[2] * (H2 > 0.0)
        dW2, db2 = dH2.T @ A1, dH2.sum(axis=0)
        dH1 = dH2 @ Ws[1] * (H1 > 0.0)
        dW1, db1 = dH1.T @ X, dH1.sum(axis=0)
        grads = [(dW1, db1), (dW2, db2), (dW3, db3)]
        last[:] = [
            (dW + 2 * ALPHA * W, db + 2 * ALPHA * b) for (dW, db), W, b in zip(grads, Ws, bs)
        ]
        for (dW, db), W, b in zip(last, Ws, bs):
            W -= LR * dW
            b -= LR * db
        return loss

    return step, lambda: _flat(last)


# ----------------------------------------------------------------------------- measuring
def block_time(step: Step, steps: int) -> float:
    """Seconds per step over one block of ``steps`` steps, including a timed gc.collect()."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    gc.collect()
    return (time.perf_counter() - start) / steps


def race(steps: dict[str, Step], rounds: int, budget: float) -> dict[str, float]:
    """Median seconds per step of each engine; engines take turns in every round.

    Everything alive before the race (torch's and numpy's modules, the data) is frozen out of
    the collector's sight first, so a timed collection scans what the engines made, not the
    interpreter's whole heap: its cost is each engine's own.
    """
    gc.collect()
    gc.freeze()
    sizes = {}
    for name, step in steps.items():  # one warm-up step sizes each engine's blocks
        start = time.perf_counter()
        step()
        sizes[name] = max(1, int(budget / (time.perf_counter() - start)))
        gc.collect()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name].append(block_time(step, sizes[name]))
    gc.unfreeze()
    return {name: statistics.median(t) for name, t in times.items()}


def bytes_per_node(build: Callable[[], object], count: Callable[[object], int]) -> float:
    """Bytes still allocated while a built graph is alive, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = count(root)
    del root
    gc.collect()
    return (after - before) / nodes


def count_nodes(root: object) -> int:
    """Nodes reachable from a root of either scalar engine."""
    stack, seen = [root], {id(root)}
    while stack:
        node = stack.pop()
        for child in node.children if isinstance(node, Value) else node._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def check_same(results: dict[str, tuple[float, np.ndarray]]) -> None:
    """Every engine's first-step loss and gradients agree with the scalar engine's."""
    loss0, grad0 = results["microgrid"]
    for name, (loss, grad) in results.items():
        if abs(loss - loss0) > 1e-9 or np.abs(grad - grad0).max() > 1e-9:
            raise SystemExit(f"{name} disagrees with microgrid: loss {loss} vs {loss0}")


# ------------------------------------------------------------------------------ workloads
def moons(widths: list[int], rounds: int, budget: float) -> list[dict]:
    X, y = make_moons()
    rows = []
    for width in widths:
        weights = make_weights(width)
        makers = {
            "microgrid": lambda w=weights: scalar_step(Value, w, X, y),
            "tape": lambda w=weights: tape_step(w, X, y),
            "tape+Values": lambda w=weights: tape_step(w, X, y, sync=True),
            "micrograd": lambda w=weights: scalar_step(McValue, w, X, y),
            "torch": lambda w=weights: torch_step(w, X, y),
            "numpy": lambda w=weights: numpy_step(w, X, y),
        }
        first = {}
        for name, make in makers.items():
            step, grads = make()
            first[name] = (float(step()), grads())
        check_same(first)
        steps = {name: make()[0] for name, make in makers.items()}
        rows.append({"width": width, **race(steps, rounds, budget)})
        del steps
        gc.collect()
    return rows


def chain(V: type) -> Step:
    def step() -> object:
        y = V(1.0)
        for _ in range(CHAIN_LINKS):
            y = (y * 0.5 + 0.1).tanh()
        y.backward()
        return y

    return step


def wide(V: type) -> Step:
    rng = np.random.default_rng(1)
    a = [V(float(v)) for v in rng.uniform(-1, 1, WIDE_TERMS)]
    b = [V(float(v)) for v in rng.uniform(-1, 1, WIDE_TERMS)]

    def step() -> object:
        root = sum(ai * bi for ai, bi in zip(a, b))
        root.backward()
        return root

    return step


def render_split() -> list[tuple[str, float]]:
    """Where drawing a 1,000-node graph goes: DOT text, Graphviz layout, SVG output."""
    import pygraphviz
    from bench_render import scoped_mlp

    import viz

    loss = scoped_mlp(nin=8, widths=[16, 12, 1])
    n = viz.draw(loss, max_nodes=10**6).n_nodes
    rows = []
    for edge_labels in (False, True):
        t0 = time.perf_counter()
        source = viz.draw(loss, max_nodes=n, local_grads=edge_labels).source
        t1 = time.perf_counter()
        graph = pygraphviz.AGraph(string=source)
        graph.layout(prog="dot")
        t2 = time.perf_counter()
        graph.draw(format="svg", prog="nop2")
        t3 = time.perf_counter()
        what = "with edge labels" if edge_labels else "no edge labels"
        rows += [
            (f"render {n} nodes, {what}: build DOT", t1 - t0),
            (f"render {n} nodes, {what}: Graphviz layout (dot)", t2 - t1),
            (f"render {n} nodes, {what}: write SVG", t3 - t2),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="width 16 only, one round")
    parser.add_argument("--no-render", action="store_true", help="skip the render workload")
    args = parser.parse_args(argv)
    rounds, budget = (1, 0.05) if args.quick else (5, 0.3)
    widths = [16] if args.quick else [16, 32, 64]
    sys.setrecursionlimit(RECURSION_LIMIT)
    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__} "
        f"(1 thread), micrograd 0.1.0, microgrid {microgrid.__version__}; "
        f"gc thresholds {gc.get_threshold()} (default); {rounds} rounds, median"
    )
    print(f"(sys.setrecursionlimit raised to {RECURSION_LIMIT} for micrograd's recursive sort)\n")

    names = ["microgrid", "tape", "tape+Values", "micrograd", "torch", "numpy"]
    header = f"{'moons step, ms':<22}" + "".join(f"{n:>12}" for n in names)
    print(header + f"{'mg/mgrad':>10}{'tape/torch':>11}{'tape/numpy':>11}")
    for row in moons(widths, rounds, budget):
        cells = "".join(f"{row[n] * 1e3:>12.3f}" for n in names)
        print(
            f"{'2-' + str(row['width']) + '-' + str(row['width']) + '-1':<22}{cells}"
            f"{row['micrograd'] / row['microgrid']:>9.1f}x{row['torch'] / row['tape']:>10.2f}x"
            f"{row['tape'] / row['numpy']:>10.2f}x"
        )
    print("  mg/mgrad = micrograd time / microgrid time (how many times faster microgrid is);")
    print("  tape/torch = torch time / tape time; tape/numpy = tape time / numpy time.\n")

    chain_nodes = count_nodes(chain(Value)())
    wide_nodes = count_nodes(wide(Value)())
    scalar = race(
        {
            "microgrid chain": chain(Value),
            "micrograd chain": chain(McValue),
            "microgrid wide": wide(Value),
            "micrograd wide": wide(McValue),
        },
        rounds,
        budget,
    )
    print(f"{'scalar graphs, ns/node':<34}{'microgrid':>10}{'micrograd':>10}{'speed x':>9}")
    for what, nodes in (("chain", chain_nodes), ("wide", wide_nodes)):
        mg, mc = scalar[f"microgrid {what}"] / nodes, scalar[f"micrograd {what}"] / nodes
        title = f"deep tanh chain, {CHAIN_LINKS} links" if what == "chain" else "wide sum 10^5"
        title += f" ({nodes} nodes)"
        print(f"{title:<34}{mg * 1e9:>10.0f}{mc * 1e9:>10.0f}{mc / mg:>8.1f}x")

    X, y = make_moons()
    weights = make_weights(16)
    memory = {}
    for name, V in (("microgrid", Value), ("micrograd", McValue)):
        model, params = library_mlp(V, weights)
        graph = lambda m=model, ps=params, V=V: scalar_loss(m, ps, V, X, y)  # noqa: E731
        memory[name] = bytes_per_node(graph, count_nodes)
    mg, mc = memory["microgrid"], memory["micrograd"]
    print(
        f"\nmemory per node, moons graph (width 16): microgrid {mg:.0f} B, "
        f"micrograd {mc:.0f} B, ratio {mg / mc:.2f}"
    )
    if not args.no_render:
        print()
        for title, seconds in render_split():
            print(f"{title:<58}{seconds:>8.3f} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
