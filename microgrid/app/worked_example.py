"""The worked example of seed 000: a 2-2-2 sigmoid network built from Values, trained by hand.

The network of the hand derivation, with the seed's names::

    net_h1 = w1*i1 + w2*i2 + b1      out_h1 = sigmoid(net_h1)
    net_h2 = w3*i1 + w4*i2 + b1      out_h2 = sigmoid(net_h2)
    net_o1 = w5*out_h1 + w6*out_h2 + b2   out_o1 = sigmoid(net_o1)
    net_o2 = w7*out_h1 + w8*out_h2 + b2   out_o2 = sigmoid(net_o2)
    E_o1 = 1/2 (target_o1 - out_o1)^2    E_o2 = 1/2 (target_o2 - out_o2)^2
    E_total = E_o1 + E_o2

One hidden bias ``b1`` is shared by both hidden neurons and one output bias ``b2`` by both
outputs, so their gradients add up over both uses. Gradient descent with learning rate 0.5
updates the weights only (as the seed does) unless ``update_biases=True``.

>>> ex = WorkedExample()
>>> round(ex.E_total.data, 9)
0.298371109
>>> ex.backward()
>>> round(ex.w5.grad, 9)
0.082167041
"""

from __future__ import annotations

from collections.abc import Mapping

from microgrid._checks import whole_number
from microgrid.engine import Value, backward

#: The starting numbers of the seed (and the blog it cites).
INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "w5": 0.40,
    "w6": 0.45,
    "w7": 0.50,
    "w8": 0.55,
}
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = {"target_o1": 0.01, "target_o2": 0.99}
LEARNING_RATE = 0.5

#: What the blog the seed cites (via its Chinese translation) reports, as printed there. Its
#: figures after the first step come from hidden-layer gradients computed with the already
#: updated w5..w8 (``WorkedExample.blog_backward``), not from the chain rule on the forward
#: pass's weights: E_total after one step 0.291027924 (the chain rule gives 0.291027774).
BLOG = {
    "E_after_1_step": "0.291027924",
    "out_o1_after_10000_steps": "0.015912196",
    "out_o2_after_10000_steps": "0.984065734",
}

#: Names of the computed Values, in the order of the forward pass.
COMPUTED = (
    "net_h1",
    "out_h1",
    "net_h2",
    "out_h2",
    "net_o1",
    "out_o1",
    "net_o2",
    "out_o2",
    "E_o1",
    "E_o2",
    "E_total",
)
PARAMETERS = tuple(WEIGHTS) + tuple(BIASES)
OUTPUT_WEIGHTS = ("w5", "w6", "w7", "w8")


