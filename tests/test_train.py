"""fit / predict / evaluate: batch modes, histories, early stopping, modes, and refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgrid import Value
from microgrid.nn import MLP, Dense, Dropout, Sequential
from microgrid.optim import SGD, Adagrad, Adam, RMSprop
from microgrid.schedules import LinearDecay, StepDecay
from microgrid.train import History, evaluate, fit, predict

# a small linear-regression problem: y = 2 x0 - 3 x1 + 0.5 (exactly linear)
_rng = np.random.default_rng(7)
XR = _rng.uniform(-1, 1, size=(12, 2))
YR = 2 * XR[:, 0] - 3 * XR[:, 1] + 0.5
XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [-1.0, 1.0, 1.0, -1.0]


class Line:
    """A model that knows only the contract: parameters(), zero_grad(), train(), eval(), call."""

    def __init__(self, w0=0.0, w1=0.0, b=0.0):
        self.w = [Value(w0), Value(w1)]
        self.b = Value(b)
        self.training = True
        self.modes_seen: list[bool] = []

    def parameters(self):
        return [*self.w, self.b]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def __call__(self, x):
        self.modes_seen.append(self.training)
        return self.w[0] * x[0] + self.w[1] * x[1] + self.b


def linear_model(seed=0):
    return MLP(2, [1], seed=seed)  # output layer is linear: a plain w.x + b


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.05),
    "momentum": lambda ps: SGD(ps, lr=0.02, momentum=0.9),
    "nesterov": lambda ps: SGD(ps, lr=0.02, momentum=0.9, nesterov=True),
    "adagrad": lambda ps: Adagrad(ps, lr=0.3),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.02),
    "adam": lambda ps: Adam(ps, lr=0.05),
}


@pytest.mark.parametrize("batch_size", [None, 1, 5])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_linear_regression_loss_falls_with_every_optimizer_and_batch_mode(name, batch_size):
    model = linear_model()
    opt = OPTIMIZERS[name](model.parameters())
    epochs = 60 if batch_size is None else 15
    h = fit(model, XR, YR, loss="mse", optimizer=opt, epochs=epochs, batch_size=batch_size, seed=1)
    assert h.loss[-1] < 0.2 * h.loss[0]
    assert evaluate(model, XR, YR, loss="mse")["loss"] < 0.2 * h.loss[0]


@pytest.mark.parametrize(
    ("batch_size", "per_epoch"), [(None, 1), (1, 12), (5, 3), (12, 1), (50, 1)]
)
def test_updates_per_epoch_follow_the_batch_mode(batch_size, per_epoch):
    # seed 001: SGD takes n steps per epoch, mini-batch n/k, full batch one
    model = linear_model()
    h = fit(model, XR, YR, loss="mse", optimizer="sgd", lr=0.01, epochs=3, batch_size=batch_size)
    assert h.steps == 3 * per_epoch and h.epochs == 3


def test_full_batch_epoch_is_one_gradient_descent_step():
    # seed 004 eq. (13)-(14) with the mean squared error: grad = (2/m) sum (h - y) x
    w, b, lr = np.array([0.3, -0.2]), 0.1, 0.1
    model = Line(*w, b)
    fit(model, XR, YR, loss="mse", optimizer=SGD(model.parameters(), lr=lr), epochs=1)
    residual = XR @ w + b - YR
    w_new = w - lr * 2 * (residual @ XR) / len(XR)
    b_new = b - lr * 2 * residual.mean()
    got = [p.data for p in model.parameters()]
    assert got == pytest.approx([*w_new, b_new], abs=1e-12)


def test_sgd_epoch_without_shuffle_is_n_sequential_updates():
    w, b, lr = np.array([0.3, -0.2]), 0.1, 0.05
    model = Line(*w, b)
    fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=lr),
        epochs=1,
        batch_size=1,
        shuffle=False,
    )
    for x, t in zip(XR, YR):
        r = x @ w + b - t
        w, b = w - lr * 2 * r * x, b - lr * 2 * r
    assert [p.data for p in model.parameters()] == pytest.approx([*w, b], abs=1e-12)


def test_same_seed_same_run_other_seed_other_order():
    def run(seed):
        model = linear_model()
        h = fit(
            model, XR, YR, loss="mse", optimizer="sgd", lr=0.05, epochs=3, batch_size=1, seed=seed
        )
        return h.loss, [p.data for p in model.parameters()]

    assert run(3) == run(3)
    assert run(3)[1] != run(4)[1]


def test_history_records_loss_metrics_validation_and_lr():
    model = MLP(2, [4, 1], seed=0)
    h = fit(
        model,
        XOR_X,
        XOR_Y,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=150,
        metrics=["accuracy", "mae"],
        validation=(XOR_X, XOR_Y),
        seed=0,
    )
    assert isinstance(h, History) and h.epochs == 150
    assert len(h.val_loss) == 150 and set(h.metrics) == {"accuracy", "mae"}
    assert h.metrics["accuracy"][-1] == 1.0 and h.val_metrics["accuracy"][-1] == 1.0
    assert h.val_loss[-1] < 1e-3 < h.val_loss[0]
    assert h.lr == [0.1] * 150 and h.stopped_early is None
    assert list(h.as_dict()) == [
        "loss",
        "accuracy",
        "mae",
        "val_loss",
        "val_accuracy",
        "val_mae",
        "lr",
    ]
    assert h["val_mae"] == h.val_metrics["mae"]
    # training metrics come from the training-time predictions: mae vs the loss's own numbers
    assert evaluate(model, XOR_X, XOR_Y, "mse", ["accuracy"]) == {
        "loss": pytest.approx(h.val_loss[-1]),
        "accuracy": 1.0,
    }


def test_micrograd_schedule_as_a_function_and_as_a_schedule():
    model = linear_model()
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=1.0),
        epochs=5,
        schedule=lambda k: 0.1 * (1.0 - 0.9 * k / 100),
    )
    assert h.lr == pytest.approx([0.1 * (1 - 0.9 * k / 100) for k in range(5)])
    opt = SGD(model.parameters(), lr=0.2)
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=opt,
        epochs=5,
        schedule=StepDecay(opt, step_size=2, gamma=0.5),
    )
    assert h.lr == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.05])


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    model = linear_model()
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.0),
        epochs=50,
        early_stopping=3,
    )
    assert (h.stopped_early, h.epochs, h.best_epoch) == (3, 4, 0)
    # a loss that improves, but by less than min_delta, counts as no improvement
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=1e-6),
        epochs=50,
        early_stopping=2,
        min_delta=1.0,
    )
    assert h.loss[1] < h.loss[0] and (h.stopped_early, h.best_epoch) == (2, 0)


def test_restore_best_puts_back_the_best_validation_epoch():
    # start at the exact fit; a penalty pulling w0 to 5 makes the fit worse every epoch
    model = Line(2.0, -3.0, 0.5)
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=30,
        validation=(XR, YR),
        early_stopping=2,
        restore_best=True,
        penalty=lambda ps: (ps[0] - 5) ** 2,
    )
    assert h.val_loss[1] > h.val_loss[0] > 0
    assert (h.best_epoch, h.stopped_early) == (0, 2)
    assert evaluate(model, XR, YR, "mse")["loss"] == pytest.approx(h.val_loss[0], rel=1e-12)


def test_penalty_enters_the_gradient_not_the_recorded_loss():
    w = np.array([0.3, -0.2])
    model = Line(*w, 0.0)
    alpha, lr = 0.5, 0.1
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=lr),
        epochs=1,
        penalty=lambda ps: alpha / 2 * (ps[0] ** 2 + ps[1] ** 2),
    )
    residual = XR @ w - YR
    assert h.loss[0] == pytest.approx(np.mean(residual**2), rel=1e-12)
    w_new = (1 - lr * alpha) * w - lr * 2 * (residual @ XR) / len(XR)  # the seed's shrink
    assert [model.w[0].data, model.w[1].data] == pytest.approx(list(w_new), abs=1e-12)


def test_modes_train_during_fit_eval_for_validation_and_predict():
    model = Line()
    model.eval()
    fit(
        model,
        XR[:4],
        YR[:4],
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.01),
        epochs=1,
        validation=(XR[:2], YR[:2]),
    )
    assert model.modes_seen == [True] * 4 + [False] * 2
    assert model.training is False  # restored
    model.train()
    model.modes_seen.clear()
    predict(model, XR[:3])
    assert model.modes_seen == [False] * 3 and model.training is True


def test_dropout_model_trains_and_predicts_deterministically():
    model = Sequential(
        Dense(2, 8, activation="tanh", seed=0), Dropout(0.2, seed=1), Dense(8, 1, seed=2)
    )
    h = fit(
        model,
        XR,
        YR,
        loss="mse",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=40,
        batch_size=4,
        seed=0,
    )
    assert h.loss[-1] < 0.3 * h.loss[0]
    assert np.array_equal(predict(model, XR), predict(model, XR))
    assert model.training  # back to train mode as fit found it


def test_predict_shapes_and_lists():
    assert predict(linear_model(), XR.tolist()).shape == (12,)
    three = MLP(2, [3], seed=0)
    out = predict(three, XR)
    assert out.shape == (12, 3)
    with_graph = three(XR[0].tolist())
    assert list(out[0]) == [v.data for v in with_graph]


def test_one_feature_as_a_flat_list():
    model = MLP(1, [1], seed=0)
    xs = [0.0, 0.5, 1.0, 1.5]
    ys = [1.0, 2.0, 3.0, 4.0]
    h = fit(model, xs, ys, loss="mse", optimizer="adam", lr=0.1, epochs=100)
    assert h.loss[-1] < 1e-2 and predict(model, xs).shape == (4,)


def test_multiclass_with_class_indices_and_one_hot():
    X = [[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0], [2.2, 0.1], [0.1, 2.1], [-2.0, -1.8]]
    idx = [0, 1, 2, 0, 1, 2]
    one_hot = np.eye(3)[idx]
    for y in (idx, one_hot):
        model = MLP(2, [3], seed=0)
        h = fit(
            model,
            X,
            y,
            loss="cross_entropy",
            optimizer="adam",
            lr=0.1,
            epochs=60,
            metrics=["accuracy"],
        )
        assert h.loss[-1] < 0.2 * h.loss[0] and h.metrics["accuracy"][-1] == 1.0


def test_progress_bar_when_asked_and_quiet_otherwise(capsys):
    fit(linear_model(), XR, YR, loss="mse", optimizer="sgd", lr=0.01, epochs=2)
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest
    fit(linear_model(), XR, YR, loss="mse", optimizer="sgd", lr=0.01, epochs=2, progress=True)
    assert "2/2" in capsys.readouterr().err


# ------------------------------------------------------------------------------ refusals
BAD_DATA = [
    (XR[:, :1], YR, "the model takes 2 input"),
    (XR, YR[:-1], "X has 12 samples but y has 11"),
    ([], [], "X is empty"),
    (np.zeros((0, 2)), np.zeros(0), "X is empty"),
    (
        np.where(np.arange(24).reshape(12, 2) == 5, np.nan, XR),
        YR,
        r"X contains nan at row 2, column 1",
    ),
    (XR, np.where(np.arange(12) == 4, np.inf, YR), "y contains inf at row 4"),
    ([["a", "b"]] * 12, YR, "X is not a table of numbers"),
    ([[1.0, 2.0], [3.0]], [1.0, 2.0], "X is not a table of numbers"),
    (np.zeros((12, 2, 1)), YR, "X must have 1 or 2 dimensions"),
    (XR, np.zeros((12, 2)), "the model gives 1 output.* but y has 2 columns"),
    ("abc", YR, "X must be an array or list of numbers"),
    (5.0, YR, "got one number"),
]


@pytest.mark.parametrize(("X", "y", "message"), BAD_DATA)
def test_bad_data_is_refused_before_training(X, y, message):
    model = linear_model()
    before = model.state_dict()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises((ValueError, TypeError), match=message):
        fit(model, X, y, loss="mse", optimizer=opt, epochs=3)
    assert model.state_dict() == before


def test_bad_validation_data_names_validation():
    model = linear_model()
    with pytest.raises(ValueError, match="validation X has 12 samples but validation y has 3"):
        fit(model, XR, YR, loss="mse", optimizer="sgd", lr=0.1, validation=(XR, YR[:3]))
    with pytest.raises(ValueError, match="validation must be a pair"):
        fit(model, XR, YR, loss="mse", optimizer="sgd", lr=0.1, validation=XR)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(epochs=0), "epochs must be a positive whole number"),
        (dict(batch_size=0), "batch_size must be a positive whole number"),
        (dict(batch_size=2.5), "batch_size must be"),
        (dict(early_stopping=0), "patience"),
        (dict(loss="nope"), "unknown loss 'nope'"),
        (dict(optimizer="lbfgs"), "optimizer must be an Optimizer"),
        (dict(optimizer="sgd", lr=None), "needs a learning rate"),
        (dict(metrics=["precision"]), "unknown metric 'precision'"),
        (dict(schedule=0.1), "schedule must be a Schedule"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    args = dict(loss="mse", optimizer="sgd", lr=0.1, epochs=2) | kwargs
    with pytest.raises((ValueError, TypeError), match=message):
        fit(linear_model(), XR, YR, **args)


def test_optimizer_and_schedule_must_belong_to_this_model():
    model, other = linear_model(), linear_model(seed=1)
    with pytest.raises(ValueError, match="holds none of this model's parameters"):
        fit(model, XR, YR, loss="mse", optimizer=SGD(other.parameters(), lr=0.1))
    opt = SGD(model.parameters(), lr=0.1)
    foreign = LinearDecay(SGD(other.parameters(), lr=0.1), total_steps=10)
    with pytest.raises(ValueError, match="different optimizer"):
        fit(model, XR, YR, loss="mse", optimizer=opt, schedule=foreign)


def test_divergence_is_reported_with_epoch_and_batch():
    model = linear_model()
    with pytest.raises(
        FloatingPointError,
        match=r"(loss became (inf|nan) in epoch \d+, batch 0)|"
        r"(gradient of params)",
    ):
        fit(model, XR * 1e100, YR, loss="mse", optimizer="sgd", lr=1e10, epochs=20)


def test_predict_refuses_wrong_width_and_nan():
    with pytest.raises(ValueError, match="takes 2 input"):
        predict(linear_model(), [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="X contains nan"):
        predict(linear_model(), [[1.0, math.nan]])


@pytest.mark.slow
def test_micrograds_moons_recipe_end_to_end():
    # micrograd's demo at a small size: ReLU MLP, hinge loss + L2 1e-4 sum w^2, SGD with
    # lr = 1.0 - 0.9 k / 100, full batch for 100 epochs (the full 100-point, 2-16-16-1 version
    # reaches 100% too; it takes about 30 s on the scalar engine)
    from microgrid.data import make_moons
    from microgrid.regularization import l2_penalty

    X, y = make_moons(30, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], activation="relu", seed=0)
    opt = SGD(model.parameters(), lr=1.0)
    h = fit(
        model,
        X,
        2 * y - 1,
        loss="hinge",
        optimizer=opt,
        epochs=100,
        schedule=LinearDecay(opt, total_steps=100, end_factor=0.1),
        penalty=lambda ps: l2_penalty(ps, 2e-4),
        metrics=["accuracy"],
    )
    assert h.lr[:3] == pytest.approx([1.0, 0.991, 0.982])
    assert h.loss[-1] < 0.2 * h.loss[0] and h.metrics["accuracy"][-1] >= 0.9
    assert evaluate(model, X, 2 * y - 1, metrics=["accuracy"])["accuracy"] >= 0.9


def test_loss_and_metric_as_plain_functions():
    model = Line()
    seen = []

    def worst_error(preds, targets):
        seen.append(len(preds))
        return max(abs(p - t) for p, t in zip(preds, targets))

    h = fit(
        model,
        XR,
        YR,
        loss=lambda p, t: (p - t) ** 2,
        optimizer="adam",
        lr=0.1,
        epochs=50,
        metrics=worst_error,
    )
    assert seen == [12] * 50 and h.metrics["worst_error"][-1] < h.metrics["worst_error"][0]
    assert h.loss[0] == pytest.approx(np.mean(YR**2))  # all-zero weights predict 0
    with pytest.raises(TypeError, match="the loss returned str for sample 0"):
        fit(model, XR, YR, loss=lambda p, t: "x", optimizer="adam", epochs=1)


def test_divergence_that_overflows_an_op_gets_fits_own_message():
    """A huge learning rate overflows pow inside the loss: fit says diverged, with the epoch."""
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=1e10)
    with pytest.raises(FloatingPointError, match=r"in epoch \d+, batch 0: lower the learning"):
        fit(model, [[1.0, 2.0]] * 2, [1.0, 1.0], loss="mse", optimizer=opt, epochs=50)
