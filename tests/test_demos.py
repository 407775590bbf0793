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


# ------------------------------------------------------------- runs shared by several tests


def _quick(name: str, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp(name)
    result = load(name).main(["--quick", "--out", str(out)])
    assert result["out"] == out
    return result


@pytest.fixture(scope="module")
def collapse_run(tmp_path_factory):
    return _quick("linear_collapse", tmp_path_factory)


@pytest.fixture(scope="module")
def overfitting_run(tmp_path_factory):
    return _quick("overfitting", tmp_path_factory)


@pytest.fixture(scope="module")
def symmetry_run(tmp_path_factory):
    return _quick("symmetry", tmp_path_factory)


@pytest.fixture(scope="module")
def exploding_run(tmp_path_factory):
    return _quick("exploding_gradients", tmp_path_factory)


@pytest.fixture(scope="module")
def activations_run(tmp_path_factory):
    return _quick("activations", tmp_path_factory)


@pytest.fixture(scope="module")
def normalization_run(tmp_path_factory):
    return _quick("normalization", tmp_path_factory)


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    return _quick("batch_modes", tmp_path_factory)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------------- linear collapse


def test_linear_network_is_one_linear_map(collapse_run):
    from microgrid import predict

    r = collapse_run
    assert_png(r["out"] / "linear_collapse.png")
    # the map read off the network itself: b = f(0), W_i = f(e_i) - f(0)
    f0, f1, f2 = predict(r["model"], [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(r["b"], [f0], atol=1e-12)
    np.testing.assert_allclose(r["W"], [[f1 - f0, f2 - f0]], atol=1e-12)
    assert r["b"][0] != 0.0  # the biases were made non-zero, so b is a real sum of terms
    assert r["collapse_gap"] < 1e-12
    # the slope is W at every probe for the linear net, and varies for tanh
    np.testing.assert_allclose(r["linear_slopes"], np.repeat(r["W"], 8, axis=0), atol=1e-12)
    assert np.ptp(r["tanh_slopes"], axis=0).max() > 0.05


def test_deep_linear_net_cannot_beat_least_squares(collapse_run):
    r = collapse_run
    best, final = r["best_line_mse"], r["final_mse"]
    assert final["linear"] >= best - 1e-9  # no linear map does better than least squares
    assert final["linear"] <= 1.05 * best  # and training did reach it
    assert final["tanh"] < 0.5 * best


def test_collapse_multiplies_the_layers():
    from microgrid import nn

    demo = load("linear_collapse")
    model = nn.MLP(3, [2, 1], activation="linear", seed=4)
    (W1, b1), (W2, b2) = demo.layer_matrices(model)
    W, b = demo.collapse(model)
    np.testing.assert_allclose(W, W2 @ W1, rtol=1e-15)
    np.testing.assert_allclose(b, W2 @ b1 + b2, rtol=1e-15)
    assert W1.shape == (2, 3) and W2.shape == (1, 2)


# ----------------------------------------------------------------------------- overfitting


def test_overfitting_plain_run_overfits(overfitting_run):
    r = overfitting_run
    assert_png(r["out"] / "loss_curves.png")
    assert_png(r["out"] / "fits.png")
    demo = load("overfitting")
    plain = r["plain"]
    val = plain["history"].val_loss
    # validation falls to a minimum, then climbs while the training loss keeps falling
    assert val[-1] > 1.1 * min(val)
    assert int(np.argmin(val)) < len(val) - 10
    assert plain["history"].loss[-1] < demo.NOISE**2 < plain["val"]  # it fits the noise


def test_overfitting_remedies(overfitting_run):
    r = overfitting_run
    plain, early = r["plain"], r["early stopping"]
    # early stopping is the plain run (same weights, full batch) cut short, best epoch restored
    n = early["history"].epochs
    assert n < plain["history"].epochs
    assert early["history"].val_loss == plain["history"].val_loss[:n]
    best = early["history"].best_epoch
    assert early["val"] == pytest.approx(min(plain["history"].val_loss[:n]), rel=1e-12)
    assert early["val"] == pytest.approx(early["history"].val_loss[best], rel=1e-12)
    # L2 keeps the weights smaller; every remedy ends with a lower validation loss than plain
    assert r["L2"]["weight_norm"] < 0.8 * plain["weight_norm"]
    for name in ("dropout", "L2", "early stopping"):
        assert r[name]["val"] < plain["val"], name
    # dropout's training loss is measured on thinned networks: it stays higher
    assert r["dropout"]["history"].loss[-1] > plain["history"].loss[-1]


def test_overfitting_reported_losses_are_the_models_mse(overfitting_run):
    from microgrid import predict

    x_train, y_train, x_val, y_val = overfitting_run["data"]
    for name, model in overfitting_run["models"].items():
        run = overfitting_run[name]
        assert run["val"] == pytest.approx(np.mean((predict(model, x_val) - y_val) ** 2))
        assert run["train"] == pytest.approx(np.mean((predict(model, x_train) - y_train) ** 2))


# -------------------------------------------------------------------------------- symmetry


def test_zero_init_neurons_stay_identical(symmetry_run):
    from microgrid import predict

    r = symmetry_run
    assert_png(r["out"] / "symmetry.png")
    zero = r["all-zero init"]
    assert zero["spread"] and all(gap == 0.0 for gap in zero["spread"])  # bit for bit
    assert np.abs(zero["rows"][-1] - zero["rows"][0]).max() > 0.5  # they did learn, in lockstep
    # four identical neurons are one neuron with 4x its outgoing weight (plain numpy)
    model = r["models"]["all-zero init"]
    X, _ = _symmetry_data(model)
    w0, w1, b, v = zero["rows"][-1][0]
    c = model.layers[1].neurons[0].b.data
    expected = _sigmoid(4 * v * _sigmoid(X @ np.array([w0, w1]) + b) + c)
    np.testing.assert_allclose(predict(model, X), expected, rtol=1e-12)
    assert zero["accuracy"] < 0.9


def _symmetry_data(model):
    from microgrid.data import make_xor

    return make_xor(20, seed=0)


def test_tanh_zero_init_never_moves(tmp_path):
    r = load("symmetry").main(["--quick", "--activation", "tanh", "--out", str(tmp_path)])
    zero = r["all-zero init"]
    assert not zero["rows"].any()  # hidden weights, biases and outgoing weights: 0.0 throughout
    # balanced XOR: the output bias's gradient mean(0.5 - y) is 0 up to rounding; output 0.5
    assert abs(r["models"]["all-zero init"].layers[1].neurons[0].b.data) < 1e-3
    assert zero["loss"][-1] == pytest.approx(math.log(2), rel=1e-6)
    assert r["random init"]["accuracy"] > zero["accuracy"]
    assert_png(tmp_path / "symmetry.png")


def test_random_init_neurons_diverge_and_solve_xor(symmetry_run):
    rand = symmetry_run["random init"]
    assert min(rand["spread"]) > 0.1
    assert rand["accuracy"] == 1.0
    assert rand["loss"][-1] < 0.5 * symmetry_run["all-zero init"]["loss"][-1]


# --------------------------------------------------------------------- exploding gradients


def test_chain_gradient_is_the_seeds_product(exploding_run):
    r = exploding_run
    assert_png(r["out"] / "exploding_gradients.png")
    for w, chain in r["chains"].items():
        grads = chain["grads"]
        depth = len(grads)
        assert depth == 8
        # every z_j = 0, so a_j = 1/2: dL/db1 = (1/2 - 1) * 1/4 * (w/4)^(depth-1)
        closed_form = -0.5 * 0.25 * (w / 4) ** (depth - 1)
        assert grads[0] == pytest.approx(closed_form, rel=1e-12)
        assert chain["eq8"] == pytest.approx(grads[0], rel=1e-12)
        for a, b in zip(grads, grads[1:]):
            assert a / b == pytest.approx(w / 4, rel=1e-12)


def test_clipping_rescues_training(exploding_run):
    runs, constant = exploding_run["runs"], exploding_run["constant_mse"]
    plain = runs["no clipping"]
    assert max(plain["loss"]) > 100 * plain["loss"][0]  # the loss explodes
    assert plain["final"] >= 0.95 * constant  # and ends no better than a constant
    for name in ("clip by norm", "clip by value"):
        assert runs[name]["final"] < 0.6 * constant, name
        assert runs[name]["alive"] > plain["alive"], name
    norm_run = runs["clip by norm"]["loss"]
    assert max(norm_run) == norm_run[0]  # clipped by norm, the loss never rose above its start


def test_clipping_is_the_librarys():
    from microgrid import Value, optim

    demo = load("exploding_gradients")
    assert demo.clip_grad_norm is optim.clip_grad_norm
    assert demo.clip_grad_value is optim.clip_grad_value
    params = [Value(0.0) for _ in range(3)]
    for p, g in zip(params, (3.0, -4.0, 12.0)):
        p.grad = g
    # rtol 1e-6: torch (and microgrid.optim) divide by |g| + 1e-6
    assert demo.clip_grad_norm(params, 1.0) == pytest.approx(13.0)
    np.testing.assert_allclose([p.grad for p in params], np.array([3, -4, 12]) / 13, rtol=1e-6)
    assert demo.grad_norm(params) == pytest.approx(1.0, rel=1e-6)
    demo.clip_grad_norm(params, 5.0)  # under the limit: unchanged
    np.testing.assert_allclose([p.grad for p in params], np.array([3, -4, 12]) / 13, rtol=1e-6)
    for p, g in zip(params, (3.0, -4.0, 0.5)):
        p.grad = g
    demo.clip_grad_value(params, 1.0)
    assert [p.grad for p in params] == [1.0, -1.0, 0.5]


# ----------------------------------------------------------------------------- activations


def test_activation_claims_match_the_numbers(activations_run):
    r = activations_run
    assert_png(r["out"] / "activations.png")
    assert len(r["agree"]) == 7 and all(r["agree"].values()), r["measured"]
    assert max(r["gradcheck_gap"].values()) < 1e-6


def test_activation_derivatives_are_the_textbook_ones(activations_run):
    x = activations_run["grid"]
    curves = activations_run["curves"]
    s = _sigmoid(x)
    np.testing.assert_allclose(curves["sigmoid"][1], s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(curves["tanh"][1], 1 - np.tanh(x) ** 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(curves["softplus"][1], s, rtol=1e-12)
    np.testing.assert_allclose(curves["ELU (alpha 1)"][0], np.where(x > 0, x, np.expm1(x)))
    maxout, slope = curves["Maxout (2 pieces)"]
    np.testing.assert_allclose(maxout, np.maximum(x, -0.5 * x - 0.5), rtol=1e-15)
    np.testing.assert_array_equal(slope, np.where(x > -1 / 3, 1.0, -0.5))
    assert curves["sigmoid"][1].max() <= 0.25


def test_activation_measure_can_disagree():
    from microgrid import Value

    demo = load("activations")
    grid = np.linspace(-5, 5, 40)
    assert demo.measure(Value.sigmoid, grid) == demo.CLAIMS["sigmoid"]
    assert demo.measure(Value.sigmoid, grid) != demo.CLAIMS["tanh"]
    assert demo.measure(Value.relu, grid)[0] == "[0, inf)"
    assert demo.measure(lambda v: v * 2.0, grid) == ("(-inf, inf)", True, "never", 2.0)


# --------------------------------------------------------------------------- normalization


def test_normalising_saves_steps(normalization_run):
    r = normalization_run["results"]
    assert_png(normalization_run["out"] / "normalization.png")
    for problem, factor in (("scaling", 5), ("centring", 50)):
        raw, norm = r[problem]["raw"]["steps"], r[problem]["normalised"]["steps"]
        assert raw is not None and norm is not None, problem
        assert raw > factor * norm, (problem, raw, norm)
        assert r[problem]["raw"]["condition"] > 5 * r[problem]["normalised"]["condition"]


def test_normalization_descent_is_plain_gradient_descent(normalization_run):
    problems, results = normalization_run["problems"], normalization_run["results"]
    for problem, spec in problems.items():
        y = spec["y"]
        for form in ("raw", "normalised"):
            D, run = spec[form], results[problem][form]
            p = np.zeros(D.shape[1])
            expected = [p.copy()]
            for _ in range(len(run["path"]) - 1):  # numpy's gradient 2/n D^T (D p - y)
                p = p - run["lr"] * 2.0 / len(D) * D.T @ (D @ p - y)
                expected.append(p.copy())
            np.testing.assert_allclose(run["path"], expected, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(run["first_grad"], -2.0 / len(D) * D.T @ y, rtol=1e-12)
            solution = np.linalg.lstsq(D, y, rcond=None)[0]
            assert np.abs(run["path"][-1] - solution).max() < 0.05 * np.abs(solution).max()
    standardised = problems["scaling"]["normalised"]
    np.testing.assert_allclose(standardised.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standardised.std(axis=0), 1.0, rtol=1e-12)


# ----------------------------------------------------------------------------- batch modes


def test_batch_modes_update_counts(batch_run):
    assert_png(batch_run["out"] / "batch_modes.png")
    runs, sizes, fit_steps = batch_run["runs"], batch_run["sizes"], batch_run["fit_steps"]
    n, epochs = sizes["full batch"], len(runs["full batch"]["epoch_ends"])
    expected = {"full batch": 1, "mini-batch": math.ceil(n / sizes["mini-batch"]), "stochastic": n}
    for name, per_epoch in expected.items():
        assert runs[name]["updates_per_epoch"] == per_epoch
        assert len(runs[name]["loss"]) == 1 + per_epoch * epochs
        assert fit_steps[name] == per_epoch * epochs  # the library's fit agrees


def test_full_batch_is_gradient_descent_and_never_hurts(batch_run):
    x, y = batch_run["data"]
    run = batch_run["runs"]["full batch"]
    w = b = 0.0
    lr = 0.05
    for k in range(1, len(run["path"])):
        r = w * x + b - y
        w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
        assert run["path"][k] == pytest.approx((w, b), rel=1e-12)
    assert batch_run["worse"]["full batch"] == 0.0
    assert batch_run["worse"]["stochastic"] > 0.2


def test_stochastic_gets_furthest_in_one_epoch(batch_run):
    runs = batch_run["runs"]
    after_one = {name: run["loss"][run["epoch_ends"][0]] for name, run in runs.items()}
    assert after_one["stochastic"] < after_one["mini-batch"] < after_one["full batch"]
    assert after_one["stochastic"] < 1.5 * batch_run["best_loss"]


# --------------------------------------------------------------------------- every demo


#: the demos of issue 12 (they share the command-line checks of demos/_args.py)
NEW_DEMOS = [
    "linear_collapse",
    "overfitting",
    "symmetry",
    "exploding_gradients",
    "activations",
    "normalization",
    "batch_modes",
]
NAMES = [
    "moons",
    "optimizers",
    "linear_separability",
    "vanishing_gradients",
    "softmax_vs_sigmoid",
    "cnn",
    *NEW_DEMOS,
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


@pytest.mark.parametrize("name", NEW_DEMOS)
@pytest.mark.parametrize("bad", ["0", "-3", "two"])
def test_demo_refuses_a_bad_count(name, bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load(name).main(["--points", bad])
    assert exit_info.value.code == 2
    assert f"argument --points: must be a positive integer, got '{bad}'" in capsys.readouterr().err


def test_demo_refuses_bad_rates(capsys):
    with pytest.raises(SystemExit):
        load("overfitting").main(["--dropout", "1.0"])
    assert "--dropout: must be a number in [0, 1), got '1.0'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        load("exploding_gradients").main(["--lr", "nan"])
    assert "--lr: must be a positive number, got 'nan'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        load("normalization").main(["--points", "2"])
    assert "--points must be at least 3" in capsys.readouterr().err


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
