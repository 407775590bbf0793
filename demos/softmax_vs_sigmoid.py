"""Softmax vs independent sigmoids for three classes: only softmax gives probabilities summing to 1.

Run it:  python demos/softmax_vs_sigmoid.py          (a few seconds)
         python demos/softmax_vs_sigmoid.py --quick  (fewer epochs, coarser pictures)

Both models are one layer of three neurons on the inputs (x0, x1), trained on three Gaussian
blobs; only the output function differs.

* Softmax (the seed's a_i = e^{z_i} / sum_k e^{z_k}): the three outputs compete. Every a_i is in
  (0, 1) and they always add up to exactly 1, so they read as one probability distribution over
  the classes, trained with categorical cross-entropy (``nn.Layer(2, 3, "softmax")``, as
  Keras' ``Dense(3, activation="softmax")``).
* Three sigmoids, sigmoid(z_i) = 1 / (1 + e^{-z_i}): three separate yes/no questions ("is it
  class i?", one-vs-rest), each trained with binary cross-entropy against its own 0/1 target.
  Each output is in (0, 1), but nothing ties them together: where the blobs meet all three can
  say "no" (sum < 1), and between two blobs, or far out, two can say "yes" at once (sum up to 2).
  That is right for multi-label problems (a picture may hold a cat *and* a dog), wrong when
  exactly one class is true.

The pictures: softmax's probabilities blended into colours over the plane; the sum of the three
sigmoid outputs over the plane (1 only along a curve); and the outputs of both models at four
probe points, stacked, so the softmax stacks end at 1 and the sigmoid stacks do not.
"""

from __future__ import annotations

import argparse

import matplotlib.colors as mcolors
import numpy as np
from _plotting import CLASS_COLORS, out_dir, plt, save, scatter_classes
from matplotlib.patches import Patch

from microgrid import evaluate, fit, nn, optim, predict
from microgrid.data import make_blobs

CENTERS = [(-2.0, -1.0), (2.0, -1.0), (0.0, 2.0)]
PROBES = {
    "A": (-2.0, -1.0),  # the middle of class 0
    "B": (0.0, -1.0),  # halfway between classes 0 and 1
    "C": (0.0, 0.0),  # where all three meet
    "D": (0.0, -4.5),  # far from every blob
}


def train(model: nn.Module, X, targets, loss: str, epochs: int, seed: int) -> None:
    """Full-batch Adam (lr 0.1) on the given loss."""
    opt = optim.Adam(model.parameters(), lr=0.1)
    fit(model, X, targets, loss=loss, optimizer=opt, epochs=epochs, seed=seed)


