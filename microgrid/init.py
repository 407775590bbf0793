"""Seeded weight initialization: where a network's first numbers come from, reproducibly.

The seed notes stress that weights must start random, not all zero: with equal weights every
hidden neuron computes the same thing and receives the same gradient ("对称失效", symmetry
failure). Each scheme below draws one weight at a time from a random source, given the
neuron's fan-in (inputs) and fan-out (neurons in its layer):

==================  =====================================  ===================================
name                distribution                           why
==================  =====================================  ===================================
``uniform``         U(-1, 1)                               micrograd's choice; simple
``xavier_uniform``  U(-a, a), a = sqrt(6 / (fan_in+out))   Glorot: keeps variance through
``xavier_normal``   N(0, 2 / (fan_in + fan_out))           tanh / sigmoid layers
``he_uniform``      U(-a, a), a = sqrt(6 / fan_in)         He: keeps variance through ReLU
``he_normal``       N(0, 2 / fan_in)                       layers (half the units are off)
``zeros``           0                                      biases; never for weights
==================  =====================================  ===================================

``glorot_uniform`` / ``glorot_normal`` are aliases of the Xavier names. A scheme may also be a
callable ``f(fan_in, fan_out, rng) -> float``.

Randomness comes from ``seed=`` (an int: the same seed gives the same numbers) or ``rng=``
(a ``numpy.random.Generator`` or a ``random.Random``, shared by several modules so that one
seed drives a whole network). With neither, a fresh unseeded numpy Generator is used.
Numbers are always drawn in the documented parameter order (layer by layer, neuron by neuron,
weights in input order), so a seed fixes every weight.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np

from microgrid._checks import lookup, whole_number

Rng = np.random.Generator | random.Random
Scheme = str | Callable[[int, int, Rng], float]


def make_rng(seed: int | None = None, rng: Rng | None = None) -> Rng:
    """Return the random source a module should use: ``rng`` itself, or a Generator from ``seed``.

    Giving both is refused (it is ambiguous which one decides the numbers).
    """
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed= or rng=, not both")
        if not isinstance(rng, np.random.Generator | random.Random):
            raise TypeError(
                f"rng must be a numpy.random.Generator or a random.Random, got {type(rng).__name__}"
            )
        return rng
    if seed is not None:
        seed = whole_number("seed", seed)
    return np.random.default_rng(seed)


def _uniform(rng: Rng, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _normal(rng: Rng, std: float) -> float:
    if isinstance(rng, random.Random):
        return rng.gauss(0.0, std)
    return float(rng.normal(0.0, std))


def uniform(fan_in: int, fan_out: int, rng: Rng) -> float:
    """U(-1, 1), as micrograd initializes its weights."""
    return _uniform(rng, -1.0, 1.0)


def xavier_uniform(fan_in: int, fan_out: int, rng: Rng) -> float:
    """Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), variance 2/(in+out)."""
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(rng, -a, a)


def xavier_normal(fan_in: int, fan_out: int, rng: Rng) -> float:
    """Glorot normal: N(0, sigma^2) with sigma^2 = 2 / (fan_in + fan_out)."""
    return _normal(rng, math.sqrt(2.0 / (fan_in + fan_out)))


def he_uniform(fan_in: int, fan_out: int, rng: Rng) -> float:
    """He (Kaiming) uniform: U(-a, a) with a = sqrt(6 / fan_in), variance 2/fan_in."""
    return _uniform(rng, -math.sqrt(6.0 / fan_in), math.sqrt(6.0 / fan_in))


def he_normal(fan_in: int, fan_out: int, rng: Rng) -> float:
    """He (Kaiming) normal: N(0, sigma^2) with sigma^2 = 2 / fan_in."""
    return _normal(rng, math.sqrt(2.0 / fan_in))


def zeros(fan_in: int, fan_out: int, rng: Rng) -> float:
    """0.0 (draws nothing from ``rng``): the default for biases."""
    return 0.0


SCHEMES: dict[str, Callable[[int, int, Rng], float]] = {
    "uniform": uniform,
    "xavier_uniform": xavier_uniform,
    "glorot_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_normal": xavier_normal,
    "he_uniform": he_uniform,
    "kaiming_uniform": he_uniform,
    "he_normal": he_normal,
    "kaiming_normal": he_normal,
    "zeros": zeros,
}


def get_scheme(scheme: Scheme) -> Callable[[int, int, Rng], float]:
    """Look a scheme up by name (or pass a callable through); unknown names list the known ones."""
    return lookup("init scheme", SCHEMES, scheme)


def draw(scheme: Scheme, fan_in: int, fan_out: int, rng: Rng) -> float:
    """One number from ``scheme`` for a neuron with this fan-in and fan-out."""
    value = get_scheme(scheme)(fan_in, fan_out, rng)
    return float(value)
