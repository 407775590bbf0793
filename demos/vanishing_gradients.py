"""Vanishing gradients (seed 003, Q3): in a deep sigmoid network the first layers barely learn.

Run it:  python demos/vanishing_gradients.py          (a few seconds)
         python demos/vanishing_gradients.py --quick  (a narrower net on fewer points)

Backpropagation multiplies local derivatives along the path from the loss back to a weight.
Through a sigmoid neuron that factor is sigmoid'(net) = out (1 - out), at most 1/4 (at net = 0),
and close to 0 once the neuron saturates (seed 003: "梯度饱和 / 梯度弥散"). A weight in the first
layer of a 10-layer network sits behind nine such factors, so its gradient is roughly
(1/4 * |w|)^9 smaller than the last layer's: it hardly moves, whatever the learning rate.

ReLU's derivative is exactly 1 wherever the neuron is active, so the chain of factors does not
shrink by itself; with He initialization (weights scaled to keep the signal's size through ReLU
layers) the gradient reaches the first layer at about the same size as the middle layers.
tanh (slope up to 1, zero-centred) is drawn too, for comparison.

The experiment: three MLPs with 10 layers of weights (nine hidden layers of ``--width`` neurons
and one linear output), identical but for the activation, each with its recommended
initialization (sigmoid and tanh: Xavier/Glorot; ReLU: He). One forward pass over a batch of
moons points, the mean squared error against the labels, one backward pass; then, per layer,
the mean |dLoss/dw| over that layer's weights (biases left out). Nothing is trained.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from _plotting import out_dir, plt, save

from microgrid import losses, nn
from microgrid.data import make_moons

#: activation -> the initialization it is usually paired with
SETUPS = {"sigmoid": "xavier_uniform", "tanh": "xavier_uniform", "relu": "he_uniform"}
COLORS = {"sigmoid": "#d62728", "tanh": "#9467bd", "relu": "#1f77b4"}


def layer_gradients(model: nn.MLP, X: np.ndarray, y: np.ndarray) -> list[float]:
    """One forward and backward pass over (X, y); mean |grad| of each layer's weights."""
    model.zero_grad()
    predictions = [model(list(x)) for x in X]  # forward pass
    loss = losses.mse(predictions, y.tolist())
    loss.backward()  # backward pass: every weight's grad
    per_layer: dict[str, list[float]] = defaultdict(list)
    for name, p in model.named_parameters():  # names like "layer3.neuron2.w0"
        layer, _, weight = name.split(".")
        if weight.startswith("w"):
            per_layer[layer].append(abs(p.grad))
    return [float(np.mean(per_layer[f"layer{i}"])) for i in range(len(model.layers))]


def main(argv: list[str] | None = None) -> dict:
    """Measure the gradient size per layer for each activation; print a table; draw it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/vanishing_gradients/)")
    parser.add_argument("--depth", type=int, default=10, help="layers of weights (default 10)")
    parser.add_argument("--width", type=int, default=10, help="neurons per hidden layer")
    parser.add_argument("--points", type=int, default=32, help="batch size (moons points)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quick", action="store_true", help="narrower net, fewer points (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.width, args.points = 6, 8
    out = out_dir("vanishing_gradients", args.out)

    X, y = make_moons(args.points, noise=0.1, seed=args.seed)
    hidden = [args.width] * (args.depth - 1)
    grads = {}
    for activation, init in SETUPS.items():
        model = nn.MLP(2, hidden + [1], activation=activation, init=init, seed=args.seed)
        grads[activation] = layer_gradients(model, X, y)

    print(
        f"mean |dLoss/dw| per layer: MLP 2-{'-'.join(map(str, hidden))}-1, "
        f"{args.points} moons points, MSE loss\n"
    )
    header = f"{'layer':>5}  " + "  ".join(f"{a + ' (' + SETUPS[a] + ')':>24}" for a in SETUPS)
    print(header)
    for i in range(args.depth):
        cells = "  ".join(f"{grads[a][i]:>24.3e}" for a in SETUPS)
        side = "  <- input side" if i == 0 else "  <- output layer" if i == args.depth - 1 else ""
        print(f"{i + 1:>5}  {cells}{side}")
    print()
    for a in SETUPS:
        print(f"{a:>8}: first layer / last layer = {grads[a][0] / grads[a][-1]:.1e}")
    ratio = grads["relu"][0] / grads["sigmoid"][0]
    print(f"first layer: ReLU's gradient is {ratio:.1e} times sigmoid's")
    print(f"(sigmoid' <= 1/4, and (1/4)^{args.depth - 1} = {0.25 ** (args.depth - 1):.1e})")

    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    layers = np.arange(1, args.depth + 1)
    for a in SETUPS:
        ax.semilogy(layers, grads[a], "o-", color=COLORS[a], lw=2, label=f"{a} ({SETUPS[a]} init)")
    ax.set_xticks(layers)
    ax.set_xlabel("layer (1 = next to the input, last = output)")
    ax.set_ylabel("mean |dLoss/dw| over the layer's weights (log scale)")
    ax.set_title(
        f"Gradient size per layer, {args.depth}-layer MLP (width {args.width}), one backward pass"
    )
    ax.grid(alpha=0.3)
    ax.legend()
    shrink = grads["sigmoid"][-1] / grads["sigmoid"][0]
    ax.annotate(
        f"sigmoid: {shrink:.1e} times smaller\nat layer 1 than at the output",
        (1, grads["sigmoid"][0]),
        xytext=(2.6, grads["sigmoid"][0]),
        va="center",
        arrowprops={"arrowstyle": "->", "color": COLORS["sigmoid"]},
        color=COLORS["sigmoid"],
    )
    save(fig, out / "gradient_per_layer.png")

    return {"gradients": grads, "out": out}


if __name__ == "__main__":
    main()