def main(argv: list[str] | None = None) -> dict:
    """Train both models, print their outputs and sums, draw the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/softmax_vs_sigmoid/)")
    parser.add_argument("--epochs", type=int, default=150, help="training epochs (default 150)")
    parser.add_argument("--points", type=int, default=90, help="data points (default 90)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--grid", type=int, default=120, help="plot resolution")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and points (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.points, args.grid = 40, 30, 40
    out = out_dir("softmax_vs_sigmoid", args.out)

    X, y = make_blobs(args.points, centers=CENTERS, cluster_std=0.7, seed=args.seed)
    one_hot = np.eye(3)[y]

    softmax_model = nn.Layer(2, 3, "softmax", seed=args.seed, name="softmax")
    train(softmax_model, X, one_hot, "categorical_cross_entropy", args.epochs, args.seed)
    sigmoid_model = nn.Layer(2, 3, "sigmoid", seed=args.seed, name="sigmoids")
    train(sigmoid_model, X, one_hot, "binary_cross_entropy", args.epochs, args.seed)

    for name, model in (("softmax", softmax_model), ("3 sigmoids", sigmoid_model)):
        acc = evaluate(model, X, one_hot, metrics=["accuracy"])["accuracy"]
        print(f"{name:>10}: training accuracy (argmax) {acc:.0%}")

    probe_points = np.array(list(PROBES.values()))
    p_soft = predict(softmax_model, probe_points)
    p_sig = predict(sigmoid_model, probe_points)
    print(f"\n{'point':<14} {'softmax a0, a1, a2':>22} {'sum':>6}   {'sigmoids':>22} {'sum':>6}")
    for (label, xy), a, s in zip(PROBES.items(), p_soft, p_sig):
        print(
            f"{label} {str(xy):<12} {a[0]:6.3f} {a[1]:6.3f} {a[2]:6.3f} {a.sum():6.3f}   "
            f"{s[0]:6.3f} {s[1]:6.3f} {s[2]:6.3f} {s.sum():6.3f}"
        )

    # every output over a grid covering the data
    lo, hi = X.min(axis=0) - 1.0, X.max(axis=0) + 1.0
    lo[1] = min(lo[1], -5.0)  # keep probe D inside the picture
    gx, gy = np.linspace(lo[0], hi[0], args.grid), np.linspace(lo[1], hi[1], args.grid)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    soft_grid = predict(softmax_model, grid)
    sig_sum = predict(sigmoid_model, grid).sum(axis=1).reshape(xx.shape)
    soft_sums = soft_grid.sum(axis=1)
    print(
        f"\nover {len(grid)} grid points: softmax sums differ from 1 by at most "
        f"{np.abs(soft_sums - 1).max():.1e} (float rounding)"
    )
    print(f"{'':>24}sigmoid sums range from {sig_sum.min():.3f} to {sig_sum.max():.3f}")

    fig, axes = plt.subplots(1, 3, figsize=(17, 5.6), gridspec_kw={"width_ratios": [1, 1.2, 1]})
    names = [f"class {k}" for k in range(3)]

    # 1. softmax probabilities blended into the class colours (valid because they sum to 1)
    palette = np.array([mcolors.to_rgb(c) for c in CLASS_COLORS])
    blend = (soft_grid @ palette).reshape(*xx.shape, 3)
    blend = 0.45 * blend + 0.55  # lighter, so the points stand out
    ax = axes[0]
    ax.imshow(blend, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto")
    scatter_classes(ax, X, y, names)
    ax.set_title("softmax: colour = a0·blue + a1·orange + a2·green\n(a0 + a1 + a2 = 1 everywhere)")

    # 2. the sum of the three sigmoid outputs, 1 only on the black curve
    ax = axes[1]
    norm = mcolors.TwoSlopeNorm(
        vmin=min(sig_sum.min(), 0.99), vcenter=1.0, vmax=max(sig_sum.max(), 1.01)
    )
    mesh = ax.pcolormesh(xx, yy, sig_sum, cmap="RdBu_r", norm=norm, shading="auto")
    ax.contour(xx, yy, sig_sum, levels=[1.0], colors="black", linewidths=1.2)
    fig.colorbar(mesh, ax=ax, label="sigmoid(z0) + sigmoid(z1) + sigmoid(z2)")
    scatter_classes(ax, X, y, names)
    ax.set_title("three sigmoids: their sum over the plane\n(red > 1, blue < 1, black line = 1)")

    for ax in axes[:2]:
        for label, (px, py) in PROBES.items():
            ax.plot(px, py, "kX", ms=10, mec="white", zorder=5)
            ax.annotate(
                label,
                (px, py),
                textcoords="offset points",
                xytext=(7, 5),
                fontsize=12,
                fontweight="bold",
                zorder=6,
            )
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x0")
        ax.set_ylabel("x1")
    axes[0].legend(loc="lower right", framealpha=0.9)

    # 3. the outputs at the probes, stacked: softmax stacks end at 1, sigmoid stacks anywhere
    ax = axes[2]
    positions = np.arange(len(PROBES))
    width = 0.36
    for offset, probs, hatch in (
        (-width / 2 - 0.02, p_soft, None),
        (width / 2 + 0.02, p_sig, "//"),
    ):
        bottom = np.zeros(len(PROBES))
        for k in range(3):
            ax.bar(
                positions + offset,
                probs[:, k],
                width,
                bottom=bottom,
                color=CLASS_COLORS[k],
                hatch=hatch,
                edgecolor="white",
                linewidth=0.8,
            )
            bottom += probs[:, k]
        for xpos, total in zip(positions + offset, bottom):
            ax.text(xpos, total + 0.03, f"{total:.2f}", ha="center", fontsize=9)
    ax.axhline(1.0, color="black", lw=1, ls="--")
    ax.set_xticks(positions)
    ax.set_xticklabels(list(PROBES), fontsize=12, fontweight="bold")
    handles = [Patch(color=c, label=n) for c, n in zip(CLASS_COLORS, names)]
    handles += [
        Patch(facecolor="#888888", label="left: softmax"),
        Patch(facecolor="#888888", hatch="//", edgecolor="white", label="right: sigmoids"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=9)
    ax.set_ylabel("outputs, stacked (class 0, 1, 2)")
    ax.set_ylim(0, max(2.0, float(p_sig.sum(axis=1).max()) + 0.25))
    ax.set_title(
        "outputs at the probes A-D, stacked\nsoftmax ends at 1; the sigmoids anywhere in (0, 3)"
    )
    save(fig, out / "softmax_vs_sigmoid.png")

    return {
        "softmax_probes": p_soft,
        "sigmoid_probes": p_sig,
        "softmax_grid_sums": soft_sums,
        "sigmoid_grid_sums": sig_sum.ravel(),
        "out": out,
    }


if __name__ == "__main__":
    main()
