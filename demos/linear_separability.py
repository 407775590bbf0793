"""XOR and linear separability (seed 000 Q2): one neuron fails; a hidden layer or a feature wins.

Run it:  python demos/linear_separability.py          (a few seconds)
         python demos/linear_separability.py --quick  (fewer epochs, coarser pictures)

A data set is linearly separable when one straight line (a hyperplane, in more dimensions)
puts every point of one class on one side and every point of the other on the other side.
A single sigmoid neuron, p = sigmoid(w0 x0 + w1 x1 + b), can only draw such a line: its
boundary p = 0.5 is w0 x0 + w1 x1 + b = 0.

XOR is the classic set that is not: class 1 where x0 and x1 have different signs (quadrants
(+,-) and (-,+)), class 0 where they agree. Any line leaves at least one quadrant on the wrong
side, so the lone neuron cannot reach 100% however long it trains.

Seed 000 names the ways out; this demo runs two of them:

* a hidden layer (2 -> 4 tanh -> 1 sigmoid): the network learns its own non-linear features,
  and its boundary bends;
* a non-linear feature transform, adding x0 * x1 as a third input: in (x0, x1, x0 x1) space the
  classes are split by the plane x0 x1 = 0, so the same single neuron now separates them.
  Drawn back in the (x0, x1) plane, its flat boundary becomes a hyperbola hugging the axes.

All three train with binary cross-entropy and Adam (lr 0.1), full batch, from seeded weights.
"""

from __future__ import annotations

import argparse

import numpy as np
from _plotting import decision_boundary, out_dir, plt, save

from microgrid import evaluate, fit, nn, optim, predict
from microgrid.data import make_xor


def with_product(X: np.ndarray) -> np.ndarray:
    """The feature transform: (x0, x1) -> (x0, x1, x0 * x1)."""
    return np.column_stack([X, X[:, 0] * X[:, 1]])


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> float:
    """Fit with binary cross-entropy and Adam; returns the training accuracy afterwards."""
    fit(
        model,
        X,
        y,
        loss="binary_cross_entropy",
        optimizer=optim.Adam(model.parameters(), lr=0.1),
        epochs=epochs,
        seed=seed,
    )
    return evaluate(model, X, y, metrics=["accuracy"])["accuracy"]


def main(argv: list[str] | None = None) -> dict:
    """Train the three models on XOR, print their accuracies, draw their boundaries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/linear_separability/)")
    parser.add_argument("--epochs", type=int, default=200, help="training epochs (default 200)")
    parser.add_argument("--points", type=int, default=60, help="XOR points (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--grid", type=int, default=120, help="boundary plot resolution")
    parser.add_argument("--quick", action="store_true", help="fewer epochs, coarse plot (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.points, args.grid = 100, 40, 40
    out = out_dir("linear_separability", args.out)

    X, y = make_xor(args.points, seed=args.seed)
    print(f"XOR: {len(X)} points, class 1 where sign(x0) != sign(x1)\n")

    # 1. one sigmoid neuron on (x0, x1): its boundary is a straight line
    neuron = nn.Neuron(2, "sigmoid", seed=args.seed)
    acc_neuron = train(neuron, X, y, args.epochs, args.seed)

    # 2. a hidden layer of 4 tanh neurons before the sigmoid output
    mlp = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=args.seed)
    acc_mlp = train(mlp, X, y, args.epochs, args.seed)

    # 3. the same single neuron, given the extra feature x0 * x1
    featured = nn.Neuron(3, "sigmoid", seed=args.seed)
    acc_featured = train(featured, with_product(X), y, args.epochs, args.seed)

    print(f"{'model':<40} {'parameters':>10} {'accuracy':>9}")
    rows = [
        ("one sigmoid neuron on (x0, x1)", neuron, acc_neuron),
        ("hidden layer: 2 -> 4 tanh -> 1 sigmoid", mlp, acc_mlp),
        ("one sigmoid neuron on (x0, x1, x0*x1)", featured, acc_featured),
    ]
    for name, model, acc in rows:
        print(f"{name:<40} {model.num_parameters():>10} {acc:>9.0%}")
    w0, w1, w01, b = (p.data for p in featured.parameters())
    print(
        f"\nthe featured neuron learned p = sigmoid({w0:.2f} x0 {w1:+.2f} x1 {w01:+.2f} x0*x1 "
        f"{b:+.2f})"
    )
    if w01 < 0 and abs(w01) > abs(w0) + abs(w1) + abs(b):
        print(
            "the weight on x0*x1 dominates and is negative: p > 0.5 where x0*x1 < 0, "
            "that is where the signs differ"
        )

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2))
    panels = [
        (lambda P: predict(neuron, P), "one neuron: a straight line", acc_neuron),
        (lambda P: predict(mlp, P), "hidden layer (4 tanh): a bent boundary", acc_mlp),
        (lambda P: predict(featured, with_product(P)), "one neuron + feature x0·x1", acc_featured),
    ]
    for ax, (score, title, acc) in zip(axes, panels):
        decision_boundary(
            ax,
            score,
            X,
            y,
            threshold=0.5,
            resolution=args.grid,
            margin=0.2,
            names=("class 0 (same signs)", "class 1 (signs differ)"),
        )
        ax.set_title(f"{title}\ntraining accuracy {acc:.0%}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.suptitle("XOR is not linearly separable (seed 000, Q2)", fontsize=14)
    fig.subplots_adjust(bottom=0.14, top=0.84, wspace=0.25)
    save(fig, out / "xor_boundaries.png")

    return {
        "accuracy": {"neuron": acc_neuron, "hidden_layer": acc_mlp, "feature": acc_featured},
        "out": out,
    }


if __name__ == "__main__":
    main()
