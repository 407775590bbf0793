"""Six optimizers race downhill: SGD, momentum, Nesterov, Adagrad, RMSprop and Adam, side by side.

Run it:  python demos/optimizers.py          (a few seconds)
         python demos/optimizers.py --quick  (fewer steps, coarser arrows)

Seed 001 runs gradient descent on f(x) = x0^2 + x1^2 from (-3, 4) with lr 0.1 for 100 steps,
and draws the negative gradient -grad f as a field of arrows (``plt.quiver``): at every point
the arrow shows the way downhill. Here every gradient comes from the engine: the point is two
Values, f is built from them, ``backward()`` fills in df/dx0 and df/dx1; and the whole arrow
field is checked against ``microgrid.numerical_gradient`` (central differences).

Each optimizer from ``microgrid.optim`` then takes the two Values as its parameters and runs the
loop of seed 001: zero the grads, compute f (forward pass), backward pass, step.

1. The bowl f = x0^2 + x1^2, every optimizer with the seed's lr 0.1, 100 steps. On a round bowl
   -grad f points straight at the minimum, so SGD, momentum and Nesterov all travel one straight
   line: plain SGD shrinks x by (1 - 2 lr) = 0.8 per step; momentum (0.9) overshoots far past the
   minimum and swings back and forth; Nesterov's look-ahead damps the swing. Adagrad's steps
   shrink as the squared gradients pile up (由快到慢): after 100 steps it is still far away.
   RMSprop and Adam divide each coordinate's gradient by its own running size, so their first
   steps are equal in x0 and x1 (diagonal, not aimed at the minimum) and their paths bend.
2. Rosenbrock's banana valley f = (1 - x0)^2 + 100 (x1 - x0^2)^2, minimum at (1, 1), from
   (-1.5, 2), 2000 steps. One lr no longer fits all (a choice, stated here and in the plot):
   SGD, momentum and Nesterov use 1e-3, about the largest that does not blow up where the run
   starts (the steepest curvature there is about 2100, and a gradient step overshoots unless
   lr < 2 / curvature; with 1.2e-3 plain SGD first climbs from f = 12.5 to 40);
   Adagrad 0.5, RMSprop 3e-3, Adam 0.05. The valley walls are steep and its floor nearly flat:
   momentum and Nesterov bounce between the walls at first, then build up speed along the floor;
   plain SGD and Adagrad crawl along it; Adam, rescaling each coordinate, ends closest.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from _plotting import out_dir, plt, save

from microgrid import Value, numerical_gradient, optim

# ---------------------------------------------------------------------------- the two functions


def bowl(x0, x1):
    """Seed 001's f(x) = x0^2 + x1^2 (works on floats and on Values alike)."""
    return x0**2 + x1**2


def rosenbrock(x0, x1):
    """Rosenbrock's banana function (1 - x0)^2 + 100 (x1 - x0^2)^2, minimum 0 at (1, 1)."""
    return (1 - x0) ** 2 + 100 * (x1 - x0**2) ** 2


def engine_gradient(f: Callable, x0: float, x1: float) -> tuple[float, float]:
    """(df/dx0, df/dx1) at one point, by the engine: forward pass on Values, then backward."""
    a, b = Value(x0, label="x0"), Value(x1, label="x1")
    f(a, b).backward()
    return a.grad, b.grad


def gradient_field(f: Callable, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, float]:
    """The engine's gradient at every grid point, and its largest gap to finite differences.

    Returns (grads of shape (len(ys), len(xs), 2), max |engine - numerical| over the grid).
    """
    grads = np.zeros((len(ys), len(xs), 2))
    worst = 0.0
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            grads[i, j] = engine_gradient(f, float(xv), float(yv))
            numeric = numerical_gradient(f, [float(xv), float(yv)], eps=1e-6)
            worst = max(worst, float(np.max(np.abs(grads[i, j] - numeric))))
    return grads, worst


# ---------------------------------------------------------------------------- the optimizers

