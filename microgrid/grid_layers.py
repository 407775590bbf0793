"""Module forms of the grid layers: Conv2d, pooling, Flatten/Unflatten, four norms, Maxout.

Each wraps one function of ``microgrid.functional`` (see ``convolution``, ``pooling``,
``normalization``, ``maxout``) in the ``microgrid.nn.Module`` contract: parameters with names
and labels (``w[o,c,a,b]``, ``b[o]``, ``gamma[c]``, ``beta[c]``), a scope for the drawing,
``train()``/``eval()``, state dicts. They are re-exported from ``microgrid.nn``.

Image modules take a batch ``[N][C][H][W]`` or one image ``[C][H][W]`` (and give one image
back), as PyTorch's do; the norms also take ``[N][F]`` or one sample ``[F]`` (BatchNorm needs a
real batch in training). ``fit`` hands a model one sample at a time as a flat list of numbers, so
a CNN for ``fit`` starts with ``Unflatten((C, H, W))`` and ends its convolutional part with
``Flatten()`` before a ``Dense`` layer::

    model = nn.Sequential(
        nn.Unflatten((1, 6, 6)),                         # 36 numbers -> [1][6][6]
        nn.Conv2d(1, 2, 3, activation="relu", seed=0),   # -> [2][4][4]
        nn.MaxPool2d(2),                                 # -> [2][2][2]
        nn.Flatten(),                                    # -> 8 Values
        nn.Dense(8, 2),                                  # -> 2 scores
    )
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgrid import grid
from microgrid._checks import finite_real, positive_int
from microgrid.convolution import conv2d
from microgrid.engine import Value, as_float
from microgrid.grid import Grid, pair, unbatch
from microgrid.init import Rng, Scheme, draw, get_scheme, make_rng
from microgrid.maxout import maxout
from microgrid.nn import _GRID_LAYERS, Activation, Layer, Module, _activation_name, get_activation
from microgrid.normalization import EPS, batch_norm, group_norm, instance_norm, layer_norm
from microgrid.pooling import avg_pool2d, global_avg_pool2d, max_pool2d, stochastic_pool2d

__all__ = list(_GRID_LAYERS)  # nn re-exports these names lazily, from one list


def _index(*k: int) -> str:
    return "[" + ",".join(map(str, k)) + "]"


class _GridModule(Module):
    """A module whose input is a grid: ``Sequential`` hands it the input unchanged."""

    takes_grid = True


# ---------------------------------------------------------------------------------- Conv2d


class Conv2d(_GridModule):
    """A convolution layer: ``c_out`` kernels of ``c_in x kh x kw`` shared weights and a bias each.

    Weights are drawn with ``init`` (default ``he_uniform``, fan-in c_in kh kw, suited to the
    ReLU that usually follows) from ``seed``/``rng``, kernel by kernel in ``[o][c][a][b]`` order;
    biases start at 0. ``activation`` (``"relu"``, ...) is applied to every output, as Keras'
    ``Conv2D(activation=...)``. Parameters are named ``w[o,c,a,b]`` and ``b[o]``.
    """

    default_name = "conv"

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        seed: int | None = None,
        *,
        bias: bool = True,
        activation: Activation = None,
        init: Scheme = "he_uniform",
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.c_in = positive_int("c_in", c_in)
        self.c_out = positive_int("c_out", c_out)
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride = pair("stride", stride)
        self.padding = pair("padding", padding, minimum=0)
        self.activation_name = _activation_name(activation)
        self._act = get_activation(activation)
        get_scheme(init)
        source = make_rng(seed, rng)
        kh, kw = self.kernel_size
        fan_in, fan_out = self.c_in * kh * kw, self.c_out * kh * kw
        self.weight: Grid = [
            [
                [[Value(draw(init, fan_in, fan_out, source)) for _ in range(kw)] for _ in range(kh)]
                for _ in range(self.c_in)
            ]
            for _ in range(self.c_out)
        ]
        self.bias: list[Value] | None = [Value(0.0) for _ in range(self.c_out)] if bias else None
        self._made = {id(p) for _, p in self._own_parameters()}
        self._tag("", self.name)

    def _own_parameters(self) -> list[tuple[str, Value]]:
        named: list[tuple[str, Value]] = []
        for o, kernel in enumerate(self.weight):
            for c, taps in enumerate(kernel):
                for a, row in enumerate(taps):
                    named.extend((f"w{_index(o, c, a, b)}", v) for b, v in enumerate(row))
        if self.bias is not None:
            named.extend((f"b[{o}]", v) for o, v in enumerate(self.bias))
        return named

    def _made_here(self) -> set[int]:
        return self._made

    def forward(self, x: Any) -> Grid:
        out = conv2d(x, self.weight, self.bias, self.stride, self.padding)
        if self.activation_name == "linear":
            return out
        return grid.apply(self._act, out)

    def __repr__(self) -> str:
        def short(p: tuple[int, int]) -> str:
            return str(p[0]) if p[0] == p[1] else str(p)

        extra = [f"stride={short(self.stride)}"] if self.stride != (1, 1) else []
        if self.padding != (0, 0):
            extra.append(f"padding={short(self.padding)}")
        if self.activation_name != "linear":
            extra.append(f"activation={self.activation_name!r}")
        args = ", ".join([str(self.c_in), str(self.c_out), short(self.kernel_size), *extra])
        return f"Conv2d({args})"


# ---------------------------------------------------------------------------------- pooling


class _Pool(_GridModule):
    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else pair("stride", stride)

    def __repr__(self) -> str:
        k, s = self.kernel_size, self.stride
        kernel = str(k[0]) if k[0] == k[1] else str(k)
        stride = "" if s == k else f", stride={s[0] if s[0] == s[1] else s}"
        return f"{type(self).__name__}({kernel}{stride})"


class MaxPool2d(_Pool):
    """Max pooling: the gradient goes to each window's arg-max (the first one on a tie)."""

    default_name = "maxpool"

    def forward(self, x: Any) -> Grid:
        return max_pool2d(x, self.kernel_size, self.stride)


