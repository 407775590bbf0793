"""Test-wide settings: Hypothesis profiles with no per-example deadline (no timed tests).

``HYPOTHESIS_PROFILE=thorough python -m pytest`` runs ten times more examples. Under CI (the
``CI`` variable set) the ``ci`` profile derandomizes Hypothesis, so a run is reproducible: new
inputs are explored locally and by the thorough profile, not by chance in a landing check.
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
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_default = "ci" if os.environ.get("CI") else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
