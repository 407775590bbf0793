"""Test-wide settings and fixtures: Hypothesis profiles (no per-example deadline, no timed
tests) and the worked example's reference numbers.

Shared helpers that are not fixtures live in plain modules beside the tests (``strategies.py``,
``worked_by_hand.py``); test modules never import each other.

``HYPOTHESIS_PROFILE=thorough python -m pytest`` runs ten times more examples. Under CI (the
``CI`` variable set) the ``ci`` profile derandomizes Hypothesis, so a run is reproducible: new
inputs are explored locally and by the thorough profile, not by chance in a landing check.
"""

import json
import os

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
