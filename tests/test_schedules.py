"""Learning-rate schedules: the numbers, the optimizer they drive, and torch's schedulers."""

from __future__ import annotations

import math

import pytest

from microgrid import Value
from microgrid.optim import SGD, Adam
from microgrid.schedules import CosineDecay, ExponentialDecay, LinearDecay, StepDecay


def sgd(lr: float = 1.0) -> SGD:
    return SGD([Value(0.0)], lr=lr)


def run(schedule, n: int) -> list[float]:
    """The optimizer's lr at epochs 0..n-1, stepping the schedule after each epoch."""
    lrs = []
    for _ in range(n):
        lrs.append(schedule.optimizer.lr)
        schedule.step()
    return lrs


def test_step_decay_numbers():
    lrs = run(StepDecay(sgd(0.8), step_size=3, gamma=0.5), 8)
    assert lrs == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2], abs=1e-15)


def test_linear_decay_is_micrograds_formula():
    lrs = run(LinearDecay(sgd(1.0), total_steps=100, end_factor=0.1), 100)
    assert lrs == pytest.approx([1.0 - 0.9 * k / 100 for k in range(100)], abs=1e-15)


def test_linear_decay_holds_after_total_steps_and_can_start_low():
    opt = sgd(0.2)
    sched = LinearDecay(opt, total_steps=4, start_factor=0.5, end_factor=1.0)
    assert opt.lr == pytest.approx(0.1)  # creation applies lr_at(0) (a warm-up)
    assert run(sched, 7) == pytest.approx([0.1, 0.125, 0.15, 0.175, 0.2, 0.2, 0.2], abs=1e-15)


def test_exponential_decay_numbers():
    lrs = run(ExponentialDecay(sgd(2.0), gamma=0.9), 5)
    assert lrs == pytest.approx([2.0, 1.8, 1.62, 1.458, 1.3122], abs=1e-14)


def test_cosine_decay_numbers():
    lrs = run(CosineDecay(sgd(1.0), total_steps=4, min_lr=0.2), 6)
    half = 0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2
    quarter = 0.2 + 0.8 * (1 + math.cos(3 * math.pi / 4)) / 2
    assert lrs == pytest.approx([1.0, half, 0.6, quarter, 0.2, 0.2], abs=1e-15)


def test_lr_at_is_pure_and_step_returns_the_new_lr():
    opt = sgd(1.0)
    sched = StepDecay(opt, step_size=1, gamma=0.1)
    assert sched.lr_at(2) == pytest.approx(0.01) and sched(2) == sched.lr_at(2)
    assert (sched.k, opt.lr) == (0, 1.0)
    assert sched.step() == pytest.approx(0.1)
    assert (sched.k, opt.lr, sched.lr) == (1, pytest.approx(0.1), pytest.approx(0.1))


def test_schedule_drives_any_optimizer():
    opt = Adam([Value(0.0)], lr=0.01)
    sched = ExponentialDecay(opt, gamma=0.5)
    sched.step()
    sched.step()
    assert opt.lr == pytest.approx(0.0025)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: StepDecay(o, step_size=0), "step_size must be a positive whole number"),
        (lambda o: StepDecay(o, step_size=2.5), "step_size must be a positive whole number"),
        (lambda o: StepDecay(o, step_size=2, gamma=0), "gamma must be > 0"),
        (lambda o: LinearDecay(o, total_steps=-3), "total_steps must be a positive"),
        (lambda o: LinearDecay(o, total_steps=3, end_factor=-1), "end_factor must be >= 0"),
        (lambda o: ExponentialDecay(o, gamma=math.nan), "gamma must be finite"),
        (lambda o: CosineDecay(o, total_steps=10, min_lr="0"), "min_lr must be a real number"),
        (lambda o: StepDecay(0.1, step_size=1), "attached to an optimizer"),
    ],
)
def test_bad_arguments_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(sgd())


TORCH_CASES = [
    (lambda o: StepDecay(o, step_size=3, gamma=0.5), "StepLR", dict(step_size=3, gamma=0.5)),
    (
        lambda o: LinearDecay(o, total_steps=10, end_factor=0.1),
        "LinearLR",
        dict(start_factor=1.0, end_factor=0.1, total_iters=10),
    ),
    (lambda o: ExponentialDecay(o, gamma=0.93), "ExponentialLR", dict(gamma=0.93)),
    (
        lambda o: CosineDecay(o, total_steps=10, min_lr=0.01),
        "CosineAnnealingLR",
        dict(T_max=10, eta_min=0.01),
    ),
]


@pytest.mark.parametrize(("make", "name", "kwargs"), TORCH_CASES, ids=[c[1] for c in TORCH_CASES])
def test_matches_torch_lr_scheduler(make, name, kwargs):
    torch = pytest.importorskip("torch")
    ours = make(sgd(0.3))
    w = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([w], lr=0.3)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for epoch in range(10):  # CosineAnnealingLR is periodic past T_max; ours holds min_lr
        assert ours.optimizer.lr == pytest.approx(topt.param_groups[0]["lr"], abs=1e-12), epoch
        topt.step()
        ours.step()
        theirs.step()
