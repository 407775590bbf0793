"""Overfitting and three remedies: dropout, L2 and early stopping (seed 004 Q2, seed 001 Q8).

Run it:  python demos/overfitting.py          (about 15 seconds)
         python demos/overfitting.py --quick  (smaller net, fewer epochs, for tests)

The seeds: a network that keeps improving on its training data eventually gets *worse* on new
data (过拟合: "网络学习了过多的样本细节"). The set-up makes that easy to see: a dozen noisy
samples of y = sin(x) + noise (noise std 0.3), a tanh MLP 1-12-12-1 with 168 weights (far more
than a dozen samples can pin down), Adam on the full batch, and a separate validation set drawn
the same way. The best any model can do on the validation set is about the noise variance, 0.09.

Four runs from the same initial weights:

* plain: the training loss falls towards 0 while the validation loss, after a minimum, climbs:
  the curve passes through the noise;
* dropout (p = 0.1 after each hidden layer, ``nn.Dropout``): every step trains a random
  thinned network, so no unit can rely on one other; the training loss stays higher (it is
  measured with dropout on) and the curve is pulled less towards each sample. On a net this
  small the effect is weak (the table says how weak): dropout pays off in wide networks;
* L2 (``l2_penalty``, the seed's J + alpha/2 |w|^2 over every parameter): each gradient gets
  alpha w added, a pull towards 0 (with plain SGD exactly the seed's (1 - lr alpha) w shrink;
  Adam rescales it); the weights stay smaller and the curve smoother;
* early stopping (``fit(..., early_stopping=patience, restore_best=True)``): the plain run,
  stopped once the validation loss has not improved for ``patience`` epochs, with the weights
  of its best epoch put back.

The pictures: training and validation loss per epoch for each run, and the fitted curves over
the data.
"""

from __future__ import annotations

import argparse

import numpy as np
from _args import positive_float, positive_int, probability
from _plotting import out_dir, plt, save

from microgrid import evaluate, fit, nn, optim, predict
from microgrid.regularization import l2_penalty

NOISE = 0.3
COLORS = {"plain": "#d62728", "dropout": "#2ca02c", "L2": "#9467bd", "early stopping": "#1f77b4"}


def make_data(n: int, rng: np.random.Generator, spread: bool = False) -> tuple:
    """n samples of y = sin(x) + N(0, NOISE^2), x in [-3, 3] (random, or evenly spread)."""
    x = np.linspace(-3.0, 3.0, n) if spread else np.sort(rng.uniform(-3.0, 3.0, n))
    return x, np.sin(x) + rng.normal(0.0, NOISE, n)


def build(width: int, seed: int, dropout: float = 0.0) -> nn.Sequential:
    """A tanh MLP 1-width-width-1, with Dropout(p) after each hidden layer when p > 0."""
    layers: list[nn.Module] = [nn.Dense(1, width, "tanh", init="xavier_uniform", seed=seed)]
    if dropout:
        layers.append(nn.Dropout(dropout, seed=seed))
    layers.append(nn.Dense(width, width, "tanh", init="xavier_uniform", seed=seed + 1))
    if dropout:
        layers.append(nn.Dropout(dropout, seed=seed + 1))
    layers.append(nn.Dense(width, 1, init="xavier_uniform", seed=seed + 2))
    return nn.Sequential(*layers)


def weight_norm(model: nn.Module) -> float:
    """sqrt(sum w^2) over the model's weights (biases left out, as the penalty would count)."""
    return float(np.sqrt(sum(p.data**2 for name, p in model.named_parameters() if ".w" in name)))


