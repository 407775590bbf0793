"""Learning-rate schedules: lr as a function of the epoch (or step) counter k, set on an optimizer.

A schedule is attached to an optimizer, remembers the optimizer's lr as ``base_lr``, and after
each epoch ``schedule.step()`` moves k on by one and writes the new lr into ``optimizer.lr``
(the same protocol as ``torch.optim.lr_scheduler``). ``schedule.lr_at(k)`` gives the lr of any
k without changing anything, for plots and tests.

micrograd's moons demo, ``learning_rate = 1.0 - 0.9*k/100``, is
``LinearDecay(SGD(params, lr=1.0), total_steps=100, end_factor=0.1)``.
"""

from __future__ import annotations

import math

from microgrid._checks import finite_real, positive_int
from microgrid.optim import Optimizer

__all__ = ["CosineDecay", "ExponentialDecay", "LinearDecay", "Schedule", "StepDecay"]


class Schedule:
    """Base class: holds the optimizer, ``base_lr`` and the counter ``k``; subclasses give lr_at.

    Creating a schedule sets ``optimizer.lr = lr_at(0)`` (equal to the optimizer's lr for every
    schedule here except a LinearDecay whose start_factor is not 1).
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                "a schedule is attached to an optimizer (microgrid.optim.SGD, Adam, ...), "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        #: How many times ``step()`` has been called (epochs done, when stepped per epoch).
        self.k = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, k: int) -> float:
        """The learning rate after ``k`` calls of ``step()``."""
        raise NotImplementedError

    @property
    def lr(self) -> float:
        """The learning rate in force now (``lr_at(k)``)."""
        return self.lr_at(self.k)

    def step(self) -> float:
        """Advance k by one, set the optimizer's lr to ``lr_at(k)`` and return it."""
        self.k += 1
        self.optimizer.lr = lr = self.lr_at(self.k)
        return lr

    def __call__(self, k: int) -> float:
        """Same as ``lr_at(k)``: a schedule is also a plain function of k."""
        return self.lr_at(k)


class StepDecay(Schedule):
    """Multiply lr by ``gamma`` every ``step_size`` epochs: lr_k = base_lr * gamma^(k // step_size).

    ``StepDecay(opt, step_size=10, gamma=0.5)`` halves the learning rate every ten epochs.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = positive_int("step_size", step_size)
        self.gamma = finite_real("gamma", gamma, positive=True)
        super().__init__(optimizer)

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma ** (k // self.step_size)


class LinearDecay(Schedule):
    """Move lr in a straight line from start_factor * base_lr to end_factor * base_lr, then hold.

    lr_k = base_lr * (start + (end - start) * min(k, T) / T), with T = total_steps

    With base_lr 1.0, end_factor 0.1 and total_steps 100 this is micrograd's 1.0 - 0.9*k/100.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_steps: int,
        end_factor: float = 0.0,
        start_factor: float = 1.0,
    ) -> None:
        self.total_steps = positive_int("total_steps", total_steps)
        self.start_factor = finite_real("start_factor", start_factor)
        self.end_factor = finite_real("end_factor", end_factor)
        super().__init__(optimizer)

    def lr_at(self, k: int) -> float:
        fraction = min(k, self.total_steps) / self.total_steps
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class ExponentialDecay(Schedule):
    """Multiply lr by ``gamma`` every epoch: lr_k = base_lr * gamma^k."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = finite_real("gamma", gamma, positive=True)
        super().__init__(optimizer)

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma**k


class CosineDecay(Schedule):
    """Half a cosine from base_lr down to min_lr over total_steps epochs, then hold min_lr.

    lr_k = min_lr + (base_lr - min_lr) * (1 + cos(pi * min(k, T) / T)) / 2, with T = total_steps.
    """

    def __init__(self, optimizer: Optimizer, total_steps: int, min_lr: float = 0.0) -> None:
        self.total_steps = positive_int("total_steps", total_steps)
        self.min_lr = finite_real("min_lr", min_lr)
        super().__init__(optimizer)

    def lr_at(self, k: int) -> float:
        t = min(k, self.total_steps) / self.total_steps
        return self.min_lr + (self.base_lr - self.min_lr) * (1.0 + math.cos(math.pi * t)) / 2.0
