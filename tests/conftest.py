"""Test-wide settings: Hypothesis profiles with no per-example deadline (no timed tests).

``HYPOTHESIS_PROFILE=thorough python -m pytest`` runs ten times more examples.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
