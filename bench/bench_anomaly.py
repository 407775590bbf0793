"""Benchmark: what ``detect_anomaly()`` costs per op, outside and inside the block.

Times forward + backward of a small tanh MLP (2-16-16-1, about 900 nodes per sample), best of
N runs, in four situations, and prints each as a ratio to the first:

- plain: anomaly mode never entered;
- after: after a ``detect_anomaly()`` block has been entered and left (must be 1.00: the plain
  node function is back in place, nothing is left behind);
- other thread: while another thread sits inside ``detect_anomaly()`` (this thread is not
  checked, but each op looks up that it is not);
- inside: this thread inside ``detect_anomaly()`` (every op checked and its origin recorded).

Run: ``python bench/bench_anomaly.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import argparse
import math
import threading
import time

import microgrid
from microgrid import nn


def one_pass(model: nn.MLP, rows: list[list[float]]) -> None:
    for row in rows:
        out = model(row)
        assert isinstance(out, microgrid.Value)
        out.backward()


def best_of(repeats: int, job) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 3 if args.quick else 10
    model = nn.MLP(2, [16, 16, 1], seed=0)
    rows = [[0.01 * k, -0.02 * k] for k in range(20)]

    def job() -> None:
        one_pass(model, rows)

    def checked() -> None:
        with microgrid.detect_anomaly():
            one_pass(model, rows)

    def with_other_thread_inside() -> float:
        inside, leave = threading.Event(), threading.Event()

        def sit_inside() -> None:
            with microgrid.detect_anomaly():
                inside.set()
                leave.wait()

        sitter = threading.Thread(target=sit_inside)
        sitter.start()
        inside.wait()
        try:
            return best_of(1, job)
        finally:
            leave.set()
            sitter.join()

    # The situations take turns, round after round, so a busy machine slows all alike; the
    # best time of each counts.
    times = {"plain": math.inf, "after": math.inf, "other thread": math.inf, "inside": math.inf}
    for _ in range(rounds):
        times["plain"] = min(times["plain"], best_of(1, job))
        with microgrid.detect_anomaly():
            pass
        times["after"] = min(times["after"], best_of(1, job))
        times["other thread"] = min(times["other thread"], with_other_thread_inside())
        times["inside"] = min(times["inside"], best_of(1, checked))

    base = times["plain"]
    print(f"forward+backward of MLP 2-16-16-1 on {len(rows)} samples, best of {rounds} rounds")
    print(f"{'situation':<16}{'ms':>10}{'ratio':>8}")
    for name, t in times.items():
        print(f"{name:<16}{t * 1e3:>10.2f}{t / base:>8.2f}")


if __name__ == "__main__":
    main()
