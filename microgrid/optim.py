"""Optimizers: the rules that turn each parameter's ``grad`` into a step, from plain SGD to Adam.

Every optimizer holds a list of parameters (Values) and, for each one *in that order*, a small
state dict (velocity, running averages). ``step()`` reads ``p.grad`` and rewrites ``p.data`` under
``no_grad``, so updates never enter a graph; ``zero_grad()`` clears the grads before the next
backward pass. The loop the seeds describe is then::

    optimizer.zero_grad()
    loss = ...            # forward pass
    loss.backward()       # backward pass
    optimizer.step()      # theta = theta - lr * (something made of the gradient)

Conventions follow ``torch.optim`` (and the tests check every optimizer against it to 1e-9 in
float64). Where textbooks and libraries write a formula differently, the docstrings say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from microgrid._checks import finite_real
from microgrid._grad_mode import no_grad
from microgrid.engine import Value

__all__ = ["SGD", "Adagrad", "Adam", "Optimizer", "RMSprop", "clip_grad_norm", "clip_grad_value"]


class Optimizer:
    """Base class: the parameter list, per-parameter state, ``lr``, ``step()``, ``zero_grad()``.

    Subclasses implement ``_update(p, g, state) -> new data`` for one parameter with gradient ``g``
    (weight decay already added). ``state`` is that parameter's own dict, kept in
    ``self.state[i]`` for ``self.params[i]``.
    """

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        if isinstance(params, Value):
            raise TypeError(
                "params must be a list of Values (e.g. model.parameters()), not one Value"
            )
        try:
            params = list(params)
        except TypeError:
            raise TypeError(
                f"params must be an iterable of Values, got {type(params).__name__}"
            ) from None
        if not params:
            raise ValueError("optimizer got an empty parameter list: there is nothing to train")
        seen: dict[int, int] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] is a {type(p).__name__}, not a Value: {p!r}")
            if id(p) in seen:
                raise ValueError(
                    f"params[{i}] is the same Value as params[{seen[id(p)]}]: "
                    "it would be updated twice per step"
                )
            seen[id(p)] = i
        self.params: list[Value] = params
        self.lr = lr
        self.weight_decay = finite_real("weight_decay", weight_decay)
        #: One dict per parameter, in the order of ``params``.
        self.state: list[dict[str, float]] = [{} for _ in params]
        #: Number of ``step()`` calls so far (Adam's bias correction uses it).
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate (step size). Schedules rewrite it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = finite_real("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (grads accumulate across backward passes)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current ``grad``.

        Refuses (changing nothing) when a gradient is NaN or infinite, naming the parameter.
        With ``weight_decay`` alpha, the gradient first gets ``alpha * w`` added: for plain SGD
        this is the seed's shrink ``w = (1 - lr*alpha) w - lr * dJ/dw``.
        """
        for i, p in enumerate(self.params):
            if not math.isfinite(p.grad):
                name = f" ({p.label!r})" if p.label else ""
                raise FloatingPointError(
                    f"gradient of params[{i}]{name} is {p.grad!r}: refusing to step "
                    "(lower the learning rate or check the loss for log(0) / overflow)"
                )
        self.steps += 1
        wd = self.weight_decay
        with no_grad():
            for p, state in zip(self.params, self.state):
                g = p.grad + wd * p.data if wd else p.grad
                p.data = self._update(p.data, g, state)

    def _update(self, w: float, g: float, state: dict[str, float]) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self.params)} params>, lr={self.lr:g})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum and weight decay.

    Vanilla (momentum 0): ``w = w - lr * g``, the seed's theta = theta - alpha * grad J.

    Momentum mu (torch's form, dampening d, default 0)::

        b = g                          (first step)
        b = mu * b + (1 - d) * g       (later steps)
        w = w - lr * b                 (or, Nesterov: w = w - lr * (g + mu * b))

    The seed writes momentum as ``v = mu*v - lr*dx; x = x + v``. With a constant lr the two are
    the same trajectory (v = -lr * b); they differ only when lr changes mid-run, where torch's
    form applies the new lr to the whole velocity at once. The seed's Nesterov "look-ahead"
    (gradient at x + mu*v) is written here, as in torch, in the equivalent re-parameterized form
    that needs only the gradient at the current point: the value held in ``w`` is then the
    seed's look-ahead point x + mu*v (the tests check exactly that).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = finite_real("momentum", momentum, below=1.0)
        self.dampening = finite_real("dampening", dampening, below=1.0)
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = nesterov

    def _update(self, w: float, g: float, state: dict[str, float]) -> float:
        mu = self.momentum
        if mu == 0.0:
            return w - self.lr * g
        if "momentum_buffer" in state:
            b = mu * state["momentum_buffer"] + (1.0 - self.dampening) * g
        else:
            b = g
        state["momentum_buffer"] = b
        direction = g + mu * b if self.nesterov else b
        return w - self.lr * direction


class Adagrad(Optimizer):
    """Adagrad: each parameter's step shrinks with the sum of its squared gradients so far.

    ::

        G = G + g^2                     (G starts at initial_accumulator_value)
        w = w - lr * g / (sqrt(G) + eps)

    eps sits *outside* the square root, as in the seed (``np.sqrt(cache) + eps``) and torch
    (eps 1e-10); Keras puts it the same place but defaults eps to 1e-7 and G0 to 0.1.
    Directions with large gradients slow down first ("由快到慢").
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.eps = finite_real("eps", eps)
        self.initial_accumulator_value = finite_real(
            "initial_accumulator_value", initial_accumulator_value
        )
        for state in self.state:
            state["sum"] = self.initial_accumulator_value

    def _update(self, w: float, g: float, state: dict[str, float]) -> float:
        state["sum"] = total = state["sum"] + g * g
        denom = math.sqrt(total) + self.eps
        if denom == 0.0:  # g was 0 and nothing accumulated yet, with eps = 0: no step
            return w
        return w - self.lr * g / denom


class RMSprop(Optimizer):
    """RMSprop: like Adagrad, but the squared gradients are a running average that forgets.

    ::

        s = alpha * s + (1 - alpha) * g^2          (s starts at 0)
        w = w - lr * g / (sqrt(s) + eps)

    With ``momentum`` mu: ``b = mu * b + g / (sqrt(s) + eps); w = w - lr * b``. With
    ``centered=True`` the mean gradient m (a running average too) is removed:
    ``sqrt(s - m^2)``. Conventions vary: torch (followed here) uses alpha = 0.99, eps = 1e-8
    outside the root; Keras calls alpha ``rho`` with default 0.9 and eps 1e-7.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = finite_real("alpha", alpha, below=1.0)
        self.eps = finite_real("eps", eps)
        self.momentum = finite_real("momentum", momentum, below=1.0)
        if not isinstance(centered, bool):
            raise TypeError(f"centered must be True or False, got {centered!r}")
        self.centered = centered

    def _update(self, w: float, g: float, state: dict[str, float]) -> float:
        a = self.alpha
        state["square_avg"] = s = a * state.get("square_avg", 0.0) + (1.0 - a) * g * g
        if self.centered:
            state["grad_avg"] = m = a * state.get("grad_avg", 0.0) + (1.0 - a) * g
            s = max(s - m * m, 0.0)  # >= 0 in exact arithmetic; guard rounding
        denom = math.sqrt(s) + self.eps
        if denom == 0.0:
            step = 0.0
        else:
            step = g / denom
        if self.momentum:
            buf = self.momentum * state.get("momentum_buffer", 0.0) + step
            state["momentum_buffer"] = step = buf
        return w - self.lr * step


class Adam(Optimizer):
    """Adam: momentum (first moment m) plus RMSprop (second moment v), both bias-corrected.

    At step t (t = 1, 2, ...)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t)        v_hat = v / (1 - beta2^t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    eps goes outside the root of v_hat, as in torch and the Adam paper; Keras adds it to
    sqrt(v_hat) too, with eps 1e-7.

    ``bias_correction=False`` gives the seed's form (seed 002's table), side by side::

        with correction (default, torch, the paper)     without (the seed)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)        w = w - lr * m / (sqrt(v) + eps)

    m and v start at 0, so in the first steps they are too small by the factors 1 - beta1^t
    and 1 - beta2^t: the correction divides them out. Without it the first step is
    lr * (1 - beta1) / sqrt(1 - beta2) ~ 3.2 lr * sign(g) instead of lr * sign(g), and the
    difference fades as beta^t -> 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        bias_correction: bool = True,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(bias_correction, bool):
            raise TypeError(f"bias_correction must be True or False, got {bias_correction!r}")
        self.bias_correction = bias_correction
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        self.betas = (
            finite_real("beta1", beta1, below=1.0),
            finite_real("beta2", beta2, below=1.0),
        )
        self.eps = finite_real("eps", eps)

    def _update(self, w: float, g: float, state: dict[str, float]) -> float:
        b1, b2 = self.betas
        t = self.steps
        state["exp_avg"] = m = b1 * state.get("exp_avg", 0.0) + (1.0 - b1) * g
        state["exp_avg_sq"] = v = b2 * state.get("exp_avg_sq", 0.0) + (1.0 - b2) * g * g
        if self.bias_correction:
            m_hat = m / (1.0 - b1**t)
            v_hat = v / (1.0 - b2**t)
        else:
            m_hat, v_hat = m, v
        denom = math.sqrt(v_hat) + self.eps
        if denom == 0.0:
            return w
        return w - self.lr * m_hat / denom


# ------------------------------------------------------------------------- gradient clipping
# Seeds 001, 002 and 004 name exploding gradients (梯度爆炸) and gradient clipping (梯度裁剪) as
# its remedy: after backward() and before step(), cap the gradients.


def _grad_params(params: Iterable[Value], who: str) -> list[Value]:
    if isinstance(params, Value):
        params = [params]
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, not a Value")
    return out


def clip_grad_norm(params: Iterable[Value], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so their joint norm is at most ``max_norm``; return the norm.

    The norm is taken over every parameter's gradient as one vector,
    ||g||_p = (sum_i |g_i|^p)^(1/p) (``norm_type=math.inf``: max_i |g_i|). When it exceeds
    ``max_norm``, every gradient is multiplied by max_norm / (||g|| + 1e-6), as
    ``torch.nn.utils.clip_grad_norm_`` does (the 1e-6 keeps the division safe), so the direction
    of the step is kept and only its length is capped. Returns the norm before clipping.
    """
    params = _grad_params(params, "clip_grad_norm")
    max_norm = finite_real("max_norm", max_norm)
    norm_type = float(norm_type)
    if not (norm_type > 0.0):
        raise ValueError(f"norm_type must be > 0 (or math.inf), got {norm_type!r}")
    sizes = [abs(p.grad) for p in params]
    if not sizes:
        return 0.0
    if math.isinf(norm_type):
        total = max(sizes)
    else:
        total = sum(s**norm_type for s in sizes) ** (1.0 / norm_type)
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in params:
            p.grad *= scale
    return total


def clip_grad_value(params: Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value], each on its own.

    Unlike clipping by norm this can change the direction of the step (large components are
    cut more than small ones), as ``torch.nn.utils.clip_grad_value_``.
    """
    params = _grad_params(params, "clip_grad_value")
    c = finite_real("clip_value", clip_value)
    for p in params:
        if p.grad > c:
            p.grad = c
        elif p.grad < -c:
            p.grad = -c
