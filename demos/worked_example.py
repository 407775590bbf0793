"""The seed's worked example, by hand, through microgrid's Python API: read it top to bottom.

Run it:  python demos/worked_example.py                 (prints every step)
         python demos/worked_example.py --out pictures  (also draws the graph and a stepper)

Seed 000 (and the blog it cites) derives backpropagation on a tiny network: two inputs, two
hidden neurons, two outputs, sigmoid everywhere, squared error, learning rate 0.5. Here we build
that network from ``Value``s, one number at a time, and let the engine do the calculus. The
command ``microgrid walkthrough`` prints the same story with more commentary;
``microgrid.app.worked_example.WorkedExample`` packages the same network for reuse.
"""

from __future__ import annotations

import argparse

from microgrid import Value, explain

# --------------------------------------------------------------------------------------------
# 1. The numbers of the seed. Every one is a Value with a label, so it can be named later.
# --------------------------------------------------------------------------------------------
i1, i2 = Value(0.05, label="i1"), Value(0.10, label="i2")  # the inputs
w1, w2, w3, w4 = (Value(x, label=f"w{k}") for k, x in enumerate((0.15, 0.20, 0.25, 0.30), 1))
w5, w6, w7, w8 = (Value(x, label=f"w{k}") for k, x in enumerate((0.40, 0.45, 0.50, 0.55), 5))
b1 = Value(0.35, label="b1")  # one bias shared by both hidden neurons
b2 = Value(0.60, label="b2")  # one bias shared by both output neurons
target_o1, target_o2 = Value(0.01, label="target_o1"), Value(0.99, label="target_o2")
weights = [w1, w2, w3, w4, w5, w6, w7, w8]
LEARNING_RATE = 0.5


def named(value: Value, label: str) -> Value:
    """Give a computed Value the seed's name (net_h1, out_o1, E_total) and return it."""
    value.label = label
    return value


def forward() -> dict[str, Value]:
    """The forward pass (正向传播) as in the seed: net = w*in + w*in + b, out = sigmoid(net)."""
    net_h1 = named(w1 * i1 + w2 * i2 + b1, "net_h1")
    out_h1 = named(net_h1.sigmoid(), "out_h1")
    net_h2 = named(w3 * i1 + w4 * i2 + b1, "net_h2")
    out_h2 = named(net_h2.sigmoid(), "out_h2")
    net_o1 = named(w5 * out_h1 + w6 * out_h2 + b2, "net_o1")
    out_o1 = named(net_o1.sigmoid(), "out_o1")
    net_o2 = named(w7 * out_h1 + w8 * out_h2 + b2, "net_o2")
    out_o2 = named(net_o2.sigmoid(), "out_o2")
    E_o1 = named(0.5 * (target_o1 - out_o1) ** 2, "E_o1")  # capitals: the seed's names
    E_o2 = named(0.5 * (target_o2 - out_o2) ** 2, "E_o2")
    E_total = named(E_o1 + E_o2, "E_total")
    return {v.label: v for v in (out_h1, out_h2, out_o1, out_o2, E_o1, E_o2, E_total)}


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the tutorial; returns the key numbers it printed (for tests)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="folder for the graph pictures and stepper.html")
    parser.add_argument("--steps", type=int, default=10_000, help="training steps at the end")
    parser.add_argument("--quick", action="store_true", help="train only 100 steps at the end")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = 100

    # ----------------------------------------------------------------------------------------
    # 2. Forward pass: every Value remembers its operands and the local derivative to each.
    # ----------------------------------------------------------------------------------------
    v = forward()
    E_total = v["E_total"]
    print("forward pass (正向传播)")
    for name in ("out_h1", "out_h2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total"):
        print(f"  {name:8} = {v[name].data:.9f}")  # the blog: out_o1 = 0.75136507, E = 0.298371109

    # ----------------------------------------------------------------------------------------
    # 3. Backward pass (反向传播): one call fills .grad of every node with dE_total/d(node).
    # ----------------------------------------------------------------------------------------
    E_total.backward()
    print("\nbackward pass (反向传播): dE_total/dw for every weight")
    for w in weights:
        print(f"  dE_total/d{w.label} = {w.grad: .9f}")

    # ----------------------------------------------------------------------------------------
    # 4. The chain rule, written out. explain() lists every path from E_total down to a
    #    weight and multiplies the local derivatives along it, exactly as the seed does by hand.
    #    w5 has one path (through out_o1); w1 has two, because out_h1 feeds both outputs.
    # ----------------------------------------------------------------------------------------
    print()
    print(explain(E_total, w5))
    print()
    print(explain(E_total, w1))
    assert abs(explain(E_total, w1).total - w1.grad) < 1e-15  # the paths add up to the gradient

    # ----------------------------------------------------------------------------------------
    # 5. One step of gradient descent (更新权值): w = w - learning rate * dE_total/dw.
    #    As in the seed only the weights move; then the forward pass runs again.
    # ----------------------------------------------------------------------------------------
    before = E_total.data
    for w in weights:
        w.data -= LEARNING_RATE * w.grad
    after = forward()["E_total"].data
    print(f"\none step with learning rate {LEARNING_RATE}: E_total {before:.9f} -> {after:.9f}")
    print(f"  w5 is now {w5.data:.8f} (the blog: 0.35891648)")

    # ----------------------------------------------------------------------------------------
    # 6. Keep going. Each step builds a fresh graph, so the leaves' old gradients are zeroed
    #    first (leaves accumulate, like PyTorch).
    # ----------------------------------------------------------------------------------------
    for _ in range(args.steps - 1):
        for w in weights:
            w.grad = 0.0
        v = forward()
        v["E_total"].backward()
        for w in weights:
            w.data -= LEARNING_RATE * w.grad
    v = forward()
    print(f"\nafter {args.steps} steps: E_total = {v['E_total'].data:.6e}")
    print(
        f"  out_o1 = {v['out_o1'].data:.6f} (target 0.01), out_o2 = {v['out_o2'].data:.6f} (0.99)"
    )

    # ----------------------------------------------------------------------------------------
    # 7. Pictures (optional): the graph with gradients and local derivatives on the edges, and
    #    the stepper that replays both passes one node at a time.
    # ----------------------------------------------------------------------------------------
    if args.out:
        from microgrid.app.pictures import write_walkthrough_pictures

        for path in write_walkthrough_pictures(args.out):
            if not path.endswith(".svg") or "frames" not in path:
                print(f"wrote {path}")
    return {"E_before": before, "E_after_one_step": after, "E_final": v["E_total"].data}


if __name__ == "__main__":
    main()