class AvgPool2d(_Pool):
    """Average pooling: each of a window's k positions gets 1/k of its gradient."""

    default_name = "avgpool"

    def forward(self, x: Any) -> Grid:
        return avg_pool2d(x, self.kernel_size, self.stride)


class StochasticPool2d(_Pool):
    """Stochastic pooling: samples by p_i = a_i / sum(a) in training, the p-weighted mean in eval.

    Draws come from ``seed``/``rng`` (one uniform number per window), so a seeded network
    pools the same positions on every run.
    """

    default_name = "stochasticpool"

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] | None = None,
        *,
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, name=name)
        self._rng = make_rng(seed, rng)

    def forward(self, x: Any) -> Grid:
        return stochastic_pool2d(
            x, self.kernel_size, self.stride, training=self.training, rng=self._rng
        )


class GlobalAvgPool2d(_GridModule):
    """One mean per channel: ``[N][C][H][W] -> [N][C]`` (``[C][H][W] -> [C]``)."""

    default_name = "globalavgpool"

    def forward(self, x: Any) -> Grid:
        return global_avg_pool2d(x)

    def __repr__(self) -> str:
        return "GlobalAvgPool2d()"


# ---------------------------------------------------------------------------------- reshaping


class Flatten(_GridModule):
    """``[N][C][H][W] -> [N][C*H*W]`` for a batch, ``[C][H][W] -> [C*H*W]`` for one image,
    row-major (channel, then row, then column), as ``torch.flatten(x, 1)``."""

    default_name = "flatten"

    def forward(self, x: Any) -> list[Any]:
        dims = grid.shape(x, "Flatten input")
        if len(dims) == 4:
            return [grid.flat(sample) for sample in x]
        if len(dims) == 3:
            return grid.flat(x)
        raise ValueError(
            f"Flatten takes [N][C][H][W] or [C][H][W], got a grid of depth {len(dims)} "
            f"with shape {dims}"
        )

    def __repr__(self) -> str:
        return "Flatten()"


