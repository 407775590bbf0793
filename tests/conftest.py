"""Test-wide settings and fixtures: Hypothesis profiles (no per-example deadline, no timed
tests) and the worked example's reference numbers.

Shared helpers that are not fixtures live in plain modules beside the tests (``strategies.py``,
``worked_by_hand.py``); test modules never import each other.

``HYPOTHESIS_PROFILE=thorough python -m pytest`` runs ten times more examples. Under CI (the
``CI`` variable set) the ``ci`` profile derandomizes Hypothesis, so a run is reproducible: new
inputs are explored locally and by the thorough profile, not by chance in a landing check.
"""

import errno
import json
import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from worked_by_hand import REFERENCE_FILE

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_default = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


@pytest.fixture(scope="session")
def reference() -> dict:
    """The project's reference numbers for the worked example (tests/reference/*.json)."""
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``disk_full(n)``: the atomic writer's ``os.write`` takes ``n`` bytes, then fails with
    ENOSPC, as a full disk does."""
    from microgrid import atomic

    def after(limit: int) -> None:
        real_write = os.write
        written = [0]

        def write(fd: int, data: bytes | memoryview) -> int:
            room = limit - written[0]
            if room <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            n = real_write(fd, bytes(data[:room]))
            written[0] += n
            return n

        monkeypatch.setattr(atomic.os, "write", write)

    return after
