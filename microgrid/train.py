"""The training loop: ``fit`` a model to data by full-batch, stochastic or mini-batch descent.

Seed 001 compares the three ways to update:

* gradient descent (全批量, ``batch_size=None``): the gradient of the whole data set, one update
  per epoch;
* stochastic gradient descent (随机, ``batch_size=1``): one sample per update, n updates per epoch;
* mini-batch (小批量, ``batch_size=k``): k samples per update, ceil(n / k) updates per epoch.

Each update is the loop every seed draws: zero the grads, forward pass over the batch, the batch
loss (the mean of the per-sample losses), backward pass, optimizer step.

Data come in as numpy arrays or lists: ``X`` of shape (n, d) (a 1-D X is n samples of one
feature), ``y`` of shape (n,) (one number per sample: a regression target, a 0/1 or -1/+1 label,
or a class index) or (n, k) (one-hot rows or several outputs). Everything is checked before
the first update: a refusal names the problem (empty data, NaN, lengths, widths).
"""

from __future__ import annotations

import gc
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from microgrid._checks import finite_table, positive_int
from microgrid._grad_mode import no_grad
from microgrid.engine import Value
from microgrid.formatting import fixed
from microgrid.losses import get_loss
from microgrid.metrics import get_metric
from microgrid.optim import SGD, Adagrad, Adam, Optimizer, RMSprop
from microgrid.schedules import Schedule

__all__ = ["History", "evaluate", "fit", "predict"]

