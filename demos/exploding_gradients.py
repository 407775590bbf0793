"""Exploding gradients on a deep chain, and gradient clipping (seed 004 Q3, seed 001 Q3, seed 002).

Run it:  python demos/exploding_gradients.py          (a few seconds)
         python demos/exploding_gradients.py --quick  (a shorter chain, fewer steps, for tests)

Part 1, the seed's equation (8). A chain of sigmoid neurons a_j = sigma(z_j), z_j = w_j a_(j-1)
+ b_j, ends in the loss L. Backpropagation to the first bias multiplies one sigma'(z_j) w_j per
neuron:

    dL/db1 = dL/da_d * sigma'(z_d) w_d * ... * sigma'(z_2) w_2 * sigma'(z_1)

sigma' is at most 1/4 (at z = 0). So with small weights the product shrinks by 4 per neuron
(vanishing); the seed's recipe for explosion is large weights with biases that keep every z_j at
0: then each factor is w/4, and with w = 8 the gradient *doubles* at every neuron going back.
The demo builds that chain for w = 1, 4 and 8, takes dL/db_j for every neuron from the engine,
and checks dL/db1 against the product above in plain floats.

Part 2, what it does to training. A deep ReLU MLP 1-6-6-6-6-6-1 whose initial weights are twice
as large as He initialization would draw (ReLU passes gradients with factor 1, so large weights
make them grow layer by layer) learns y = sin(x) by full-batch gradient descent. Its first
gradient has a norm in the hundreds: plain SGD's first steps are several units long, the loss
shoots up by orders of magnitude, and the weights land where most ReLUs never fire again: the
network ends up no better than a constant (the loss of predicting the mean, var(y)). Clipping
rescales the gradient before each step, so the same learning rate walks downhill instead:

* by norm (``optim.clip_grad_norm``): g <- g * max_norm / |g| when |g| > max_norm (the
  direction is kept);
* by value (``optim.clip_grad_value``): each component clamped to [-c, c] (the direction can
  turn).

Both go between ``loss.backward()`` and ``opt.step()``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from _args import positive_float, positive_int
from _plotting import out_dir, plt, save

from microgrid import Value, losses, nn, no_grad, optim
from microgrid.optim import clip_grad_norm, clip_grad_value

CHAIN_WEIGHTS = {1.0: "#1f77b4", 4.0: "#7f7f7f", 8.0: "#d62728"}
RUN_COLORS = {"no clipping": "#d62728", "clip by norm": "#1f77b4", "clip by value": "#2ca02c"}


# -------------------------------------------------------------------------- part 1: the chain


def chain_gradients(depth: int, w: float, x: float = 1.0, y: float = 1.0) -> dict:
    """The seed's chain with every weight w and biases that make every z_j = 0.

    Returns the engine's dL/db_j for j = 1..depth, with L = 1/2 (a_depth - y)^2, and eq. (8)'s
    product for dL/db1 computed in plain floats from the forward values.
    """
    a: Value = Value(x, label="a0")
    biases, factors = [], []
    previous = x
    for j in range(1, depth + 1):
        w_j = Value(w, label=f"w{j}")
        b_j = Value(-w * previous, label=f"b{j}")  # z_j = w a_(j-1) + b_j = 0
        a = (w_j * a + b_j).sigmoid()
        a.label = f"a{j}"
        biases.append(b_j)
        factors.append(a.data * (1.0 - a.data))  # sigma'(z_j) = a_j (1 - a_j)
        previous = a.data
    loss = 0.5 * (a - y) ** 2
    loss.backward()
    product = (a.data - y) * factors[0]  # dL/da_d, then sigma'(z_1) ...
    for s in factors[1:]:
        product *= s * w  # ... and one sigma'(z_j) w_j per later neuron
    return {"grads": [b.grad for b in biases], "eq8": product}


# ------------------------------------------------------------------ part 2: training, clipped


def grad_norm(params: list[Value]) -> float:
    """|g| = sqrt(sum of grad^2) over all the parameters."""
    return math.sqrt(math.fsum(p.grad**2 for p in params))


def large_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> float:
    """Weights drawn with twice He's standard deviation: N(0, (2 sqrt(2 / fan_in))^2)."""
    return float(rng.normal(0.0, 2.0 * math.sqrt(2.0 / fan_in)))


def alive_fraction(model: nn.MLP, X: np.ndarray) -> float:
    """Share of hidden ReLU units whose output is > 0 for at least one training input."""
    fired = [[False] * layer.nout for layer in model.layers[:-1]]
    with no_grad():
        for x in X:
            out = [float(x)]
            for i, layer in enumerate(model.layers[:-1]):
                out = layer(out)
                for j, o in enumerate(out):
                    fired[i][j] |= o.data > 0.0
    return sum(map(sum, fired)) / sum(map(len, fired))


