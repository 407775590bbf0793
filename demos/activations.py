"""Activation functions and their derivatives, one gallery (seed 004 Q1, seed 000 Q3/Q4, seed 003).

Run it:  python demos/activations.py          (a second or two)
         python demos/activations.py --quick  (a coarser grid, for tests)

Seven activations, each drawn with its derivative f'(x), every derivative taken from the
engine's backward pass (one ``Value(x)``, ``f(v).backward()``, read ``v.grad``) and checked
against central differences:

* sigmoid 1/(1 + e^-x): range (0, 1), not zero-centred (its outputs average 0.5), saturates on
  both sides, f' <= 1/4 (seed 000 Q4: "导数取值范围是[0, 0.25]");
* tanh: range (-1, 1), zero-centred, saturates on both sides, f' <= 1;
* ReLU max(0, x): range [0, inf), f' = 1 for x > 0 and 0 for x < 0 (no saturation on the right,
  a dead zone on the left); cheap, sparse activations (seed 004 Q1);
* leaky ReLU: x for x > 0, alpha x below (alpha = 0.1 here, so the slope shows; the library's
  default is 0.01): never a zero gradient;
* ELU: x for x > 0, alpha (e^x - 1) below: smooth, negative outputs push the mean towards 0,
  saturates (to -alpha) on the left only;
* softplus log(1 + e^x): a smooth ReLU, f' = sigmoid(x);
* Maxout (seed 003): the max of k linear pieces, here max(w1 x + b1, w2 x + b2) with the two
  pieces drawn; it learns its own shape (ReLU and |x| are special cases) and never saturates.

Each property printed in the table (range, zero-centred, where it saturates, largest slope) is
also *measured* from the numbers (limits at x = -/+40, signs around 0, derivatives there), and
the demo says whether claim and measurement agree.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np
from _args import positive_int
from _plotting import out_dir, plt, save

from microgrid import Value, maximum

LEAKY_ALPHA = 0.1
#: Maxout's two linear pieces (w, b): max(1.0 x + 0.0, -0.5 x - 0.5)
MAXOUT_PIECES = ((1.0, 0.0), (-0.5, -0.5))
FAR = 40.0  # "x -> -inf / +inf" for the measured limits


def maxout(x: Value) -> Value:
    """max(w1 x + b1, w2 x + b2): the max of two linear pieces (``microgrid.maximum``)."""
    (w1, b1), (w2, b2) = MAXOUT_PIECES
    return maximum(w1 * x + b1, w2 * x + b2)


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "ReLU": Value.relu,
    f"leaky ReLU (alpha {LEAKY_ALPHA:g})": lambda v: v.leaky_relu(LEAKY_ALPHA),
    "ELU (alpha 1)": Value.elu,
    "softplus": Value.softplus,
    "Maxout (2 pieces)": maxout,
}

#: What the seeds (and textbooks) say: (range, zero-centred, saturates where, largest f')
CLAIMS: dict[str, tuple[str, bool, str, float]] = {
    "sigmoid": ("(0, 1)", False, "both sides", 0.25),
    "tanh": ("(-1, 1)", True, "both sides", 1.0),
    "ReLU": ("[0, inf)", False, "x < 0 (f' = 0)", 1.0),
    f"leaky ReLU (alpha {LEAKY_ALPHA:g})": ("(-inf, inf)", True, "never", 1.0),
    "ELU (alpha 1)": ("(-1, inf)", True, "x < 0 only", 1.0),
    "softplus": ("(0, inf)", False, "x < 0 only", 1.0),
    "Maxout (2 pieces)": ("[-1/3, inf)", False, "never", 1.0),
}


def value_and_slope(f: Callable[[Value], Value], x: float) -> tuple[float, float]:
    """f(x) and f'(x) from the engine: forward pass, then backward pass to the input."""
    v = Value(x, label="x")
    out = f(v)
    out.backward()
    return out.data, v.grad


def central_difference(f: Callable[[Value], Value], x: float, h: float = 1e-6) -> float:
    """(f(x + h) - f(x - h)) / 2h, from forward passes only."""
    return (f(Value(x + h)).data - f(Value(x - h)).data) / (2 * h)


def _end(v: float) -> str:
    """A range end as text: inf, a simple fraction, or the number."""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    for text, number in (("-1/3", -1 / 3), ("1/3", 1 / 3)):
        if abs(v - number) < 1e-9:
            return text
    return f"{round(v, 9) + 0.0:g}"  # -0.0 shows as 0


def _lowest(f: Callable[[Value], Value], grid: np.ndarray, slopes: list[float]) -> float:
    """The smallest value on the grid, refined where f' changes sign (Maxout's kink).

    Between the grid points around the minimum, bisect on the sign of the engine's f'.
    """
    values = [value_and_slope(f, float(x))[0] for x in grid]
    i = int(np.argmin(values))
    if 0 < i < len(grid) - 1 and slopes[i - 1] < 0.0 < slopes[i + 1]:
        lo, hi = float(grid[i - 1]), float(grid[i + 1])
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if value_and_slope(f, mid)[1] < 0.0 else (lo, mid)
        return min(values[i], value_and_slope(f, 0.5 * (lo + hi))[0])
    return values[i]