LossArg = str | Callable[[Any, Any], Value]
MetricArg = str | Callable[[Any, Any], float]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch (Keras' ``history.history``, as attributes).

    ``loss`` is the mean per-sample training loss over the epoch's batches, each measured before
    its update (a penalty, if any, is not included, so it compares with ``val_loss``).
    ``metrics[name]`` are computed from those same training-time predictions; ``val_loss`` and
    ``val_metrics[name]`` on the validation data after the epoch, in eval mode. ``lr`` is the
    learning rate used in each epoch. ``stopped_early`` is the epoch (0-based) after which early
    stopping ended training, else None; ``best_epoch`` is the epoch with the lowest monitored
    loss; ``steps`` counts optimizer updates.
    """

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    val_loss: list[float] = field(default_factory=list)
    val_metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    stopped_early: int | None = None
    best_epoch: int | None = None
    steps: int = 0

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """Flat Keras-style dict: loss, <metric>, val_loss, val_<metric>, lr."""
        out: dict[str, list[float]] = {"loss": list(self.loss)}
        out.update({k: list(v) for k, v in self.metrics.items()})
        if self.val_loss:
            out["val_loss"] = list(self.val_loss)
            out.update({f"val_{k}": list(v) for k, v in self.val_metrics.items()})
        out["lr"] = list(self.lr)
        return out

    def __getitem__(self, key: str) -> list[float]:
        return self.as_dict()[key]


# ------------------------------------------------------------------------------ checking data


def _dataset(model: Any, X: Any, y: Any, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Check X and y together (and against the model's widths, when it has ``nin``/``nout``)."""
    X = _inputs(model, X, prefix)
    y = finite_table(y, f"{prefix}y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if len(X) != len(y):
        raise ValueError(
            f"{prefix}X has {len(X)} samples but {prefix}y has {len(y)}: they must match"
        )
    nout = getattr(model, "nout", None)
    if isinstance(nout, int) and y.ndim == 2 and y.shape[1] != nout:
        raise ValueError(
            f"the model gives {nout} output(s) per sample but {prefix}y has {y.shape[1]} columns"
        )
    return X, y


def _inputs(model: Any, X: Any, prefix: str = "") -> np.ndarray:
    X = finite_table(X, f"{prefix}X")
    if X.ndim == 1:
        X = X[:, None]
    nin = getattr(model, "nin", None)
    if isinstance(nin, int) and X.shape[1] != nin:
        raise ValueError(
            f"the model takes {nin} input(s) per sample but {prefix}X has {X.shape[1]} column(s)"
        )
    return X


def _targets(y: np.ndarray) -> list[Any]:
    """One target per sample, as the losses take it: a float, or a list of floats."""
    return y.tolist()


def _data(out: Any, where: str) -> float | list[float]:
    """The numbers of a model output (a Value or a list of Values)."""
    if isinstance(out, Value):
        return out.data
    if isinstance(out, list | tuple) and out and all(isinstance(v, Value) for v in out):
        return [v.data for v in out]
    raise TypeError(
        f"the model returned {type(out).__name__} for {where}; it must return a Value "
        "or a list of Values"
    )


def _forward(model: Any, row: np.ndarray, i: int) -> Any:
    out = model(row.tolist())
    _data(out, f"sample {i}")
    return out


# ----------------------------------------------------------------------------- small helpers


def _metric_list(
    metrics: Iterable[MetricArg] | MetricArg | None,
) -> list[tuple[str, Callable[..., float]]]:
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = []
    for m in metrics:
        name = m.lower() if isinstance(m, str) else getattr(m, "__name__", "metric")
        out.append((name, get_metric(m)))
    return out


def _mean_loss(
    loss_fn: Callable[..., Value], preds: Sequence[Any], targets: Sequence[Any]
) -> Value:
    """The batch loss: the mean of the per-sample losses, as one Value."""
    total: Value | None = None
    for i, (p, t) in enumerate(zip(preds, targets)):
        term = loss_fn(p, t)
        if not isinstance(term, Value):
            if isinstance(term, numbers.Real) and not isinstance(term, bool):
                term = Value(term)
            else:
                raise TypeError(
                    f"the loss returned {type(term).__name__} for sample {i}: "
                    "it must return a Value"
                )
        total = term if total is None else total + term
    if total is None:
        raise ValueError("a batch needs at least one sample")
    return total / len(preds)


def _set_mode(model: Any, training: bool | None) -> None:
    if training is None:
        return
    if training and hasattr(model, "train"):
        model.train()
    elif not training and hasattr(model, "eval"):
        model.eval()


def _make_optimizer(model: Any, optimizer: Any, lr: float | None) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError("lr= is for an optimizer given by name; set it on the optimizer")
        theirs = {id(p) for p in optimizer.params}
        if not any(id(p) in theirs for p in model.parameters()):
            raise ValueError(
                "the optimizer holds none of this model's parameters: build it with "
                "model.parameters()"
            )
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        cls: Callable[..., Optimizer] = OPTIMIZERS[optimizer.lower()]
        if lr is None:
            if cls is SGD:
                raise ValueError("optimizer='sgd' needs a learning rate: pass lr=...")
            return cls(model.parameters())  # the optimizer's own default learning rate
        return cls(model.parameters(), lr=lr)
    raise ValueError(
        f"optimizer must be an Optimizer (e.g. SGD(model.parameters(), lr=0.1)) or one of "
        f"{', '.join(OPTIMIZERS)}; got {optimizer!r}"
    )


def _check_count(name: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    return positive_int(name, value)


# --------------------------------------------------------------------------------- public API


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: LossArg,
    optimizer: Optimizer | str,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation: tuple[Any, Any] | None = None,
    early_stopping: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = False,
    metrics: Iterable[MetricArg] = (),
    schedule: Schedule | Callable[[int], float] | None = None,
    penalty: Callable[[list[Value]], Value] | None = None,
    lr: float | None = None,
    progress: bool | None = None,
    engine: str = "scalar",
) -> History:
    """Train ``model`` on (X, y) and return a History of the loss and metrics per epoch.

    Args:
        model: anything with ``parameters()`` and ``model(x)`` for a list of floats, returning a
            Value or a list of Values (``microgrid.nn`` modules). ``train()``/``eval()`` are used
            when present: train mode while fitting, eval mode for validation.
        loss: a per-sample loss ``loss(prediction, target) -> Value`` or a name from
            ``microgrid.losses`` ("mse", "hinge", "cross_entropy", ...). The batch loss is the
            mean over the batch's samples.
        optimizer: an Optimizer over the model's parameters, or a name ("sgd", "adagrad",
            "rmsprop", "adam") with ``lr=``.
        epochs: passes over the training data.
        batch_size: None for full batch (one update per epoch), 1 for SGD, k for mini-batches
            of k (the last batch of an epoch may be smaller).
        shuffle, seed: visit samples in a fresh random order each epoch, reproducibly.
        validation: (X_val, y_val), evaluated after each epoch.
        early_stopping: patience: stop when the monitored loss (val_loss if there is validation
            data, else loss) has not improved by more than ``min_delta`` for that many epochs.
            ``restore_best=True`` then puts back the parameters as they were at the end of
            the best epoch (exact for val_loss, which is measured then; the training loss of
            an epoch is measured along the way, before each update).
        metrics: names or functions from ``microgrid.metrics`` ("accuracy", "mae", ...).
        schedule: a ``microgrid.schedules`` Schedule on this optimizer (stepped after every
            epoch) or a function ``epoch -> lr`` (applied before every epoch), e.g. micrograd's
            ``lambda k: 1.0 - 0.9 * k / 100``.
        penalty: ``f(model.parameters()) -> Value`` added to every batch loss (L2, L1).
        progress: a tqdm progress bar on stderr; None shows it only when stderr is a terminal.
        engine: "scalar" builds each sample's graph with Values; "tape" compiles the model
            once (``microgrid.tape``) and runs each batch as numpy arrays, with the same
            numbers (the per-sample losses still run on the scalar engine). A model whose
            graph depends on its input (Dropout in training mode) is refused.
    """
    if engine not in ("scalar", "tape"):
        raise ValueError(f"engine must be 'scalar' or 'tape', got {engine!r}")
    plan = _plan(
        model,
        X,
        y,
        validation,
        loss=loss,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        early_stopping=early_stopping,
        metrics=metrics,
        schedule=schedule,
        penalty=penalty,
    )
    history = History(
        metrics={name: [] for name, _ in plan.metric_fns},
        val_metrics={name: [] for name, _ in plan.metric_fns} if plan.validation else {},
    )
    stopper = _EarlyStopping(plan.early_stopping, min_delta, restore_best, plan.params)
    was_training = getattr(model, "training", None)
    if engine == "tape":
        from microgrid.tape import compile_model

        _set_mode(model, True)
        plan.tape = compile_model(model, plan.X)
    if progress is None:
        progress = sys.stderr.isatty()
    epoch_range: Iterable[int] = range(plan.epochs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(epoch_range, desc="fit", unit="epoch", file=sys.stderr, leave=True)
        epoch_range = bar
    # The cyclic garbage collector is paused while fitting (graphs of Values hold no cycles, so
    # its passes over every live node would find nothing) and restored in the finally below,
    # even on an error; a young-generation pass after each epoch frees any cycles the user's
    # own code makes.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for epoch in epoch_range:
            if epoch:
                gc.collect(1)
            _one_epoch(plan, epoch, history)
            monitored = _end_of_epoch(plan, history, bar)
            if stopper.stop_after(epoch, monitored, history):
                break
    finally:
        if gc_was_enabled:
            gc.enable()
        if bar is not None:
            bar.close()
        _set_mode(model, was_training)
    stopper.restore_best()
    return history


# ------------------------------------------------------------------------ fit, step by step


@dataclass
class _Plan:
    """Everything ``fit`` checked before the first update, ready for the epochs."""

    model: Any
    X: np.ndarray
    targets: list[Any]
    validation: tuple[np.ndarray, np.ndarray] | None
    loss_fn: Callable[..., Value]
    metric_fns: list[tuple[str, Callable[..., float]]]
    opt: Optimizer
    schedule: Schedule | Callable[[int], float] | None
    penalty: Callable[[list[Value]], Value] | None
    epochs: int
    batch_size: int
    early_stopping: int | None
    shuffle: bool
    rng: np.random.Generator
    params: list[Value]
    names: dict[int, str]
    tape: Any = None  # a microgrid.tape.Tape of the model, with fit(..., engine="tape")


def _plan(
    model: Any,
    X: Any,
    y: Any,
    validation: tuple[Any, Any] | None,
    *,
    loss: LossArg,
    optimizer: Optimizer | str,
    lr: float | None,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    early_stopping: int | None,
    metrics: Iterable[MetricArg] | MetricArg | None,
    schedule: Schedule | Callable[[int], float] | None,
    penalty: Callable[[list[Value]], Value] | None,
) -> _Plan:
    """Check every argument of ``fit`` (a refusal names the problem) and gather them."""
    n_epochs = _check_count("epochs", epochs)
    size = _check_count("batch_size", batch_size, allow_none=True)
    if early_stopping is not None:
        early_stopping = _check_count("early_stopping (patience)", early_stopping)
    if not hasattr(model, "parameters") or not callable(model):
        raise TypeError("model must be callable and have parameters() (a microgrid.nn module)")
    loss_fn = get_loss(loss)
    metric_fns = _metric_list(metrics)
    X, y = _dataset(model, X, y)
    checked_validation = None
    if validation is not None:
        if not isinstance(validation, tuple | list) or len(validation) != 2:
            raise ValueError("validation must be a pair (X_val, y_val)")
        checked_validation = _dataset(model, validation[0], validation[1], prefix="validation ")
    opt = _make_optimizer(model, optimizer, lr)
    if isinstance(schedule, Schedule) and schedule.optimizer is not opt:
        raise ValueError("the schedule is attached to a different optimizer than fit's")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a Schedule or a function epoch -> lr, got {schedule!r}")
    named = getattr(model, "named_parameters", None)
    names = {id(p): name for name, p in named()} if callable(named) else {}
    return _Plan(
        model=model,
        X=X,
        targets=_targets(y),
        validation=checked_validation,
        loss_fn=loss_fn,
        metric_fns=metric_fns,
        opt=opt,
        schedule=schedule,
        penalty=penalty,
        epochs=cast(int, n_epochs),
        batch_size=len(X) if size is None else min(size, len(X)),
        early_stopping=early_stopping,
        shuffle=shuffle,
        rng=np.random.default_rng(seed),
        params=list(model.parameters()),
        names=names,
    )


def _one_epoch(plan: _Plan, epoch: int, history: History) -> None:
    """One pass over the training data: for each batch, zero, forward, loss, backward, step.

    Appends the epoch's learning rate, mean loss and training metrics to ``history``. Stops
    with FloatingPointError (naming the epoch, the batch and what went wrong) as soon as the
    loss, a gradient or a parameter is not a finite number: nothing trains on silently.
    """
    opt, n, size = plan.opt, len(plan.X), plan.batch_size
    if plan.schedule is not None and not isinstance(plan.schedule, Schedule):
        opt.lr = plan.schedule(epoch)
    history.lr.append(opt.lr)
    _set_mode(plan.model, True)
    # a full batch sums every sample anyway: its order is left alone (bit-reproducible)
    order = plan.rng.permutation(n) if plan.shuffle and size < n else np.arange(n)
    total = 0.0
    seen_preds: list[Any] = [None] * n
    for start in range(0, n, size):
        batch = order[start : start + size]
        where = f"in epoch {epoch}, batch {start // size}"
        opt.zero_grad()
        try:
            if plan.tape is None:
                preds = [_forward(plan.model, plan.X[i], int(i)) for i in batch]
            else:
                preds = plan.tape.forward_values(plan.X[batch])
            batch_loss = _mean_loss(plan.loss_fn, preds, [plan.targets[i] for i in batch])
            diverged: str | None = None
            if not math.isfinite(batch_loss.data):
                diverged = repr(batch_loss.data)
        except (OverflowError, ZeroDivisionError) as exc:
            # An op overflowed (exp, pow) or divided by 0: the weights have diverged.
            diverged = f"not computable ({exc})"
        if diverged is not None:
            raise FloatingPointError(
                f"the loss became {diverged} {where}: lower the learning rate or check the data"
            )
        total += batch_loss.data * len(batch)
        for i, p in zip(batch, preds):
            seen_preds[i] = _data(p, f"sample {i}")
        penalty = plan.penalty
        objective = batch_loss + penalty(plan.params) if penalty is not None else batch_loss
        objective.backward()
        if plan.tape is not None:  # the loss's gradient per prediction, through the model
            plan.tape.backward_values(preds)
            plan.tape.accumulate_grads()
        _check_finite(plan, "grad", f"the gradient of {{}} became {{}} {where}")
        opt.step()
        _check_finite(plan, "data", f"{{}} became {{}} after the optimizer step {where}")
        history.steps += 1
    history.loss.append(total / n)
    for name, fn in plan.metric_fns:
        history.metrics[name].append(fn(seen_preds, plan.targets))


def _check_finite(plan: _Plan, attr: str, message: str) -> None:
    """Stop fit at the first parameter whose ``attr`` ("grad" or "data") is NaN or infinite."""
    for i, p in enumerate(plan.params):
        value = getattr(p, attr)
        if not math.isfinite(value):
            name = plan.names.get(id(p)) or p.label or f"parameter {i}"
            raise FloatingPointError(
                message.format(name, value)
                + ": lower the learning rate, check the data and the model's weights, or find "
                "the op with microgrid.detect_anomaly()"
            )


def _end_of_epoch(plan: _Plan, history: History, bar: Any) -> float:
    """Validation scores, the progress bar and the schedule's step; returns the monitored loss."""
    monitored = history.loss[-1]
    if plan.validation is not None:
        Xv, yv = plan.validation
        scores = _evaluate(plan.model, Xv, yv, plan.loss_fn, plan.metric_fns)
        history.val_loss.append(scores["loss"])
        for name, _ in plan.metric_fns:
            history.val_metrics[name].append(scores[name])
        monitored = scores["loss"]
    if bar is not None:
        shown = {"loss": fixed(history.loss[-1], 4)}
        if plan.validation is not None:
            shown["val_loss"] = fixed(monitored, 4)
        bar.set_postfix(shown)
    if isinstance(plan.schedule, Schedule):
        plan.schedule.step()
    return monitored


class _EarlyStopping:
    """Track the best monitored loss; say when patience runs out; put the best weights back."""

    def __init__(
        self, patience: int | None, min_delta: float, restore: bool, params: list[Value]
    ) -> None:
        self.patience, self.min_delta, self.restore = patience, min_delta, restore
        self.params = params
        self.best, self.waited = math.inf, 0
        self.best_state: list[float] | None = None

    def stop_after(self, epoch: int, monitored: float, history: History) -> bool:
        """Record this epoch's monitored loss; True when training should stop now."""
        if monitored < self.best - self.min_delta:
            self.best, self.waited, history.best_epoch = monitored, 0, epoch
            if self.restore:
                self.best_state = [p.data for p in self.params]
            return False
        self.waited += 1
        if self.patience is not None and self.waited >= self.patience:
            history.stopped_early = epoch
            return True
        return False

    def restore_best(self) -> None:
        """With ``restore_best=True``, set the parameters as they were after the best epoch."""
        if self.restore and self.best_state is not None:
            for p, value in zip(self.params, self.best_state):
                p.data = value


def predict(model: Any, X: Any) -> np.ndarray:
    """The model's outputs for every row of X, in eval mode without building graphs.

    Returns shape (n,) for a model with one output, (n, k) for k outputs.
    """
    X = _inputs(model, X)
    was_training = getattr(model, "training", None)
    _set_mode(model, False)
    try:
        with no_grad():
            rows = [_data(model(row.tolist()), f"sample {i}") for i, row in enumerate(X)]
    finally:
        _set_mode(model, was_training)
    return np.asarray(rows, dtype=np.float64)


def evaluate(
    model: Any, X: Any, y: Any, loss: LossArg | None = None, metrics: Iterable[MetricArg] = ()
) -> dict[str, float]:
    """Mean loss (if a loss is given) and metrics of the model on (X, y), in eval mode.

    Returns ``{"loss": ..., "<metric>": ...}``; see ``fit`` for the loss and metric arguments.
    """
    X, y = _dataset(model, X, y)
    loss_fn = get_loss(loss) if loss is not None else None
    return _evaluate(model, X, y, loss_fn, _metric_list(metrics))


def _evaluate(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    loss_fn: Callable[..., Value] | None,
    metric_fns: list[tuple[str, Callable[..., float]]],
) -> dict[str, float]:
    targets = _targets(y)
    was_training = getattr(model, "training", None)
    _set_mode(model, False)
    try:
        with no_grad():
            outs = [_forward(model, row, i) for i, row in enumerate(X)]
            scores: dict[str, float] = {}
            if loss_fn is not None:
                scores["loss"] = _mean_loss(loss_fn, outs, targets).data
    finally:
        _set_mode(model, was_training)
    preds = [_data(o, f"sample {i}") for i, o in enumerate(outs)]
    for name, fn in metric_fns:
        scores[name] = fn(preds, targets)
    return scores