class WorkedExample:
    """The seed's network: leaves (inputs, weights, biases, targets) and the forward pass's Values.

    Every named Value is an attribute (``ex.w5``, ``ex.net_h1``, ``ex.E_total``) and is also
    in ``ex.values`` by label. ``forward()`` rebuilds the graph from the leaves' current data;
    ``step()`` is one full gradient-descent step (backward, update, forward again).
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        biases: Mapping[str, float] | None = None,
        inputs: Mapping[str, float] | None = None,
        targets: Mapping[str, float] | None = None,
    ) -> None:
        self.leaves: dict[str, Value] = {}
        for defaults, given in (
            (INPUTS, inputs),
            (WEIGHTS, weights),
            (BIASES, biases),
            (TARGETS, targets),
        ):
            numbers = dict(defaults)
            for name, number in (given or {}).items():
                if name not in defaults:
                    raise KeyError(f"unknown name {name!r}: expected one of {', '.join(defaults)}")
                numbers[name] = number
            for name, number in numbers.items():
                self.leaves[name] = Value(number, label=name)
        self.forward()

    # ----------------------------------------------------------------------------- access
    def __getattr__(self, name: str) -> Value:
        # Called only when normal lookup fails: ex.w5, ex.net_h1, ex.E_total.
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"WorkedExample has no Value named {name!r}")

    @property
    def weights(self) -> list[Value]:
        """w1..w8, in order."""
        return [self.leaves[name] for name in WEIGHTS]

    @property
    def biases(self) -> list[Value]:
        """b1 (shared by both hidden neurons) and b2 (shared by both outputs)."""
        return [self.leaves[name] for name in BIASES]

    def parameters(self, biases: bool = True) -> list[Value]:
        """The learned leaves: w1..w8, then b1, b2 unless ``biases=False``."""
        return self.weights + (self.biases if biases else [])

    @property
    def outputs(self) -> tuple[float, float]:
        """(out_o1, out_o2) of the latest forward pass."""
        return self.values["out_o1"].data, self.values["out_o2"].data

    # ----------------------------------------------------------------------- the maths
    def forward(self) -> Value:
        """Run the forward pass from the leaves' current data; returns the new ``E_total``."""
        leaf = self.leaves
        i1, i2, b1, b2 = leaf["i1"], leaf["i2"], leaf["b1"], leaf["b2"]
        v: dict[str, Value] = dict(leaf)

        def neuron(name: str, wa: str, a: Value, wb: str, b: Value, bias: Value) -> Value:
            net = leaf[wa] * a + leaf[wb] * b + bias
            net.label = f"net_{name}"
            out = net.sigmoid()
            out.label = f"out_{name}"
            v[net.label], v[out.label] = net, out
            return out

        out_h1 = neuron("h1", "w1", i1, "w2", i2, b1)
        out_h2 = neuron("h2", "w3", i1, "w4", i2, b1)
        neuron("o1", "w5", out_h1, "w6", out_h2, b2)
        neuron("o2", "w7", out_h1, "w8", out_h2, b2)
        for k in ("o1", "o2"):
            error = 0.5 * (leaf[f"target_{k}"] - v[f"out_{k}"]) ** 2
            error.label = f"E_{k}"
            v[error.label] = error
        total = v["E_o1"] + v["E_o2"]
        total.label = "E_total"
        v["E_total"] = total
        self.values = v
        return total

    def zero_grad(self) -> None:
        """Set every leaf's gradient to 0 (leaves accumulate across backward passes)."""
        for value in self.leaves.values():
            value.grad = 0.0

    def backward(self) -> None:
        """Fill every ``.grad`` with dE_total/d(node), starting from zeroed leaves."""
        self.zero_grad()
        backward(self.values["E_total"])

    def blog_backward(self, lr: float = LEARNING_RATE) -> None:
        """The gradients as the blog computes them: the output layer's as ``backward()`` gives,
        the hidden layer's through w5..w8 *after* their update (w5 - lr * dE_total/dw5, ...).

        dE_total/dout_h1 = delta_o1 * w5_new + delta_o2 * w7_new (delta = dE_total/dnet_o),
        where the chain rule has the old w5, w7: the forward pass used those. The engine does
        it by a second backward pass, into fresh hidden-layer gradients, from
        delta_o1 * (w5_new out_h1 + w6_new out_h2) + delta_o2 * (w7_new out_h1 + w8_new out_h2)
        (the deltas are plain numbers there).
        """
        self.backward()
        leaf, v = self.leaves, self.values
        new = {k: Value(leaf[k].data - lr * leaf[k].grad, label=k) for k in OUTPUT_WEIGHTS}
        deltas = {k: v[f"net_{k}"].grad for k in ("o1", "o2")}
        for name in ("w1", "w2", "w3", "w4", "b1"):
            leaf[name].grad = 0.0
        h1, h2 = v["out_h1"], v["out_h2"]
        backward(
            deltas["o1"] * (new["w5"] * h1 + new["w6"] * h2)
            + deltas["o2"] * (new["w7"] * h1 + new["w8"] * h2)
        )

    def gradients(self) -> dict[str, float]:
        """dE_total/d(parameter) for w1..w8, b1, b2 (call ``backward()`` first)."""
        return {name: self.leaves[name].grad for name in PARAMETERS}

    def update(self, lr: float = LEARNING_RATE, update_biases: bool = False) -> None:
        """Gradient descent on the leaves: w = w - lr * dE_total/dw (biases only if asked)."""
        for p in self.parameters(biases=update_biases):
            p.data -= lr * p.grad

    def step(
        self, lr: float = LEARNING_RATE, update_biases: bool = False, blog: bool = False
    ) -> float:
        """One training step (backward, update, forward); returns E_total after the update.

        ``blog=True`` takes the gradients as the blog does (``blog_backward``).
        """
        if blog:
            self.blog_backward(lr)
        else:
            self.backward()
        self.update(lr, update_biases)
        return self.forward().data

    def train(
        self,
        steps: int,
        lr: float = LEARNING_RATE,
        update_biases: bool = False,
        progress=None,
        blog: bool = False,
    ) -> float:
        """Run ``steps`` training steps; ``progress`` wraps the range (e.g. ``tqdm``)."""
        steps = whole_number("steps", steps)
        loop = range(steps) if progress is None else progress(range(steps))
        for _ in loop:
            self.step(lr, update_biases, blog)
        return self.values["E_total"].data