def main(argv: list[str] | None = None) -> dict:
    """Train the four runs, print the losses, draw the curves; return the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/overfitting/)")
    parser.add_argument(
        "--points", type=positive_int, default=12, help="training samples (default 12)"
    )
    parser.add_argument("--val-points", type=positive_int, default=30, help="validation samples")
    parser.add_argument("--width", type=positive_int, default=12, help="neurons per hidden layer")
    parser.add_argument("--epochs", type=positive_int, default=250, help="epochs (default 250)")
    parser.add_argument("--lr", type=positive_float, default=0.005, help="Adam learning rate")
    parser.add_argument("--alpha", type=positive_float, default=0.03, help="L2 strength alpha")
    parser.add_argument("--dropout", type=probability, default=0.1, help="dropout probability p")
    parser.add_argument("--patience", type=positive_int, default=30, help="early-stopping patience")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="smaller net, fewer epochs (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.width, args.val_points, args.epochs, args.patience = 8, 20, 120, 40
    out = out_dir("overfitting", args.out)

    rng = np.random.default_rng(args.seed)
    x_train, y_train = make_data(args.points, rng)
    x_val, y_val = make_data(args.val_points, rng, spread=True)

    settings = {
        "plain": {"dropout": 0.0},
        "dropout": {"dropout": args.dropout},
        "L2": {"penalty": lambda params: l2_penalty(params, alpha=args.alpha)},
        "early stopping": {"early_stopping": args.patience, "restore_best": True},
    }
    runs = {}
    for name, options in settings.items():
        model = build(args.width, seed=1, dropout=options.pop("dropout", 0.0))
        history = fit(
            model,
            x_train,
            y_train,
            loss="mse",
            optimizer=optim.Adam(model.parameters(), lr=args.lr),
            epochs=args.epochs,
            validation=(x_val, y_val),
            seed=args.seed,
            **options,
        )
        # the final model on both sets, in eval mode (dropout off), for a like-for-like table
        runs[name] = {
            "history": history,
            "model": model,
            "train": evaluate(model, x_train, y_train, loss="mse")["loss"],
            "val": evaluate(model, x_val, y_val, loss="mse")["loss"],
            "weight_norm": weight_norm(model),
        }

    print(
        f"{args.points} noisy samples of sin(x) (noise variance {NOISE**2:.2f}), MLP "
        f"1-{args.width}-{args.width}-1 tanh, Adam lr {args.lr}, {args.epochs} epochs at most\n"
    )
    print(f"{'run':>15}  {'epochs':>6}  {'train MSE':>9}  {'val MSE':>8}  {'|w|':>6}")
    for name, run in runs.items():
        h = run["history"]
        print(
            f"{name:>15}  {h.epochs:>6}  {run['train']:>9.4f}  {run['val']:>8.4f}  "
            f"{run['weight_norm']:>6.2f}"
        )
    plain = runs["plain"]["history"]
    best = int(np.argmin(plain.val_loss))
    print(
        f"\nplain run: best validation MSE {plain.val_loss[best]:.4f} at epoch {best + 1}, "
        f"{plain.val_loss[-1]:.4f} at the end (training MSE {runs['plain']['train']:.4f})"
    )
    early = runs["early stopping"]["history"]
    if early.stopped_early is not None:
        print(
            f"early stopping: stopped after epoch {early.stopped_early + 1}, weights of epoch "
            f"{early.best_epoch + 1} restored"
        )

    # -- pictures: loss curves, one panel per run
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, sharey=True)
    for ax, (name, run) in zip(axes.ravel(), runs.items()):
        h = run["history"]
        epochs = np.arange(1, h.epochs + 1)
        ax.semilogy(epochs, h.loss, color="#7f7f7f", lw=1.5, label="training loss")
        ax.semilogy(epochs, h.val_loss, color=COLORS[name], lw=2, label="validation loss")
        ax.axhline(NOISE**2, color="black", ls=":", lw=1, label="noise variance (best possible)")
        b = int(np.argmin(h.val_loss))
        ax.plot(b + 1, h.val_loss[b], "o", color=COLORS[name], ms=7)
        ax.annotate(
            f"best val {h.val_loss[b]:.3f}",
            (b + 1, h.val_loss[b]),
            xytext=(-72 if b > 0.8 * args.epochs else 6, -14),
            textcoords="offset points",
            fontsize=8,
        )
        if h.stopped_early is not None:
            ax.axvline(h.stopped_early + 1, color=COLORS[name], ls="--", lw=1)
        ax.set_title(f"{name}: final train {run['train']:.3f}, val {run['val']:.3f}")
        ax.grid(alpha=0.3)
        ax.set_xlim(0, args.epochs)
    for ax in axes[1]:
        ax.set_xlabel("epoch (full batch)")
    for ax in axes[:, 0]:
        ax.set_ylabel("MSE (log scale)")
    axes[0, 0].legend(fontsize=8, loc="upper right")
    fig.suptitle("Training vs validation loss: overfitting and three remedies")
    fig.tight_layout()
    save(fig, out / "loss_curves.png")

    # -- pictures: the fitted curves
    fig, ax = plt.subplots(figsize=(8, 5))
    xs = np.linspace(-3.2, 3.2, 200)
    ax.plot(xs, np.sin(xs), color="black", lw=1, ls="--", label="sin(x), the truth")
    for name, run in runs.items():
        ax.plot(xs, predict(run["model"], xs), color=COLORS[name], lw=2, label=name)
    ax.scatter(x_train, y_train, s=40, color="black", zorder=3, label="training samples")
    ax.scatter(x_val, y_val, s=14, color="#bbbbbb", zorder=2, label="validation samples")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("What each run learned from the same noisy samples")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    save(fig, out / "fits.png")

    return {name: {k: v for k, v in run.items() if k != "model"} for name, run in runs.items()} | {
        "models": {name: run["model"] for name, run in runs.items()},
        "data": (x_train, y_train, x_val, y_val),
        "out": out,
    }


if __name__ == "__main__":
    main()
