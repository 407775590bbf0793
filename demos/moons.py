"""micrograd's classic demo on microgrid: a small MLP learns to separate two moons.

Run it:  python demos/moons.py            (about half a minute: every number is a scalar Value)
         python demos/moons.py --quick    (a few steps on fewer points, to see it work)

The recipe is Andrej Karpathy's micrograd demo, step for step:

* data: 100 points of two interleaving half circles (``make_moons``, noise 0.1), labels
  y in {-1, +1} (the hinge loss wants signs, not 0/1);
* model: an MLP 2-16-16-1 with ReLU hidden layers and a linear output: a score s, class +1
  when s > 0;
* loss: the SVM hinge loss max(0, 1 - y s), averaged over the points, plus an L2 penalty
  1e-4 * sum(w^2) (``l2_penalty(params, alpha=2e-4)``, since l2_penalty carries the seed's 1/2);
* optimizer: plain SGD over the full batch, learning rate decaying linearly
  lr_k = 1.0 - 0.9 k / 100 (``LinearDecay``), for 100 steps.

Each step is the loop the seeds draw: forward pass over all points, the loss, backward pass
(every one of the ~340 parameters gets its gradient from the chain rule), then w <- w - lr * grad.
It reaches 100% training accuracy. The pictures: the decision boundary (where the score
crosses 0) over the data, and the loss and accuracy per step.
"""

from __future__ import annotations

import argparse

import numpy as np
from _plotting import decision_boundary, out_dir, plt, save

from microgrid import evaluate, fit, nn, optim, predict
from microgrid.data import make_moons
from microgrid.regularization import l2_penalty
from microgrid.schedules import LinearDecay


def main(argv: list[str] | None = None) -> dict:
    """Train, print what happened, draw the pictures; returns the numbers it printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/moons/)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--points", type=int, default=100, help="data points (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--grid", type=int, default=80, help="boundary plot resolution")
    parser.add_argument(
        "--quick", action="store_true", help="10 steps on 30 points, coarse plot (for tests)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.points, args.grid = 10, 30, 25
    out = out_dir("moons", args.out)

    # -- data: two moons, labels -1 / +1 for the hinge loss
    X, y01 = make_moons(args.points, noise=0.1, seed=args.seed)
    y = 2 * y01 - 1

    # -- model: 2 inputs -> 16 ReLU -> 16 ReLU -> 1 linear score
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=args.seed)
    print(model.summary())

    # -- optimizer and schedule: SGD, lr = 1.0 - 0.9 k / 100, as micrograd
    opt = optim.SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(opt, total_steps=100, end_factor=0.1)

    # -- training: full batch (one update per epoch), hinge loss + L2 penalty
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=opt,
        epochs=args.steps,
        batch_size=None,
        schedule=schedule,
        penalty=lambda params: l2_penalty(params, alpha=2e-4),
        metrics=["accuracy"],
        seed=args.seed,
    )
    for k in sorted({0, len(history.loss) // 2, len(history.loss) - 1}):
        print(
            f"step {k:3d}  lr {history.lr[k]:.3f}  hinge loss {history.loss[k]:.4f}  "
            f"accuracy {history.metrics['accuracy'][k]:.0%}"
        )
    # fit measures accuracy during each step, before its update: measure the trained model too
    final = evaluate(model, X, y, loss="hinge", metrics=["accuracy"])
    print(
        f"after {args.steps} steps: hinge loss {final['loss']:.4f}, "
        f"training accuracy {final['accuracy']:.0%}"
    )

    # -- pictures
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    decision_boundary(
        ax,
        lambda points: predict(model, points),
        X,
        y01,
        threshold=0.0,
        resolution=args.grid,
        names=("y = -1", "y = +1"),
    )
    ax.set_title(
        f"MLP 2-16-16-1 (ReLU) after {args.steps} SGD steps: "
        f"{final['accuracy']:.0%} training accuracy"
    )
    ax.legend(loc="upper right", framealpha=0.9)
    save(fig, out / "decision_boundary.png")

    fig, ax1 = plt.subplots(figsize=(6.4, 4.0))
    steps = np.arange(len(history.loss))
    ax1.plot(steps, history.loss, color="#1f77b4", label="hinge loss (mean)")
    ax1.set_xlabel("step (full batch)")
    ax1.set_ylabel("hinge loss", color="#1f77b4")
    ax2 = ax1.twinx()
    ax2.plot(steps, history.metrics["accuracy"], color="#ff7f0e", label="training accuracy")
    ax2.set_ylabel("training accuracy", color="#ff7f0e")
    ax2.set_ylim(0, 1.05)
    ax1.set_title(f"Training: hinge loss and accuracy per step (final {final['accuracy']:.0%})")
    ax1.grid(alpha=0.3)
    lines = ax1.get_lines() + ax2.get_lines()
    ax1.legend(lines, [line.get_label() for line in lines], loc="center right")
    save(fig, out / "loss_curve.png")

    return {
        "loss": history.loss,
        "accuracy": history.metrics["accuracy"],
        "final_loss": final["loss"],
        "final_accuracy": final["accuracy"],
        "out": out,
    }


if __name__ == "__main__":
    main()
