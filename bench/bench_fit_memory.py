"""Benchmark: memory of 10^4 ``fit`` steps and of a 10^4-step ``losses.mse`` loop, gc disabled.

With the garbage collector off, only reference counting frees memory, so any reference cycle
that holds a graph makes the process grow with every step. Prints the peak resident set size
(ru_maxrss) after each job and the growth over the start; flat growth means no cycles.

Run: ``python bench/bench_fit_memory.py`` (``--steps N`` to change the step count).
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

import numpy as np

import microgrid
from microgrid import losses, nn


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def fit_steps(steps: int) -> None:
    """``steps`` SGD updates of a 2-8-1 MLP, one sample per step (batch_size=1)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = np.tanh(X[:, 0] - 0.5 * X[:, 1])
    model = nn.MLP(2, [8, 1], seed=0)
    microgrid.fit(
        model, X, y, loss="mse", optimizer="sgd", lr=0.01, epochs=steps // 100, batch_size=1
    )


def mse_loop(steps: int) -> None:
    """The hand-written loop: forward, ``losses.mse``, backward, update, ``steps`` times."""
    model = nn.MLP(2, [8, 1], seed=0)
    params = model.parameters()
    for k in range(steps):
        x = [0.01 * (k % 100), -0.02 * (k % 50)]
        loss = losses.mse([model(x)], [0.3])
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.01 * p.grad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    gc.disable()
    start = peak_mb()
    print(f"gc disabled; start: {start:.0f} MB peak RSS")
    for name, job in (("fit", fit_steps), ("mse loop", mse_loop)):
        t0 = time.perf_counter()
        job(args.steps)
        print(
            f"{name:8s} {args.steps} steps: peak {peak_mb():.0f} MB "
            f"(+{peak_mb() - start:.0f} MB) in {time.perf_counter() - t0:.1f} s"
        )


if __name__ == "__main__":
    main()
