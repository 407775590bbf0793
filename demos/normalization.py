"""Normalising the inputs: gradient descent on raw vs standardised features (seed 000 Q7, Q8).

Run it:  python demos/normalization.py          (a few seconds)
         python demos/normalization.py --quick  (fewer samples, milder scales, for tests)

Seed 000 Q7 draws two contour pictures: without normalisation the loss has long thin contours
and gradient descent zig-zags across them ("之字型路线 ... 需要迭代很多次才能收敛"); after
normalisation the contours are round and it converges quickly. It also separates scaling
(归一化: the *size* of each feature) from mean-centring (去均值化: its *offset*). Both are seen
here on a linear model fitted by gradient descent on the mean squared error, with every
gradient from the engine's backward pass:

* scaling: y = w1 x1 + w2 x2 with x1 of spread 1 and x2 of spread 10. The loss
  L(w) = mean((w1 x1 + w2 x2 - y)^2) has curvature 2 mean(x^2) along each weight, so 100 times
  more along w2 than along w1. A step size safe for w2 crawls along w1. ``StandardScaler``
  (z-score, x' = (x - mu) / sigma) gives both the same spread: the bowl is round.
* centring: y = w x + b with x around 5 (spread 1). Now w and b are coupled (changing w by d shifts
  every prediction by about 5 d, which b must undo), the contours are long diagonal ellipses.
  Subtracting the mean (x - mu, keeping the spread) decouples them.

Each run gets the best fixed step size for its own bowl, lr = 2 / (lambda_max + lambda_min),
from the largest and smallest curvatures (eigenvalues of the Hessian 2/n D^T D, from numpy):
each step then shrinks the error by at least (k - 1) / (k + 1), k = lambda_max / lambda_min.
A round bowl (k = 1) is solved in one step; a long thin one zig-zags across its steep
direction while creeping along the flat one. A run has converged when its loss is within 1e-4
of the way from the start to the least-squares minimum (numpy's lstsq); the demo counts the
steps.
"""

from __future__ import annotations

import argparse

import numpy as np
from _args import positive_float, positive_int
from _plotting import out_dir, plt, save

from microgrid import Value, losses, optim
from microgrid.data import StandardScaler

COLORS = {"raw": "#d62728", "normalised": "#1f77b4"}
TOLERANCE = 1e-4


def descend(D: np.ndarray, y: np.ndarray, lr: float, max_steps: int) -> dict:
    """Gradient descent from 0 on L(p) = mean((D p - y)^2), with the engine's gradients.

    Stops when L - L* <= TOLERANCE (L_0 - L*), L* from numpy's least squares.
    """
    params = [Value(0.0, label=f"p{k}") for k in range(D.shape[1])]
    opt = optim.SGD(params, lr=lr)
    best = float(np.mean((D @ np.linalg.lstsq(D, y, rcond=None)[0] - y) ** 2))
    path, loss_curve, first_grad = [[p.data for p in params]], [], None
    for _ in range(max_steps):
        opt.zero_grad()
        predictions = [sum((p * float(d) for p, d in zip(params, row)), Value(0.0)) for row in D]
        loss = losses.mse(predictions, y.tolist())  # forward pass
        loss.backward()  # backward pass
        if first_grad is None:
            first_grad = [p.grad for p in params]
        loss_curve.append(loss.data)
        if loss.data - best <= TOLERANCE * (loss_curve[0] - best):
            break
        opt.step()
        path.append([p.data for p in params])
    converged = loss_curve[-1] - best <= TOLERANCE * (loss_curve[0] - best)
    return {
        "path": np.array(path),
        "loss": loss_curve,
        "steps": len(loss_curve) - 1 if converged else None,
        "best_loss": best,
        "first_grad": np.array(first_grad),
        "lr": lr,
    }


def best_lr(D: np.ndarray) -> float:
    """The best fixed step for L = mean((D p - y)^2): 2 / (lambda_max + lambda_min) of 2/n D^T D."""
    curvatures = np.linalg.eigvalsh(2.0 / len(D) * D.T @ D)
    return 2.0 / float(curvatures.max() + curvatures.min())


def draw_bowl(ax: plt.Axes, D: np.ndarray, y: np.ndarray, run: dict, form: str, spec: dict):
    """Loss contours over the two parameters, and the path gradient descent took."""
    path = run["path"]
    solution = np.linalg.lstsq(D, y, rcond=None)[0]
    lo = np.minimum(path.min(axis=0), solution)
    hi = np.maximum(path.max(axis=0), solution)
    pad = 0.25 * (hi - lo).max()
    g0 = np.linspace(lo[0] - pad, hi[0] + pad, 160)
    g1 = np.linspace(lo[1] - pad, hi[1] + pad, 160)
    P0, P1 = np.meshgrid(g0, g1)
    residual = D[:, 0, None, None] * P0 + D[:, 1, None, None] * P1 - y[:, None, None]
    L = np.mean(residual**2, axis=0)
    best = run["best_loss"]
    levels = best + (run["loss"][0] - best) * np.geomspace(1e-3, 1.5, 12)
    ax.contour(P0, P1, L, levels=levels, colors="#999999", linewidths=0.8)
    color = COLORS[form]
    shown = 30  # every step at first; after that every other one (the zig-zag would fill in)
    ax.plot(path[: shown + 1, 0], path[: shown + 1, 1], ".-", color=color, lw=1.2, ms=4)
    if len(path) > shown + 1:
        tail = path[shown::2]
        ax.plot(tail[:, 0], tail[:, 1], "-", color=color, lw=2, alpha=0.6)
        ax.plot([], [], "-", color=color, lw=2, alpha=0.6, label="after step 30, every 2nd")
    ax.plot(*path[0], "ko", ms=6, label="start")
    ax.plot(*solution, "*", color="black", ms=13, label="least-squares minimum")
    steps = run["steps"]
    done = f"{steps} step{'s' if steps != 1 else ''}" if steps is not None else "no convergence"
    ax.set_title(f"{spec['titles'][form]}\n{done} (lr {run['lr']:.3g})", fontsize=10)
    prime = "'" if form == "normalised" else ""
    ax.set_xlabel(spec["names"][0].replace(")", prime + ")"))
    ax.set_ylabel(spec["names"][1])
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")