def measure(f: Callable[[Value], Value], grid: np.ndarray) -> tuple[str, bool, str, float]:
    """The claimed properties, measured from numbers: (range, zero-centred, saturates, max f').

    Limits are f at x = -/+FAR; a side counts as bounded (and saturating) when f' is ~0 there.
    """
    slopes = [value_and_slope(f, float(x))[1] for x in grid]
    (left, left_slope), (right, right_slope) = value_and_slope(f, -FAR), value_and_slope(f, FAR)
    lowest = _lowest(f, grid, slopes)
    flat_left, flat_right = abs(left_slope) < 1e-6, abs(right_slope) < 1e-6
    if flat_left:
        low = left  # approached far out (or reached, as ReLU's 0)
    elif left < lowest:
        low = -math.inf  # still falling at -FAR
    else:
        low = lowest  # rises again on the left: the minimum is inside (Maxout)
    high = right if flat_right else math.inf
    reached = lowest <= low + 1e-12
    text = f"{'[' if reached else '('}{_end(low)}, {_end(high)})"
    f0, below = value_and_slope(f, 0.0)[0], value_and_slope(f, -1.0)[0]
    zero_centred = abs(f0) < 1e-12 and below < 0.0
    if flat_left and flat_right:
        saturates = "both sides"
    elif flat_left and value_and_slope(f, -0.5)[1] == 0.0:
        saturates = "x < 0 (f' = 0)"
    elif flat_left:
        saturates = "x < 0 only"
    else:
        saturates = "never"
    steepest = max(abs(g) for g in [*slopes, value_and_slope(f, 0.0)[1], left_slope, right_slope])
    return text, zero_centred, saturates, round(steepest, 9)


def main(argv: list[str] | None = None) -> dict:
    """Draw the gallery, print the table of properties; return derivatives and checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/activations/)")
    parser.add_argument("--points", type=positive_int, default=400, help="grid points on [-5, 5]")
    parser.add_argument("--quick", action="store_true", help="a coarser grid (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.points = 80
    out = out_dir("activations", args.out)
    # an even count keeps the grid off the kink at 0 (ReLU and friends), where f' is one-sided
    grid = np.linspace(-5.0, 5.0, 2 * max(1, args.points // 2))

    curves, gaps, measured = {}, {}, {}
    for name, f in ACTIVATIONS.items():
        values, slopes = map(np.array, zip(*(value_and_slope(f, float(x)) for x in grid)))
        numeric = np.array([central_difference(f, float(x)) for x in grid])
        curves[name] = (values, slopes)
        gaps[name] = float(np.abs(slopes - numeric).max())
        measured[name] = measure(f, grid)

    slope_head = "max |f'|"
    print(
        f"{'activation':>26}  {'range':>12}  {'zero-centred':>12}  {'saturates':>15}  "
        f"{slope_head:>8}  claims = numbers?"
    )
    agree = {}
    for name in ACTIVATIONS:
        rng_text, centred, saturates, top = CLAIMS[name]
        agree[name] = measured[name] == CLAIMS[name]
        print(
            f"{name:>26}  {rng_text:>12}  {'yes' if centred else 'no':>12}  {saturates:>15}  "
            f"{top:>8g}  {'yes' if agree[name] else 'NO: measured ' + str(measured[name])}"
        )
    print(
        f"\nlargest |engine f' - central difference| over {len(grid)} points: "
        f"{max(gaps.values()):.1e}"
    )

    # -- the gallery: 7 activations and, last, all derivatives together
    fig, axes = plt.subplots(2, 4, figsize=(17, 8.2), sharex=True)
    for ax, (name, (values, slopes)) in zip(axes.ravel(), curves.items()):
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="black", lw=0.6)
        ax.plot(grid, values, color="#1f77b4", lw=2.2, label="f(x)")
        ax.plot(grid, slopes, color="#d62728", lw=1.8, ls="--", label="f'(x) (backward pass)")
        if name.startswith("Maxout"):
            for w, b in MAXOUT_PIECES:
                ax.plot(grid, w * grid + b, color="#7f7f7f", lw=1, ls=":")
            ax.plot([], [], color="#7f7f7f", lw=1, ls=":", label="its two linear pieces")
        rng_text, centred, saturates, top = CLAIMS[name]
        ax.text(
            0.03,
            0.97,
            f"range {rng_text}\nzero-centred: {'yes' if centred else 'no'}\n"
            f"saturates: {saturates}\nmax f' = {top:g}",
            transform=ax.transAxes,
            va="top",
            fontsize=8.5,
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#cccccc"},
        )
        ax.set_title(name)
        ax.set_ylim(-1.6, 3.2)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="lower right", fontsize=8)
    axes[1, 2].legend(loc="lower right", fontsize=8)
    ax = axes[1, 3]
    for name, (_, slopes) in curves.items():
        ax.plot(grid, slopes, lw=1.6, label=name)
    ax.axhline(0.25, color="black", lw=0.8, ls=":")
    ax.text(-4.8, 0.3, "sigmoid's ceiling 1/4", fontsize=8)
    ax.set_title("all derivatives f'(x)")
    ax.set_ylim(-0.7, 1.25)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    for ax in axes[1]:
        ax.set_xlabel("x")
    fig.suptitle("Activation functions (blue) and their derivatives (red, from the backward pass)")
    fig.tight_layout()
    save(fig, out / "activations.png")

    return {
        "grid": grid,
        "curves": curves,
        "gradcheck_gap": gaps,
        "measured": measured,
        "agree": agree,
        "out": out,
    }


if __name__ == "__main__":
    main()
