"""Without activations a deep network is one linear map (seed 000 Q3, seed 001 Q1, seed 003).

Run it:  python demos/linear_collapse.py          (a few seconds)
         python demos/linear_collapse.py --quick  (fewer points and epochs, for tests)

The seeds: "如果不使用激活函数,无论神经网络有多少层,输出都是输入的线性组合". Here is why, in
numbers. A layer without activation computes h = W h_prev + b. Three of them in a row give

    out = W3 (W2 (W1 x + b1) + b2) + b3 = (W3 W2 W1) x + (W3 W2 b1 + W3 b2 + b3) = W x + b

so the whole network is one linear map W (a 1x2 matrix here) and one bias b, whatever its depth
and width. The demo

1. builds an MLP 2-4-4-1 with linear activations, reads its weights, multiplies them out into
   W and b (numpy), and shows the network and the single map agree at every point of a grid
   (to rounding, about 1e-15);
2. asks the engine for d out / d x at many points: it is W every time (a linear map has the
   same slope everywhere), while the same weights with tanh give a slope that changes with x;
3. trains a deep linear MLP 2-8-8-1 and a tanh MLP 2-8-8-1 on a curved target
   y = x0 x1 + x0 / 2: the deep linear one stops at the least-squares line's error (computed
   by numpy, the best any linear map can do) and cannot go below it; tanh goes far below.
"""

from __future__ import annotations

import argparse

import numpy as np
from _args import positive_int
from _plotting import out_dir, plt, save

from microgrid import Value, evaluate, fit, nn, optim, predict

COLORS = {"linear": "#d62728", "tanh": "#1f77b4"}