class Unflatten(_GridModule):
    """One sample's flat list of C*H*W numbers (or Values) as an image ``[C][H][W]``.

    The first layer of a CNN trained with ``fit``, which passes each sample as a flat row.
    Numbers become leaf Values labelled by position, ``x[c,i,j]``.
    """

    default_name = "unflatten"

    def __init__(self, shape: Sequence[int], *, name: str | None = None) -> None:
        super().__init__(name)
        if isinstance(shape, str | bytes) or not hasattr(shape, "__len__") or len(shape) != 3:
            raise ValueError(f"Unflatten needs a shape (C, H, W), got {shape!r}")
        self.shape = tuple(positive_int(f"shape[{i}]", s) for i, s in enumerate(shape))
        self.nin = math.prod(self.shape)

    def forward(self, x: Any) -> Grid:
        if isinstance(x, np.ndarray):
            x = x.tolist()
        if isinstance(x, str | bytes) or not hasattr(x, "__len__"):
            raise TypeError(f"Unflatten expects a list of {self.nin} numbers or Values")
        if len(x) != self.nin:
            raise ValueError(
                f"Unflatten{self.shape} expects {self.nin} inputs (C*H*W), got {len(x)}"
            )
        c, h, w = self.shape
        values = []
        for k, v in enumerate(x):
            if isinstance(v, Value):
                values.append(v)
            else:
                where = _index(k // (h * w), (k // w) % h, k % w)
                values.append(Value(as_float(v, f"Unflatten input {k}"), label=f"x{where}"))
        return [
            [values[(ci * h + i) * w : (ci * h + i + 1) * w] for i in range(h)] for ci in range(c)
        ]

    def __repr__(self) -> str:
        return f"Unflatten({self.shape})"


# ---------------------------------------------------------------------------------- norms


class _Norm(_GridModule):
    """Per-channel gamma (init 1) and beta (init 0), named ``gamma[c]`` and ``beta[c]``."""

    def __init__(
        self, channels: int, eps: float, affine: bool, name: str | None, what: str
    ) -> None:
        super().__init__(name)
        self.channels = positive_int(what, channels)
        self.eps = finite_real("eps", eps)
        if not isinstance(affine, bool):
            raise TypeError(f"affine must be True or False, got {affine!r}")
        self.gamma: list[Value] | None = None
        self.beta: list[Value] | None = None
        if affine:
            self.gamma = [Value(1.0) for _ in range(self.channels)]
            self.beta = [Value(0.0) for _ in range(self.channels)]
        self._made = {id(p) for _, p in self._own_parameters()}
        self._tag("", self.name)

    def _own_parameters(self) -> list[tuple[str, Value]]:
        if self.gamma is None or self.beta is None:
            return []
        return [(f"gamma[{c}]", g) for c, g in enumerate(self.gamma)] + [
            (f"beta[{c}]", b) for c, b in enumerate(self.beta)
        ]

    def _made_here(self) -> set[int]:
        return self._made

    def _as_batch(self, x: Any) -> tuple[Grid, bool, tuple[int, ...]]:
        """A batch as it is, one sample (``[F]`` or ``[C][H][W]``) as a batch of one; also
        whether it was a batch (to hand one sample back as one) and the batch's shape."""
        who = type(self).__name__
        dims = grid.shape(x, f"{who} input")
        batched = len(dims) in (2, 4)
        if not batched and len(dims) not in (1, 3):
            raise ValueError(
                f"{who} takes [N][F], [N][C][H][W], or one sample [F] or [C][H][W]; got a grid "
                f"of depth {len(dims)} with shape {dims}"
            )
        batch = x if batched else [x]
        dims = dims if batched else (1, *dims)
        if dims[1] != self.channels:
            raise ValueError(
                f"{who}({self.channels}) got an input with {dims[1]} channels (shape {dims})"
            )
        return batch, batched, dims

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channels}, eps={self.eps:g})"


