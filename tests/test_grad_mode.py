"""Grad mode and scopes are per thread and per asyncio task, never process-wide."""

from __future__ import annotations

import asyncio
import threading

import microgrid
from microgrid import Value, no_grad, scope
from microgrid._grad_mode import current_scope


def _grad_of_square(x0: float) -> float:
    x = Value(x0)
    (x * x).backward()
    return x.grad


def test_overlapping_no_grad_in_two_tasks_leaves_recording_on() -> None:
    # Task a enters no_grad, then b enters, then a leaves, then b leaves: with a process-wide
    # flag, b restores a's "off" and recording stays off for everyone afterwards.
    async def worker(entered: asyncio.Event, go: asyncio.Event) -> bool:
        with no_grad():
            entered.set()
            await go.wait()
            return microgrid.is_grad_enabled()

    async def main() -> tuple[bool, bool, bool]:
        a_in, b_in, a_go, b_go = (asyncio.Event() for _ in range(4))
        a = asyncio.create_task(worker(a_in, a_go))
        await a_in.wait()
        b = asyncio.create_task(worker(b_in, b_go))
        await b_in.wait()
        seen_outside = microgrid.is_grad_enabled()  # the main task never entered no_grad
        a_go.set()
        await a
        b_go.set()
        await b
        return seen_outside, a.result(), b.result()

    seen_outside, in_a, in_b = asyncio.run(main())
    assert seen_outside is True
    assert in_a is False and in_b is False
    assert microgrid.is_grad_enabled()
    assert _grad_of_square(3.0) == 6.0


def test_no_grad_in_one_thread_does_not_stop_another_threads_graph() -> None:
    inside, recorded = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def quiet() -> None:
        with no_grad():
            results["quiet_enabled"] = microgrid.is_grad_enabled()
            inside.set()
            recorded.wait(timeout=10)

    def busy() -> None:
        inside.wait(timeout=10)
        results["busy_grad"] = _grad_of_square(2.0)
        results["busy_enabled"] = microgrid.is_grad_enabled()
        recorded.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == {"quiet_enabled": False, "busy_grad": 4.0, "busy_enabled": True}


def test_scopes_do_not_leak_between_threads() -> None:
    inside, made = threading.Event(), threading.Event()
    scopes: dict[str, str] = {}

    def scoped() -> None:
        with scope("mine"):
            inside.set()
            made.wait(timeout=10)
            scopes["scoped"] = Value(1.0).scope

    def plain() -> None:
        inside.wait(timeout=10)
        scopes["plain"] = (Value(1.0) + 1).scope
        scopes["plain_current"] = current_scope()
        made.set()

    threads = [threading.Thread(target=scoped), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert scopes == {"scoped": "mine", "plain": "", "plain_current": ""}


def test_scope_inside_no_grad_and_back() -> None:
    with no_grad():
        with scope("net") as path:
            assert path == "net" and not microgrid.is_grad_enabled()
            v = Value(2.0) * 3
        assert current_scope() == "" and not microgrid.is_grad_enabled()
    assert v.scope == "net" and v.is_leaf
    assert microgrid.is_grad_enabled() and current_scope() == ""
