"""microgrid: a scalar autograd engine for learning backpropagation, one chain-rule step at a time.

>>> from microgrid import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

import importlib

from microgrid._grad_mode import is_grad_enabled, no_grad, scope
from microgrid._version import __version__
from microgrid.anomaly import AnomalyError, detect_anomaly
from microgrid.engine import Value, constant, maximum, minimum, topological_order
from microgrid.explain import explain
from microgrid.gradcheck import GradcheckResult, gradcheck, numerical_gradient
from microgrid.stepwise import BackwardStep, Contribution, backward_steps

# The old names of maximum and minimum, still importable; left out of __all__ so that
# ``from microgrid import *`` does not shadow the builtins max() and min().
max = maximum
min = minimum

# The layers built on the engine (``from microgrid import nn, optim``, ``microgrid.fit``) load on
# first use: they bring numpy, which the engine, the CLI's --help and gradcheck do not need.
_SUBMODULES = (
    "data",
    "functional",
    "grid",
    "losses",
    "metrics",
    "nn",
    "optim",
    "regularization",
    "schedules",
    "tape",
)
_FROM_TRAIN = ("evaluate", "fit", "predict")
# microgrid.compile (like torch.compile) is left out of __all__, as max and min are, so that
# ``from microgrid import *`` does not shadow the builtin compile().
_FROM_TAPE = ("Tape", "compile")


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"microgrid.{name}")
    if name in _FROM_TRAIN:
        return getattr(importlib.import_module("microgrid.train"), name)
    if name in _FROM_TAPE:
        return getattr(importlib.import_module("microgrid.tape"), name)
    raise AttributeError(f"module 'microgrid' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES) | set(_FROM_TRAIN) | set(_FROM_TAPE))


__all__ = [
    "AnomalyError",
    "BackwardStep",
    "Contribution",
    "GradcheckResult",
    "Tape",
    "Value",
    "__version__",
    "backward_steps",
    "constant",
    "data",
    "detect_anomaly",
    "evaluate",
    "explain",
    "fit",
    "functional",
    "grid",
    "losses",
    "metrics",
    "nn",
    "optim",
    "predict",
    "regularization",
    "schedules",
    "gradcheck",
    "is_grad_enabled",
    "maximum",
    "minimum",
    "no_grad",
    "numerical_gradient",
    "scope",
    "topological_order",
]
