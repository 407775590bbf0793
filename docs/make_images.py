"""Regenerate the pictures in docs/images/ (the README's example): ``python docs/make_images.py``.

neuron.png / neuron.svg: micrograd's classic neuron o = tanh(x1*w1 + x2*w2 + b) after
``backward()``, with every node's value and gradient and the local derivative d(parent)/d(child)
on every edge.

worked_example.png: the seed's w1/w5 network after ``E_total.backward()`` (the picture
``microgrid walkthrough --out DIR`` writes as graph_gradients.png).

worked_example_w5_frame.png: the stepper frame where the backward pass reaches w5, with its
chain-rule caption.

normalization_sets.png: which values share one mean and variance in batch, layer, instance and
group norm (the picture ``microgrid walkthrough batchnorm --out DIR`` writes).

The neuron picture, without the intermediate labels, comes from the CLI::

    microgrid render "tanh(x1*w1 + x2*w2 + b)" --set x1=2 --set x2=0 --set w1=-3 --set w2=1 \\
        --set b=6.8813735870195432 --local-grads -o neuron.png
"""

from __future__ import annotations

from pathlib import Path

import viz
from microgrid import Value

HERE = Path(__file__).resolve().parent / "images"


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), labelled like the hand derivation, after backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def worked_example() -> None:
    """The worked example's gradient graph and the stepper frame that finishes dE_total/dw5."""
    from microgrid.app.worked_example import WorkedExample
    from viz.frames import frames

    ex = WorkedExample()
    params = ex.parameters(biases=True)
    ex.backward()
    drawing = viz.draw(ex.E_total, local_grads=True, params=params)
    print("wrote", drawing.render(HERE / "worked_example.png"))
    ex.zero_grad()
    for frame in frames(ex.E_total, params=params):
        if "dE_total/dw5 +=" in frame.caption:
            print("wrote", frame.drawing.render(HERE / "worked_example_w5_frame.png"))
            break


def normalization_sets() -> None:
    """The seed's figure of the four normalizations, from the batchnorm walkthrough."""
    from microgrid.app.walkthroughs.batchnorm import groups_dot

    print("wrote", viz.Drawing(groups_dot("en")).render(HERE / "normalization_sets.png"))


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    worked_example()
    normalization_sets()
    drawing = viz.draw(
        neuron(),
        local_grads=True,
        title="o = tanh(x1*w1 + x2*w2 + b) after o.backward():  data, grad = do/d(node);  "
        "on each edge the local derivative d(parent)/d(child)",
    )
    for suffix in ("png", "svg"):
        print("wrote", drawing.render(HERE / f"neuron.{suffix}"))


if __name__ == "__main__":
    main()
