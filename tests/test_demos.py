"""The demos run end to end (quick settings), write real pictures, and find what they claim.

Each demo's ``main(argv)`` returns the numbers it printed; these tests check them against
independent computations (closed-form gradient descent on the bowl, plain float sums) and the
claims in the demos' docstrings. The full 100-step moons run is marked slow.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the demos draw with matplotlib (the 'plot' extra)")

DEMOS = Path(__file__).resolve().parent.parent / "demos"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(name: str):
    """Import demos/<name>.py as a module (demos/ is a folder of scripts, not a package)."""
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))  # the demos import their shared _plotting helpers
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_png(path: Path) -> None:
    """A real, non-blank PNG picture of a readable size."""
    from matplotlib import image

    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    pixels = image.imread(path)
    assert pixels.shape[0] >= 200 and pixels.shape[1] >= 300, pixels.shape
    assert pixels[..., :3].std() > 0.05, f"{path} is (nearly) blank"


# ------------------------------------------------------------------------------------ moons


@pytest.mark.slow
def test_moons_quick_learns_and_draws(tmp_path):
    result = load("moons").main(["--quick", "--out", str(tmp_path)])
    assert result["out"] == tmp_path
    assert_png(tmp_path / "decision_boundary.png")
    assert_png(tmp_path / "loss_curve.png")
    assert len(result["loss"]) == 10
    assert result["final_loss"] < 0.5 * result["loss"][0]
    assert result["final_accuracy"] >= 0.8


@pytest.mark.slow
def test_moons_full_recipe_reaches_100_percent(tmp_path):
    # micrograd's demo as it is: 100 points, MLP 2-16-16-1, 100 steps (about 30 s)
    result = load("moons").main(["--out", str(tmp_path), "--grid", "20"])
    assert len(result["loss"]) == 100
    assert result["final_accuracy"] == 1.0
    assert_png(tmp_path / "decision_boundary.png")


# ------------------------------------------------------------------------------- optimizers


def test_optimizers_approach_the_minimum_and_gradients_check(tmp_path):
    demo = load("optimizers")
    result = demo.main(["--quick", "--out", str(tmp_path)])
    assert_png(tmp_path / "trajectories.png")
    assert_png(tmp_path / "loss_curves.png")

    # the engine's arrows agree with central differences at every grid point
    assert result["gradcheck_gap"]["bowl"] < 1e-6
    assert result["gradcheck_gap"]["rosenbrock"] < 1e-4

    for problem, minimum in (("bowl", (0.0, 0.0)), ("rosenbrock", (1.0, 1.0))):
        for name, path in result[problem].items():
            start_gap = math.dist(path[0], minimum)
            end_gap = math.dist(path[-1], minimum)
            assert end_gap < start_gap, f"{name} on {problem} moved away from the minimum"
            values = result[f"{problem}_values"][name]
            assert values[-1] < values[0], f"{name} on {problem} did not lower f"
    assert set(result["bowl"]) == {
        "SGD",
        "Momentum 0.9",
        "Nesterov 0.9",
        "Adagrad",
        "RMSprop",
        "Adam",
    }


def test_optimizers_sgd_on_the_bowl_matches_closed_form(tmp_path):
    # x <- x - lr * 2x = (1 - 2 lr) x: after k steps of lr 0.1, x_k = 0.8^k (-3, 4) exactly
    result = load("optimizers").main(["--quick", "--out", str(tmp_path)])
    path = result["bowl"]["SGD"]
    k = np.arange(len(path))[:, None]
    np.testing.assert_allclose(path, 0.8**k * np.array([-3.0, 4.0]), rtol=1e-12, atol=1e-15)
    # momentum overshoots past the minimum on the way (x0 changes sign), plain SGD never does
    assert result["bowl"]["Momentum 0.9"][:, 0].max() > 0.0
    assert path[:, 0].max() < 0.0


def test_optimizers_engine_gradient_is_the_analytic_one():
    demo = load("optimizers")
    assert demo.engine_gradient(demo.bowl, -3.0, 4.0) == (-6.0, 8.0)
    x0, x1 = -1.5, 2.0  # Rosenbrock: (-2(1 - x0) - 400 x0 (x1 - x0^2), 200 (x1 - x0^2))
    g0, g1 = demo.engine_gradient(demo.rosenbrock, x0, x1)
    assert g0 == pytest.approx(-2 * (1 - x0) - 400 * x0 * (x1 - x0**2), rel=1e-12)
    assert g1 == pytest.approx(200 * (x1 - x0**2), rel=1e-12)


# --------------------------------------------------------------------- linear separability


def test_xor_defeats_one_neuron_but_not_a_hidden_layer_or_a_feature(tmp_path):
    result = load("linear_separability").main(["--quick", "--out", str(tmp_path)])
    acc = result["accuracy"]
    assert acc["neuron"] <= 0.75  # a line gets at most three of XOR's four quadrants right
    assert acc["hidden_layer"] == 1.0
    assert acc["feature"] == 1.0
    assert_png(tmp_path / "xor_boundaries.png")


def test_xor_feature_transform():
    demo = load("linear_separability")
    X = np.array([[0.5, -2.0], [-1.0, -3.0]])
    np.testing.assert_array_equal(demo.with_product(X), [[0.5, -2.0, -1.0], [-1.0, -3.0, 3.0]])


# ---------------------------------------------------------------------- vanishing gradients


def test_vanishing_gradients_relu_first_layer_dwarfs_sigmoid(tmp_path):
    result = load("vanishing_gradients").main(["--quick", "--out", str(tmp_path)])
    g = result["gradients"]
    assert all(len(v) == 10 for v in g.values())
    assert g["relu"][0] > 1000 * g["sigmoid"][0]
    # sigmoid: the gradient shrinks at every layer going back from the output
    assert all(a < b for a, b in zip(g["sigmoid"], g["sigmoid"][1:]))
    assert g["sigmoid"][0] < 1e-3 * g["sigmoid"][-1]
    assert_png(tmp_path / "gradient_per_layer.png")


def test_vanishing_gradients_layer_means_match_the_grads():
    from microgrid import nn

    demo = load("vanishing_gradients")
    model = nn.MLP(2, [3, 1], activation="sigmoid", seed=1)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    y = np.array([1.0, 0.0])
    means = demo.layer_gradients(model, X, y)
    expected = [
        np.mean([abs(w.grad) for n in layer.neurons for w in n.w]) for layer in model.layers
    ]
    assert means == pytest.approx(expected, rel=1e-15)
    assert model.layers[1].neurons[0].b.grad != 0.0  # biases got grads but were not counted


# ----------------------------------------------------------------------- softmax vs sigmoid


def test_softmax_rows_sum_to_one_sigmoids_do_not(tmp_path):
    result = load("softmax_vs_sigmoid").main(["--quick", "--out", str(tmp_path)])
    soft, sig = result["softmax_probes"], result["sigmoid_probes"]
    assert soft.shape == sig.shape == (4, 3)
    assert ((soft > 0) & (soft < 1)).all() and ((sig > 0) & (sig < 1)).all()
    for row in soft:
        assert math.fsum(row) == pytest.approx(1.0, abs=1e-12)
    assert np.abs(result["softmax_grid_sums"] - 1.0).max() < 1e-12
    sums = result["sigmoid_grid_sums"]
    assert sums.min() < 0.9 and sums.max() > 1.1  # some places all say no, some two say yes
    assert_png(tmp_path / "softmax_vs_sigmoid.png")


# --------------------------------------------------------------------------- every demo


NAMES = [
    "moons",
    "optimizers",
    "linear_separability",
    "vanishing_gradients",
    "softmax_vs_sigmoid",
    "cnn",
]


@pytest.mark.parametrize("name", NAMES)
def test_demo_help_and_docstring(name, capsys):
    demo = load(name)
    assert demo.__doc__ and len(demo.__doc__.splitlines()[0]) > 20
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    assert "--out" in usage and "--quick" in usage


def test_demo_runs_as_a_script(tmp_path):
    # the way a learner runs it: python demos/<name>.py (its folder is then on sys.path)
    script = DEMOS / "vanishing_gradients.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "first layer" in done.stdout
    assert_png(tmp_path / "gradient_per_layer.png")


# ------------------------------------------------------------------------------------ cnn


def test_cnn_quick_learns_bars_and_draws_kernels_and_graph(tmp_path):
    result = load("cnn").main(["--quick", "--out", str(tmp_path)])
    assert_png(tmp_path / "kernels.png")
    assert_png(tmp_path / "graph.png")
    assert len(result["loss"]) == 4
    assert result["loss"][-1] < 0.5 * result["loss"][0]
    assert result["test_accuracy"] >= 0.9  # chance is 0.5; 100 images it never saw
    assert result["graph_nodes"] < 40  # each layer of the CNN is one box


def test_cnn_shared_kernel_weight_gradient_is_the_sum_over_positions():
    demo = load("cnn")
    model = demo.make_model(seed=3)
    X, y = demo.bars(1, seed=4)
    from microgrid.losses import softmax_cross_entropy

    loss = softmax_cross_entropy(model(X[0].tolist()), int(y[0]))
    loss.backward()
    weight = model.modules[1].weight[0][0][1][1]  # the centre tap of kernel 0
    order = [loss]
    seen = {id(loss)}
    uses = []  # every product w * x the weight feeds, found by walking the graph
    while order:
        node = order.pop()
        for child, local in node.edges():
            if child is weight:
                uses.append((node, local))
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
    assert len(uses) == 36  # the centre tap touches every pixel of the padded 6x6 image
    # chain rule by hand: dL/dw = sum over positions of dL/d(product) * d(product)/dw
    assert weight.grad == pytest.approx(sum(p.grad * local for p, local in uses), abs=1e-12)


@pytest.mark.slow
def test_cnn_full_recipe_reaches_high_test_accuracy_within_a_minute(tmp_path):
    result = load("cnn").main(["--out", str(tmp_path)])
    assert result["test_accuracy"] >= 0.95
    assert result["seconds"] < 60