#: name -> how to build it over the parameters with a given lr
OPTIMIZERS: dict[str, Callable[[list[Value], float], optim.Optimizer]] = {
    "SGD": lambda p, lr: optim.SGD(p, lr=lr),
    "Momentum 0.9": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9),
    "Nesterov 0.9": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda p, lr: optim.Adagrad(p, lr=lr),
    "RMSprop": lambda p, lr: optim.RMSprop(p, lr=lr),
    "Adam": lambda p, lr: optim.Adam(p, lr=lr),
}

COLORS = dict(zip(OPTIMIZERS, ["#222222", "#1f77b4", "#17becf", "#2ca02c", "#9467bd", "#d62728"]))

#: Rosenbrock's learning rates (see the module docstring for why they differ).
ROSENBROCK_LR = {
    "SGD": 1e-3,
    "Momentum 0.9": 1e-3,
    "Nesterov 0.9": 1e-3,
    "Adagrad": 0.5,
    "RMSprop": 3e-3,
    "Adam": 0.05,
}


def descend(
    f: Callable, start: tuple[float, float], make: Callable, lr: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run one optimizer from ``start``; returns the path (steps+1, 2) and f along it."""
    x = [Value(start[0], label="x0"), Value(start[1], label="x1")]
    opt = make(x, lr)
    path, values = [start], []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(*x)  # forward pass
        values.append(loss.data)
        loss.backward()  # backward pass: x0.grad, x1.grad
        opt.step()  # the optimizer's update rule
        path.append((x[0].data, x[1].data))
    values.append(f(*path[-1]))
    return np.array(path), np.array(values)


# ---------------------------------------------------------------------------- drawing


def draw_problem(
    ax: plt.Axes,
    f: Callable,
    box: tuple[float, float, float, float],
    arrows: int,
    paths: dict[str, np.ndarray],
    minimum: tuple[float, float],
    normalize: bool,
    log_levels: bool,
) -> float:
    """Contours of f, the -grad f arrows, and every optimizer's path; returns the gradcheck gap."""
    x_lo, x_hi, y_lo, y_hi = box
    gx, gy = np.linspace(x_lo, x_hi, 200), np.linspace(y_lo, y_hi, 200)
    xx, yy = np.meshgrid(gx, gy)
    zz = f(xx, yy)
    if log_levels:
        levels = np.logspace(-1, np.log10(zz.max()), 14)
        ax.contour(xx, yy, zz, levels=levels, colors="#bbbbbb", linewidths=0.8)
    else:
        ax.contour(xx, yy, zz, levels=14, colors="#bbbbbb", linewidths=0.8)

    ax_, ay_ = np.linspace(x_lo, x_hi, arrows), np.linspace(y_lo, y_hi, arrows)
    grads, worst = gradient_field(f, ax_, ay_)
    u, v = -grads[..., 0], -grads[..., 1]
    if normalize:  # Rosenbrock's gradients span 4 orders of magnitude: show direction only
        norm = np.hypot(u, v)
        norm[norm == 0] = 1.0
        u, v = u / norm, v / norm
    qx, qy = np.meshgrid(ax_, ay_)
    ax.quiver(qx, qy, u, v, angles="xy", color="#9a9a9a", width=0.003, zorder=1)

    for name, path in paths.items():
        ax.plot(
            path[:, 0],
            path[:, 1],
            "-",
            color=COLORS[name],
            lw=3.2 if name == "SGD" else 1.5,  # wide and underneath: the others share its line
            alpha=0.55 if name == "SGD" else 0.95,
            marker="o" if len(path) <= 120 and name != "SGD" else None,
            ms=2.5,
            label=name,
            zorder=2 if name == "SGD" else 3,
        )
    start = next(iter(paths.values()))[0]
    ax.plot(*start, "s", color="black", ms=7, zorder=4)
    ax.annotate("start", start, textcoords="offset points", xytext=(6, 6))
    ax.plot(*minimum, "*", color="gold", mec="black", ms=15, zorder=5)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    return worst


def run_problem(
    title: str,
    f: Callable,
    start: tuple[float, float],
    minimum: tuple[float, float],
    lrs: dict[str, float],
    steps: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every optimizer on one function; prints a table of where each ended."""
    paths, values = {}, {}
    print(f"\n{title}: start {start}, minimum {minimum}, {steps} steps")
    print(f"  {'optimizer':<13} {'lr':>7}  {'final x':>22}  {'f(x)':>10}  {'distance':>9}")
    for name, make in OPTIMIZERS.items():
        paths[name], values[name] = descend(f, start, make, lrs[name], steps)
        end = paths[name][-1]
        dist = float(np.hypot(*(end - np.array(minimum))))
        print(
            f"  {name:<13} {lrs[name]:>7g}  ({end[0]:>9.5f}, {end[1]:>9.5f})  "
            f"{values[name][-1]:>10.3g}  {dist:>9.3g}"
        )
    return paths, values


def main(argv: list[str] | None = None) -> dict:
    """Run both races, print the tables and gradient checks, draw the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/optimizers/)")
    parser.add_argument("--steps", type=int, default=100, help="steps on the bowl (default 100)")
    parser.add_argument(
        "--rosenbrock-steps", type=int, default=2000, help="steps on Rosenbrock (default 2000)"
    )
    parser.add_argument("--arrows", type=int, default=17, help="arrows per side of the field")
    parser.add_argument("--quick", action="store_true", help="fewer steps and arrows (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.rosenbrock_steps, args.arrows = 40, 300, 9
    out = out_dir("optimizers", args.out)

    bowl_start, bowl_min = (-3.0, 4.0), (0.0, 0.0)
    rosen_start, rosen_min = (-1.5, 2.0), (1.0, 1.0)
    bowl_paths, bowl_values = run_problem(
        "f = x0^2 + x1^2, lr 0.1 for all",
        bowl,
        bowl_start,
        bowl_min,
        dict.fromkeys(OPTIMIZERS, 0.1),
        args.steps,
    )
    rosen_paths, rosen_values = run_problem(
        "Rosenbrock", rosenbrock, rosen_start, rosen_min, ROSENBROCK_LR, args.rosenbrock_steps
    )

    fig, axes = plt.subplots(1, 2, figsize=(14, 6.6))
    gap_bowl = draw_problem(
        axes[0], bowl, (-4.5, 3.5, -3.5, 4.5), args.arrows, bowl_paths, bowl_min, False, False
    )
    axes[0].set_title(f"f = x0² + x1², lr 0.1, {args.steps} steps\narrows: -∇f from backward()")
    gap_rosen = draw_problem(
        axes[1], rosenbrock, (-2, 2, -1, 3), args.arrows, rosen_paths, rosen_min, True, True
    )
    lr_text = ", ".join(f"{k.split()[0]} {v:g}" for k, v in ROSENBROCK_LR.items())
    axes[1].set_title(
        f"Rosenbrock, {args.rosenbrock_steps} steps; arrows: direction of -∇f (normalized)\n"
        f"lr: {lr_text}"
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.subplots_adjust(bottom=0.12)
    save(fig, out / "trajectories.png")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, values, title in (
        (axes[0], bowl_values, "f = x0² + x1² (lr 0.1)"),
        (axes[1], rosen_values, "Rosenbrock"),
    ):
        for name, v in values.items():
            ax.semilogy(np.maximum(v, 1e-30), color=COLORS[name], label=name, lw=1.5)
        ax.set_xlabel("step")
        ax.set_ylabel("f(x) (log scale)")
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=9)
    save(fig, out / "loss_curves.png")

    print(
        "\ngradient check, engine backward() vs numerical_gradient (central differences) "
        "at every arrow:"
    )
    print(f"  bowl:       max |difference| = {gap_bowl:.2e}")
    print(f"  Rosenbrock: max |difference| = {gap_rosen:.2e}")
    return {
        "bowl": bowl_paths,
        "rosenbrock": rosen_paths,
        "bowl_values": bowl_values,
        "rosenbrock_values": rosen_values,
        "gradcheck_gap": {"bowl": gap_bowl, "rosenbrock": gap_rosen},
        "out": out,
    }


if __name__ == "__main__":
    main()