class BatchNorm(_Norm):
    """Batch normalization with running statistics, for ``[N][F]`` or ``[N][C][H][W]``.

    Training: normalize with the batch's own mean and biased variance per channel, and update
    ``running_mean`` / ``running_var`` (start 0 and 1) as PyTorch's BatchNorm does::

        running_mean = (1 - momentum) * running_mean + momentum * mean_batch
        running_var  = (1 - momentum) * running_var  + momentum * var_batch * m / (m - 1)

    (m values per channel: the running variance is the *unbiased* estimate, while the
    normalization itself uses the biased one). Evaluation: normalize with the running
    statistics, so a sample's output no longer depends on its batch. The running statistics are
    plain numbers, not parameters: the optimizer never sees them, but ``state_dict``, ``save``
    and ``load`` keep them (``running_mean.0``, ``running_var.0``, ...), as PyTorch's buffers.
    """

    default_name = "batchnorm"

    def __init__(
        self,
        num_features: int,
        eps: float = EPS,
        momentum: float = 0.1,
        affine: bool = True,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(num_features, eps, affine, name, "num_features")
        self.momentum = finite_real("momentum", momentum)
        if self.momentum > 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.running_mean = [0.0] * self.channels
        self.running_var = [1.0] * self.channels

    def _own_buffers(self) -> tuple[str, ...]:
        return ("running_mean", "running_var")

    def forward(self, x: Any) -> Grid:
        batch, batched, dims = self._as_batch(x)
        if not self.training:
            out = batch_norm(
                batch, self.gamma, self.beta, self.eps, mean=self.running_mean, var=self.running_var
            )
            return unbatch(out, batched)
        if not batched:
            raise ValueError(
                f"BatchNorm in training needs a batch of samples, got one sample of shape "
                f"{dims[1:]}: fit passes samples one at a time, so train a model with BatchNorm "
                "in your own loop over batches, or use LayerNorm (per sample)"
            )
        out = batch_norm(batch, self.gamma, self.beta, self.eps)
        values = grid.data(batch)
        axes = (0,) if values.ndim == 2 else (0, 2, 3)
        m = values.size // values.shape[1]
        mean = values.mean(axis=axes)
        var = values.var(axis=axes) * m / (m - 1)
        k = self.momentum
        self.running_mean = [(1 - k) * r + k * float(b) for r, b in zip(self.running_mean, mean)]
        self.running_var = [(1 - k) * r + k * float(b) for r, b in zip(self.running_var, var)]
        return out


class _SampleNorm(_Norm):
    """A norm whose statistics come from each sample alone: the same in training and evaluation,
    so one sample at a time (as ``fit`` passes them) works. ``norm`` is the functional form."""

    norm = staticmethod(layer_norm)

    def __init__(
        self, num_channels: int, eps: float = EPS, affine: bool = True, *, name: str | None = None
    ) -> None:
        super().__init__(num_channels, eps, affine, name, "num_channels")

    def forward(self, x: Any) -> Grid:
        batch, batched, _ = self._as_batch(x)
        return unbatch(self.norm(batch, self.gamma, self.beta, self.eps), batched)


class LayerNorm(_SampleNorm):
    """Layer normalization: each sample over all its C x H x W values (F for ``[N][F]``)."""

    default_name = "layernorm"
    norm = staticmethod(layer_norm)


class InstanceNorm(_SampleNorm):
    """Instance normalization: each sample's channel over its H x W plane."""

    default_name = "instancenorm"
    norm = staticmethod(instance_norm)


class GroupNorm(_Norm):
    """Group normalization: each sample over each of ``num_groups`` groups of channels."""

    default_name = "groupnorm"

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = EPS,
        affine: bool = True,
        *,
        name: str | None = None,
    ) -> None:
        groups = positive_int("num_groups", num_groups)
        channels = positive_int("num_channels", num_channels)
        if channels % groups:
            raise ValueError(
                f"GroupNorm: num_groups={groups} does not divide num_channels={channels}"
            )
        super().__init__(channels, eps, affine, name, "num_channels")
        self.num_groups = groups

    def forward(self, x: Any) -> Grid:
        batch, batched, _ = self._as_batch(x)
        return unbatch(group_norm(batch, self.num_groups, self.gamma, self.beta, self.eps), batched)

    def __repr__(self) -> str:
        return f"GroupNorm({self.num_groups}, {self.channels}, eps={self.eps:g})"


# ---------------------------------------------------------------------------------- Maxout


class Maxout(Module):
    """A layer of ``nout`` maxout units, each the max of ``pieces`` linear functions of x.

    Holds one linear ``Layer(nin, nout * pieces)`` (child ``linear``: unit j's pieces are its
    neurons j*pieces ... j*pieces + pieces - 1) and returns a list of ``nout`` Values.
    """

    default_name = "maxout"

    def __init__(
        self,
        nin: int,
        nout: int,
        pieces: int = 2,
        *,
        init: Scheme = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.nin = positive_int("nin", nin)
        self.nout = positive_int("nout", nout)
        self.pieces = positive_int("pieces", pieces)
        self.linear = Layer(
            self.nin, self.nout * self.pieces, "linear", init=init, seed=seed, rng=rng
        )
        self._adopt(self._children())

    def _children(self) -> list[tuple[str, Module]]:
        return [("linear", self.linear)]

    def forward(self, x: Any) -> list[Value]:
        return maxout(self.linear(x), self.pieces)

    def __repr__(self) -> str:
        return f"Maxout({self.nin}, {self.nout}, pieces={self.pieces})"