def main(argv: list[str] | None = None) -> dict:
    """Four gradient descents (scaling, centring; raw, normalised); print steps; draw."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/normalization/)")
    parser.add_argument("--points", type=positive_int, default=40, help="samples (default 40)")
    parser.add_argument(
        "--scale", type=positive_float, default=10.0, help="spread of x2 (default 10)"
    )
    parser.add_argument("--offset", type=float, default=5.0, help="mean of x (default 5)")
    parser.add_argument(
        "--max-steps", type=positive_int, default=3000, help="give up after this many"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the data")
    parser.add_argument("--quick", action="store_true", help="fewer samples, milder scales")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.scale, args.offset = 16, 5.0, 3.0
    if args.points < 3:
        parser.error(
            f"--points must be at least 3 (two weights need more samples), got {args.points}"
        )
    out = out_dir("normalization", args.out)
    rng = np.random.default_rng(args.seed)

    # -- scaling: two features, spreads 1 and args.scale, exactly centred
    X = rng.normal(size=(args.points, 2)) * np.array([1.0, args.scale])
    X -= X.mean(axis=0)
    y_scaling = 2.0 * X[:, 0] + 0.3 * X[:, 1] + rng.normal(0.0, 0.1, args.points)
    y_scaling -= y_scaling.mean()
    scaled = StandardScaler().fit_transform(X)
    # -- centring: one feature around args.offset, spread 1, and a bias
    x = rng.normal(args.offset, 1.0, args.points)
    y_centring = 1.5 * x - 4.0 + rng.normal(0.0, 0.1, args.points)
    ones = np.ones(args.points)
    problems = {
        "scaling": {
            "raw": np.column_stack([X[:, 0], X[:, 1]]),
            "normalised": scaled,
            "y": y_scaling,
            "names": ("w1 (weight of x1)", "w2 (weight of x2)"),
            "titles": {
                "raw": "scaling: raw x1, x2",
                "normalised": "scaling: standardised x' = (x - mu) / sigma",
            },
        },
        "centring": {
            "raw": np.column_stack([x, ones]),
            "normalised": np.column_stack([x - x.mean(), ones]),
            "y": y_centring,
            "names": ("w (weight of x)", "b (bias)"),
            "titles": {"raw": "centring: raw x", "normalised": "centring: x' = x - mu"},
        },
    }

    results: dict[str, dict] = {}
    for problem, spec in problems.items():
        results[problem] = {}
        for form in ("raw", "normalised"):
            D = spec[form]
            run = descend(D, spec["y"], best_lr(D), args.max_steps)
            run["condition"] = float(np.linalg.cond(D.T @ D))
            results[problem][form] = run

    print(f"gradient descent on the MSE of a linear model, {args.points} samples")
    print(f"best fixed step 2 / (lambda_max + lambda_min) each; converged = {TOLERANCE:g} left\n")
    for problem, forms in results.items():
        what = (
            f"x2 spread {args.scale:g} vs x1 spread 1"
            if problem == "scaling"
            else f"x around {args.offset:g}, y = w x + b"
        )
        print(f"{problem} ({what}):")
        for form, run in forms.items():
            label = "standardised" if problem == "scaling" else "mean-centred"
            name = "raw" if form == "raw" else label
            steps = run["steps"]
            count = (
                f">{args.max_steps} steps"
                if steps is None
                else f"{steps} step" + "s" * (steps != 1)
            )
            print(
                f"  {name:>13}: curvature ratio {run['condition']:8.1f}, lr {run['lr']:.4f}, "
                f"{count}"
            )
        raw, norm = forms["raw"]["steps"], forms["normalised"]["steps"]
        if raw is not None and norm:
            print(f"  -> {raw / norm:.0f} times fewer steps after normalising")

    # -- pictures: the bowls with the paths, and the loss per step
    fig, axes = plt.subplots(2, 3, figsize=(16, 10), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    for row, (problem, spec) in enumerate(problems.items()):
        label = "standardised (z-score)" if problem == "scaling" else "mean-centred (x - mu)"
        for col, form in enumerate(("raw", "normalised")):
            draw_bowl(axes[row, col], spec[form], spec["y"], results[problem][form], form, spec)
        ax = axes[row, 2]
        for form, run in results[problem].items():
            gap = np.array(run["loss"]) - run["best_loss"]
            ax.semilogy(
                np.maximum(gap, 1e-16),
                color=COLORS[form],
                lw=2,
                label="raw" if form == "raw" else label,
            )
        ax.set_xlabel("gradient-descent step")
        ax.set_ylabel("loss - least-squares minimum (log scale)")
        ax.set_title(f"{problem}: how fast the loss reaches its minimum", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle("Zig-zag on long thin contours (raw) vs straight to the minimum (normalised)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    save(fig, out / "normalization.png")

    return {"results": results, "problems": problems, "out": out}


if __name__ == "__main__":
    main()
