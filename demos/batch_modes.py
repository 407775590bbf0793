"""Full batch vs mini-batch vs stochastic gradient descent (seed 001 Q7, seed 004 Q4).

Run it:  python demos/batch_modes.py          (a few seconds)
         python demos/batch_modes.py --quick  (fewer samples and epochs, for tests)

Seed 001 Q7 lists the three ways to update and how often each one does:

* gradient descent (全批量): the gradient of the whole data set, one update per epoch;
* mini-batch (小批量): k samples per update, n / k updates per epoch;
* stochastic (随机梯度下降): one sample per update, n updates per epoch.

Every mode computes n per-sample gradients per epoch, so an epoch costs about the same in all
three; what differs is how many steps that work buys. The experiment: a line y = w x + b
fitted to n noisy points by the seeds' loop (forward pass over the batch, mean squared error,
backward pass, w <- w - lr dL/dw) at the same learning rate in every mode, with samples
shuffled each epoch. After each update the loss on the *whole* data set is measured (numpy).

Against updates, full batch makes the most progress per step (each step uses all the data) and
its curve is smooth. Against epochs, stochastic descent gets furthest first (n steps per epoch)
but never settles: each sample pulls the line its own way, so the loss jitters around the
minimum; mini-batches sit in between. The third picture shows the three paths over the
loss contours in the (w, b) plane.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from _args import positive_float, positive_int
from _plotting import out_dir, plt, save

from microgrid import Value, fit, losses, nn, optim

COLORS = {"full batch": "#1f77b4", "mini-batch": "#2ca02c", "stochastic": "#d62728"}


def full_loss(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """The mean squared error over the whole data set, in numpy."""
    return float(np.mean((w * x + b - y) ** 2))


def train(x: np.ndarray, y: np.ndarray, batch: int, epochs: int, lr: float, seed: int) -> dict:
    """Mini-batch gradient descent on y = w x + b from w = b = 0; batch = n is full batch."""
    w, b = Value(0.0, label="w"), Value(0.0, label="b")
    opt = optim.SGD([w, b], lr=lr)
    rng = np.random.default_rng(seed)
    n = len(x)
    path, curve, epoch_ends = [(0.0, 0.0)], [full_loss(0.0, 0.0, x, y)], []
    for _ in range(epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            opt.zero_grad()
            predictions = [w * float(x[i]) + b for i in rows]  # forward pass over the batch
            loss = losses.mse(predictions, [float(y[i]) for i in rows])
            loss.backward()  # backward pass
            opt.step()
            path.append((w.data, b.data))
            curve.append(full_loss(w.data, b.data, x, y))
        epoch_ends.append(len(curve) - 1)
    return {
        "path": np.array(path),
        "loss": curve,
        "epoch_ends": epoch_ends,
        "updates_per_epoch": math.ceil(n / batch),
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the three modes, print updates and losses, draw the curves; return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/batch_modes/)")
    parser.add_argument("--points", type=positive_int, default=64, help="samples n (default 64)")
    parser.add_argument(
        "--batch", type=positive_int, default=8, help="mini-batch size k (default 8)"
    )
    parser.add_argument("--epochs", type=positive_int, default=12, help="epochs (default 12)")
    parser.add_argument("--lr", type=positive_float, default=0.05, help="learning rate, all modes")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and shuffling")
    parser.add_argument("--quick", action="store_true", help="fewer samples and epochs (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.epochs = 32, 6
    out = out_dir("batch_modes", args.out)

    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.0, 1.0, args.points)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 0.5, args.points)
    design = np.column_stack([x, np.ones_like(x)])
    (w_best, b_best), *_ = np.linalg.lstsq(design, y, rcond=None)
    best = full_loss(w_best, b_best, x, y)

    sizes = {"full batch": args.points, "mini-batch": args.batch, "stochastic": 1}
    runs = {name: train(x, y, k, args.epochs, args.lr, args.seed) for name, k in sizes.items()}
    # the library's fit loop, the same three ways: it counts the same number of updates
    fit_steps = {}
    for name, k in sizes.items():
        model = nn.Neuron(1, activation="linear")
        history = fit(
            model,
            x,
            y,
            loss="mse",
            optimizer="sgd",
            lr=args.lr,
            epochs=args.epochs,
            batch_size=None if k == args.points else k,
            seed=args.seed,
        )
        fit_steps[name] = history.steps

    print(
        f"y = w x + b on {args.points} noisy points, lr {args.lr}, {args.epochs} epochs; "
        f"least-squares minimum MSE {best:.4f}\n"
    )
    print(
        f"{'mode':>11}  {'batch':>5}  {'updates/epoch':>13}  {'fit steps':>9}  "
        f"{'MSE after 1 epoch':>17}  {'final MSE':>9}  {'updates that hurt':>17}"
    )
    worse = {}
    for name, run in runs.items():
        worse[name] = float(np.mean(np.diff(run["loss"]) > 0.0))
        print(
            f"{name:>11}  {sizes[name]:>5}  {run['updates_per_epoch']:>13}  "
            f"{fit_steps[name]:>9}  {run['loss'][run['epoch_ends'][0]]:>17.4f}  "
            f"{run['loss'][-1]:>9.4f}  {worse[name]:>17.0%}"
        )
    print("(updates that hurt: the share of updates after which the whole-data MSE was higher)")

    # -- pictures
    fig, axes = plt.subplots(1, 3, figsize=(17.5, 5.2))
    for name, run in runs.items():
        updates = np.arange(len(run["loss"]))
        axes[0].plot(updates, run["loss"], color=COLORS[name], lw=1.8, label=name)
        axes[1].plot(
            updates / run["updates_per_epoch"],
            run["loss"],
            color=COLORS[name],
            lw=1.4 if name == "stochastic" else 2,
            label=name,
        )
    axes[0].set_xscale("symlog", linthresh=1)
    axes[0].set_xlabel("updates (log scale)")
    axes[0].set_title("Per update: the full batch makes the most of each step")
    axes[1].set_xlabel("epochs (passes over the data)")
    axes[1].set_title("Per epoch: stochastic gets there first, then jitters")
    for ax in axes[:2]:
        ax.axhline(best, color="black", ls=":", label="least-squares minimum")
        ax.set_yscale("log")
        ax.set_ylabel("MSE on the whole data set (log scale)")
        ax.grid(alpha=0.3)
        ax.legend()
    ax = axes[2]
    W, B = np.meshgrid(np.linspace(-0.3, 2.6, 150), np.linspace(-0.4, 1.6, 150))
    L = np.mean((W[..., None] * x + B[..., None] - y) ** 2, axis=-1)
    ax.contour(W, B, L, levels=best + np.geomspace(0.01, 6, 10), colors="#aaaaaa", linewidths=0.8)
    for name, run in runs.items():
        p = run["path"]
        ax.plot(
            p[:, 0],
            p[:, 1],
            "-",
            color=COLORS[name],
            lw=1.6 if name != "stochastic" else 0.8,
            marker="." if name == "full batch" else None,
            ms=7,
            label=name,
        )
    ax.plot(0, 0, "ko", ms=6, label="start")
    ax.plot(w_best, b_best, "*", color="black", ms=13, label="least-squares minimum")
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
    ax.set_title(f"The paths over the loss contours ({args.epochs} epochs each)")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save(fig, out / "batch_modes.png")

    return {
        "runs": runs,
        "fit_steps": fit_steps,
        "worse": worse,
        "best_loss": best,
        "data": (x, y),
        "sizes": sizes,
        "out": out,
    }


if __name__ == "__main__":
    main()
