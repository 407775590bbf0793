"""Symmetry: with all-zero initial weights the hidden neurons stay identical forever (seed 002).

Run it:  python demos/symmetry.py          (a few seconds)
         python demos/symmetry.py --quick  (fewer points and steps, for tests)

The seed: "要将参数进行随机初始化而不是全部置0 ... 这称为对称失效". Why: if two hidden neurons
start with the same weights, they compute the same output for every input, so backpropagation
hands them the same gradient (the chain rule sees no difference between them), so the update
keeps them equal, and so on at every step. A layer of four identical neurons is one neuron
drawn four times: the network can only do what a single hidden neuron can.

The experiment: an MLP 2-4-1 (sigmoid hidden layer, sigmoid output) learns XOR with Adam, once
from all-zero weights (``init="zeros"``) and once from random ones (``init="xavier_uniform"``).
After every step the demo measures how far apart the four hidden neurons are: the largest
difference between any neuron's (w0, w1, b, outgoing weight) and neuron 0's. From zeros it is
exactly 0.0 at every step (the neurons do move, in lockstep); from random weights they differ
and specialise, and only then is XOR solved. (With tanh the all-zero start is even worse: the
hidden outputs are tanh(0) = 0, so the outgoing weights get no gradient, so the hidden weights
get none either; only the output bias could move, and on balanced XOR even its gradient
mean(out - y) is 0 (up to rounding): the network stays at 0.5 everywhere; see it with
``--activation tanh``.)
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
from _args import positive_float, positive_int
from _plotting import decision_boundary, out_dir, plt, save

from microgrid import losses, nn, optim, predict
from microgrid.data import make_xor
from microgrid.metrics import accuracy

NEURON_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")


def neuron_rows(model: nn.MLP) -> np.ndarray:
    """One row per hidden neuron: its incoming weights, its bias and its outgoing weight."""
    hidden, output = model.layers
    out_w = output.neurons[0].w
    return np.array(
        [[*(w.data for w in n.w), n.b.data, out_w[j].data] for j, n in enumerate(hidden.neurons)]
    )


def train(model: nn.MLP, X: np.ndarray, y: np.ndarray, steps: int, lr: float) -> dict:
    """Full-batch Adam on binary cross-entropy; record the hidden neurons after every step."""
    opt = optim.Adam(model.parameters(), lr=lr)
    rows, spread, loss_curve = [neuron_rows(model)], [], []
    for _ in range(steps):
        opt.zero_grad()
        predictions = [model(list(x)) for x in X]  # forward pass
        loss = losses.binary_cross_entropy(predictions, y.tolist())
        loss.backward()  # backward pass
        opt.step()
        loss_curve.append(loss.data)
        rows.append(neuron_rows(model))
        spread.append(float(np.abs(rows[-1] - rows[-1][0]).max()))
    return {"rows": np.array(rows), "spread": spread, "loss": loss_curve}


def main(argv: list[str] | None = None) -> dict:
    """Train from zeros and from random weights, print the spread, draw; return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/symmetry/)")
    parser.add_argument("--points", type=positive_int, default=40, help="XOR points (default 40)")
    parser.add_argument("--steps", type=positive_int, default=300, help="Adam steps (default 300)")
    parser.add_argument("--lr", type=positive_float, default=0.05, help="Adam learning rate")
    parser.add_argument(
        "--activation", choices=["sigmoid", "tanh"], default="sigmoid", help="hidden layer"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="fewer points and steps (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.steps = 20, 150
    out = out_dir("symmetry", args.out)

    X, y = make_xor(args.points, seed=args.seed)
    runs = {}
    for name, init in (("all-zero init", "zeros"), ("random init", "xavier_uniform")):
        model = nn.MLP(
            2, [4, 1], activation=args.activation, output_activation="sigmoid", init=init, seed=1
        )
        run = train(model, X, y, args.steps, args.lr)
        run["accuracy"] = accuracy(predict(model, X).tolist(), y.tolist(), threshold=0.5)
        run["model"] = model
        runs[name] = run

    print(
        f"MLP 2-4-1 ({args.activation} hidden layer) on XOR, {args.points} points, "
        f"{args.steps} Adam steps\n"
    )
    for name, run in runs.items():
        moved = float(np.abs(run["rows"][-1] - run["rows"][0]).max())
        print(f"{name}:")
        print(f"  the hidden neurons' parameters moved by up to {moved:.3f}")
        print(
            f"  largest difference between two hidden neurons, over all steps: "
            f"{max(run['spread']):.3g}"
        )
        print(f"  final loss {run['loss'][-1]:.4f}, training accuracy {run['accuracy']:.0%}")
    final_rows = runs["all-zero init"]["rows"][-1]
    print("\nfrom zeros, the four hidden neurons after training (w0, w1, b, outgoing w):")
    for j, row in enumerate(final_rows):
        print(f"  neuron{j}: " + "  ".join(f"{v:+.6f}" for v in row))

    # -- pictures: the neurons' first weight over training, and what each network learned
    fig, axes = plt.subplots(2, 2, figsize=(11.5, 9.5))
    steps = np.arange(args.steps + 1)
    for col, (name, run) in enumerate(runs.items()):
        ax = axes[0, col]
        for j in range(run["rows"].shape[1]):
            # widest line first, so four identical curves still show as four nested stripes
            ax.plot(
                steps,
                run["rows"][:, j, 0],
                color=NEURON_COLORS[j],
                lw=9 - 2 * j,
                alpha=0.9,
                label=f"neuron{j}",
            )
        ax.set_xlabel("Adam step")
        ax.set_ylabel("hidden neuron's weight w0 (from x0)")
        gap = max(run["spread"])
        same = " (all four identical)" if gap == 0.0 else ""
        ax.set_title(f"{name}: largest gap between neurons {gap:.3g}{same}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        decision_boundary(
            axes[1, col],
            partial(predict, run["model"]),
            X,
            y,
            threshold=0.5,
            resolution=50,
            margin=0.2,
            names=("class 0 (same signs)", "class 1 (signs differ)"),
        )
        axes[1, col].set_title(
            f"{name}: {run['accuracy']:.0%} of XOR right\n(shaded: where the output > 0.5)"
        )
        axes[1, col].legend(fontsize=8, loc="upper right", framealpha=0.9)
    fig.suptitle(
        f"Symmetry in an MLP 2-4-1 ({args.activation} hidden layer): identical starting weights "
        "stay identical; random ones break the tie"
    )
    fig.tight_layout()
    save(fig, out / "symmetry.png")

    return {name: {k: v for k, v in run.items() if k != "model"} for name, run in runs.items()} | {
        "models": {name: run["model"] for name, run in runs.items()},
        "out": out,
    }


if __name__ == "__main__":
    main()
