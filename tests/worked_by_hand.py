"""The seed's worked example by hand, in plain floats (no engine): the tests' independent reference.

Shared by the worked-example, walkthrough and nn tests (test modules do not import each other).
The network: inputs 0.05 / 0.10, weights w1..w8, biases 0.35 / 0.60, targets 0.01 / 0.99,
sigmoid everywhere, E_total = sum of 1/2 (target - out)^2.
"""

from __future__ import annotations

import math
from pathlib import Path

#: The project's reference numbers (plain float math, computed outside microgrid), copied from
#: shared/reference/worked_example.json so the checks run wherever the repository is cloned.
REFERENCE_FILE = Path(__file__).resolve().parent / "reference" / "worked_example.json"


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def hand(w: dict[str, float], b1: float = 0.35, b2: float = 0.60) -> dict[str, float]:
    """The seed's forward and backward pass in plain floats, as derived by hand."""
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    r = {}
    r["net_h1"] = w["w1"] * i1 + w["w2"] * i2 + b1
    r["net_h2"] = w["w3"] * i1 + w["w4"] * i2 + b1
    h1, h2 = sigmoid(r["net_h1"]), sigmoid(r["net_h2"])
    r["out_h1"], r["out_h2"] = h1, h2
    r["net_o1"] = w["w5"] * h1 + w["w6"] * h2 + b2
    r["net_o2"] = w["w7"] * h1 + w["w8"] * h2 + b2
    o1, o2 = sigmoid(r["net_o1"]), sigmoid(r["net_o2"])
    r["out_o1"], r["out_o2"] = o1, o2
    r["E_o1"], r["E_o2"] = 0.5 * (t1 - o1) ** 2, 0.5 * (t2 - o2) ** 2
    r["E_total"] = r["E_o1"] + r["E_o2"]
    d_o1 = -(t1 - o1) * o1 * (1 - o1)  # dE_total/dnet_o1
    d_o2 = -(t2 - o2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w["w5"] + d_o2 * w["w7"]) * h1 * (1 - h1)  # dE_total/dnet_h1
    d_h2 = (d_o1 * w["w6"] + d_o2 * w["w8"]) * h2 * (1 - h2)
    r["g_w1"], r["g_w2"], r["g_w3"], r["g_w4"] = d_h1 * i1, d_h1 * i2, d_h2 * i1, d_h2 * i2
    r["g_w5"], r["g_w6"], r["g_w7"], r["g_w8"] = d_o1 * h1, d_o1 * h2, d_o2 * h1, d_o2 * h2
    r["g_b1"], r["g_b2"] = d_h1 + d_h2, d_o1 + d_o2
    return r


START = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50}
START["w8"] = 0.55


def train_by_hand(steps: int, biases: bool) -> tuple[float, float, float]:
    """``steps`` gradient-descent steps (rate 0.5) in plain floats: (E_total, out_o1, out_o2)."""
    w, b1, b2 = dict(START), 0.35, 0.60
    for _ in range(steps):
        r = hand(w, b1, b2)
        for name in w:
            w[name] -= 0.5 * r[f"g_{name}"]
        if biases:
            b1, b2 = b1 - 0.5 * r["g_b1"], b2 - 0.5 * r["g_b2"]
    r = hand(w, b1, b2)
    return r["E_total"], r["out_o1"], r["out_o2"]