def layer_matrices(model: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each layer's weights as a matrix W (nout x nin) and its biases as a vector b."""
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
        b = np.array([neuron.b.data for neuron in layer.neurons])
        out.append((W, b))
    return out


def collapse(model: nn.MLP) -> tuple[np.ndarray, np.ndarray]:
    """Multiply the layers out: the one map x -> W x + b a linear network computes."""
    W, b = layer_matrices(model)[0]
    for W_next, b_next in layer_matrices(model)[1:]:
        W, b = W_next @ W, W_next @ b + b_next
    return W, b


def input_gradient(model: nn.MLP, point: np.ndarray) -> np.ndarray:
    """d out / d x at one point, from the engine's backward pass."""
    xs = [Value(float(v), label=f"x{i}") for i, v in enumerate(point)]
    model(xs).backward()
    model.zero_grad()  # the weights' grads are not wanted here
    return np.array([x.grad for x in xs])


def target(X: np.ndarray) -> np.ndarray:
    """The curved function both networks are trained on: y = x0 x1 + x0 / 2."""
    return X[:, 0] * X[:, 1] + 0.5 * X[:, 0]


def main(argv: list[str] | None = None) -> dict:
    """Collapse a linear MLP, check it, train linear vs tanh; print and draw; return numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/linear_collapse/)")
    parser.add_argument(
        "--points", type=positive_int, default=40, help="training points (default 40)"
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=150, help="training epochs (default 150)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="fewer points and epochs (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.epochs = 20, 60
    out = out_dir("linear_collapse", args.out)
    rng = np.random.default_rng(args.seed)

    # -- 1. three linear layers, multiplied out into one map
    deep = nn.MLP(2, [4, 4, 1], activation="linear", seed=args.seed)
    for layer in deep.layers:  # biases start at 0; random ones make b a real sum of terms
        for neuron in layer.neurons:
            neuron.b.data = float(rng.uniform(-1.0, 1.0))
    W, b = collapse(deep)
    print(f"MLP 2-4-4-1 without activations ({deep.num_parameters()} parameters) collapses to")
    print(f"  out = {W[0, 0]:+.4f} x0 {W[0, 1]:+.4f} x1 {b[0]:+.4f}   (2 weights and 1 bias)")
    side = np.linspace(-2.0, 2.0, 41)
    gx, gy = np.meshgrid(side, side)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    network_out = predict(deep, grid)
    single_out = grid @ W[0] + b[0]
    collapse_gap = float(np.abs(network_out - single_out).max())
    print(f"  largest |network - single map| over {len(grid)} grid points: {collapse_gap:.1e}")

    # -- 2. the slope d out / d x: constant for the linear net, changing for tanh
    curved = nn.MLP(2, [4, 4, 1], activation="tanh", seed=args.seed)
    curved.load_state_dict(deep.state_dict())  # the very same weights and biases
    probes = rng.uniform(-2.0, 2.0, size=(8, 2))
    linear_slopes = np.array([input_gradient(deep, p) for p in probes])
    tanh_slopes = np.array([input_gradient(curved, p) for p in probes])
    slope_gap = float(np.abs(linear_slopes - W[0]).max())
    tanh_spread = float(np.ptp(tanh_slopes, axis=0).max())
    print(f"\nd out / d x at {len(probes)} random points (engine's backward pass):")
    print(f"  linear net: always W, largest difference {slope_gap:.1e}")
    print(f"  tanh net, same weights: the slope varies by up to {tanh_spread:.3f} between points")

    # -- 3. training on a curved target: depth without activations buys nothing
    X = rng.uniform(-2.0, 2.0, size=(args.points, 2))
    y = target(X)
    design = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    best_line = float(np.mean((design @ coef - y) ** 2))
    curves, final = {}, {}
    for activation in ("linear", "tanh"):
        model = nn.MLP(2, [8, 8, 1], activation=activation, init="xavier_uniform", seed=1)
        opt = optim.Adam(model.parameters(), lr=0.05)
        history = fit(model, X, y, loss="mse", optimizer=opt, epochs=args.epochs, seed=args.seed)
        curves[activation] = history.loss
        final[activation] = evaluate(model, X, y, loss="mse")["loss"]
    print(f"\ntraining MLP 2-8-8-1 on y = x0 x1 + x0/2 ({args.points} points, Adam, MSE):")
    print(f"  best any linear map can do (numpy least squares): {best_line:.4f}")
    print(f"  deep linear net after {args.epochs} epochs:            {final['linear']:.4f}")
    print(f"  tanh net after {args.epochs} epochs:                   {final['tanh']:.4f}")

    # -- pictures
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.9))
    levels = np.linspace(single_out.min(), single_out.max(), 11)
    ax = axes[0]
    ax.contour(
        gx,
        gy,
        network_out.reshape(gx.shape),
        levels=levels,
        colors=COLORS["linear"],
        linewidths=5,
        alpha=0.45,
        negative_linestyles="solid",
    )
    dashed = ax.contour(
        gx, gy, single_out.reshape(gx.shape), levels=levels, colors="black", linestyles="--"
    )
    ax.clabel(dashed, fmt="%.1f", fontsize=8)
    ax.plot([], [], color=COLORS["linear"], lw=5, alpha=0.45, label="MLP 2-4-4-1, no activation")
    ax.plot([], [], "k--", label=f"one map {W[0, 0]:.2f} x0 {W[0, 1]:+.2f} x1 {b[0]:+.2f}")
    ax.set_title(f"Three linear layers = one linear map\n(largest gap {collapse_gap:.0e})")
    ax = axes[1]
    tanh_out = predict(curved, grid).reshape(gx.shape)
    lines = ax.contour(
        gx, gy, tanh_out, levels=11, colors=COLORS["tanh"], negative_linestyles="solid"
    )
    ax.clabel(lines, fmt="%.2f", fontsize=8)
    ax.plot([], [], color=COLORS["tanh"], label="the same weights with tanh")
    ax.set_title("With an activation: curved level lines\n(the slope changes from point to point)")
    for ax in axes[:2]:
        ax.set_xlabel("x0")
        ax.set_ylabel("x1")
        ax.set_aspect("equal")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.95)
    ax = axes[2]
    epochs = np.arange(1, args.epochs + 1)
    ax.semilogy(epochs, curves["linear"], color=COLORS["linear"], lw=2, label="2-8-8-1, linear")
    ax.semilogy(epochs, curves["tanh"], color=COLORS["tanh"], lw=2, label="2-8-8-1, tanh")
    ax.axhline(best_line, color="black", ls="--", label="best linear map (least squares)")
    ax.set_xlabel("epoch (full batch, Adam lr 0.05)")
    ax.set_ylabel("training MSE (log scale)")
    ax.set_title("Fitting y = x0 x1 + x0/2: depth alone\ncannot beat the straight-line fit")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save(fig, out / "linear_collapse.png")

    return {
        "W": W,
        "b": b,
        "collapse_gap": collapse_gap,
        "linear_slopes": linear_slopes,
        "tanh_slopes": tanh_slopes,
        "best_line_mse": best_line,
        "final_mse": final,
        "curves": curves,
        "model": deep,
        "out": out,
    }


if __name__ == "__main__":
    main()