def train(X: np.ndarray, y: np.ndarray, steps: int, lr: float, clip: str | None, c: float):
    """Full-batch SGD on the MSE; ``clip`` is None, "norm" or "value" (with threshold c)."""
    model = nn.MLP(1, [6, 6, 6, 6, 6, 1], activation="relu", init=large_init, seed=0)
    params = model.parameters()
    opt = optim.SGD(params, lr=lr)
    loss_curve, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = losses.mse([model([x]) for x in X], y.tolist())  # forward pass
        loss.backward()  # backward pass
        norms.append(grad_norm(params))  # before clipping
        if clip == "norm":
            clip_grad_norm(params, c)
        elif clip == "value":
            clip_grad_value(params, c)
        loss_curve.append(loss.data)
        opt.step()
    final = losses.mse([model([x]) for x in X], y.tolist()).data
    return {"loss": loss_curve, "norm": norms, "final": final, "alive": alive_fraction(model, X)}


def main(argv: list[str] | None = None) -> dict:
    """Part 1 (the chain) and part 2 (training with and without clipping); print, draw, return."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output folder (default demos/out/exploding_gradients/)")
    parser.add_argument(
        "--depth", type=positive_int, default=12, help="neurons in the chain (part 1)"
    )
    parser.add_argument("--steps", type=positive_int, default=200, help="SGD steps (part 2)")
    parser.add_argument(
        "--points", type=positive_int, default=16, help="samples of sin(x) (part 2)"
    )
    parser.add_argument(
        "--lr", type=positive_float, default=0.01, help="SGD learning rate (part 2)"
    )
    parser.add_argument("--clip", type=positive_float, default=1.0, help="max norm / max value")
    parser.add_argument("--quick", action="store_true", help="shorter chain, fewer steps (tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.depth, args.steps, args.points = 8, 60, 10
    out = out_dir("exploding_gradients", args.out)

    # -- part 1
    chains = {w: chain_gradients(args.depth, w) for w in CHAIN_WEIGHTS}
    print(f"part 1: a chain of {args.depth} sigmoid neurons, every z_j = 0 (sigma' = 1/4)")
    print(f"{'w':>4}  {'dL/db1 (engine)':>16}  {'eq. (8) product':>16}  {'dL/db_last':>11}")
    for w, c in chains.items():
        print(f"{w:>4g}  {c['grads'][0]:>16.6e}  {c['eq8']:>16.6e}  {c['grads'][-1]:>11.4e}")
    print("each neuron going back multiplies the gradient by w/4: 1/4, 1, 2")

    # -- part 2
    X = np.linspace(-2.0, 2.0, args.points)
    y = np.sin(X)
    runs = {
        "no clipping": train(X, y, args.steps, args.lr, None, args.clip),
        "clip by norm": train(X, y, args.steps, args.lr, "norm", args.clip),
        "clip by value": train(X, y, args.steps, args.lr, "value", args.clip),
    }
    constant = float(np.var(y))
    first = runs["no clipping"]["norm"][0]
    print(
        f"\npart 2: ReLU MLP 1-6-6-6-6-6-1, weights 2x He's size, {args.points} samples of "
        f"sin(x), SGD lr {args.lr}, {args.steps} steps"
    )
    print(f"first gradient norm {first:.1f}: an unclipped first step {args.lr * first:.2f} long")
    print(f"best constant prediction: MSE = var(y) = {constant:.4f}")
    for name, run in runs.items():
        print(
            f"  {name:>13}: final MSE {run['final']:.4f}, "
            f"hidden ReLUs still firing {run['alive']:.0%}"
        )

    # -- pictures
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.9))
    ax = axes[0]
    layers = np.arange(1, args.depth + 1)
    for w, color in CHAIN_WEIGHTS.items():
        grads = np.abs(chains[w]["grads"])
        ax.semilogy(layers, grads, "o-", color=color, lw=2, label=f"w = {w:g} (factor {w / 4:g})")
    ax.set_xticks(layers)
    ax.set_xlabel("neuron j in the chain (1 = next to the input)")
    ax.set_ylabel("|dL/db_j| (log scale)")
    ax.set_title("Eq. (8): each neuron multiplies by sigma'(z) w = w/4")
    ax.grid(alpha=0.3)
    ax.legend()
    steps = np.arange(1, args.steps + 1)
    for name, run in runs.items():
        axes[1].semilogy(steps, run["loss"], color=RUN_COLORS[name], lw=2, label=name)
        axes[2].semilogy(steps, run["norm"], color=RUN_COLORS[name], lw=2, label=name)
    axes[1].axhline(constant, color="black", ls=":", label="best constant prediction")
    axes[1].set_ylabel("training MSE (log scale)")
    axes[1].set_title(f"Deep ReLU net, large init: SGD lr {args.lr}, clip {args.clip:g}")
    axes[2].axhline(args.clip, color="black", ls=":", label=f"clipping threshold {args.clip:g}")
    axes[2].set_ylabel("gradient norm |g| before clipping (log scale)")
    axes[2].set_title("The gradient's size at each step")
    for ax in axes[1:]:
        ax.set_xlabel("SGD step (full batch)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    save(fig, out / "exploding_gradients.png")

    return {"chains": chains, "runs": runs, "constant_mse": constant, "out": out}


if __name__ == "__main__":
    main()
