"""Neural-network modules built from scalar Values: Neuron, Layer, MLP, Dense, Dropout, Sequential.

The contract every module keeps (what optimizers and ``fit`` rely on):

* ``model(x)``: ``x`` is a list of numbers or Values, one per input (a single number is accepted
  when the module has one input; a 1-D numpy array works too). Plain numbers are wrapped as
  leaf Values labelled ``x0, x1, ...``. A wrong width raises ``ValueError`` naming the expected
  and the received width.
* What comes back: ``Neuron`` returns one Value. ``Layer`` / ``Dense`` / ``Dropout`` always
  return a list (they sit between other layers). The whole models, ``MLP`` and ``Sequential``,
  return a single Value when their last width is 1 and a list of Values otherwise, so a
  regression or binary network gives ``model(x).data`` directly.
* ``model.parameters()``: a list of the trainable Values, in a documented order: layer by layer,
  neuron by neuron, a neuron's weights in input order, then its bias. A Value shared by several
  neurons (a shared bias, as in the seed's worked example) is listed once, at its first place.
* ``model.named_parameters()``: ``(name, Value)`` pairs in the same order; names are dotted
  paths such as ``"layer0.neuron1.w0"`` and ``"layer0.neuron1.b"``. Parameters the module
  created carry that name as their ``label`` (Values you pass in keep their own labels).
* ``model.zero_grad()``: every parameter's ``grad`` back to 0.0.
* ``model.train()`` / ``model.eval()``: set ``training`` on the module and all its submodules
  (Dropout is active only in training); both return the module.
* ``model.state_dict()`` -> ``{name: float}`` (plain JSON); ``model.load_state_dict(d)`` refuses
  a missing, unexpected or non-number entry with a message naming every such entry, and changes
  nothing when it refuses; ``model.save(path)`` / ``model.load(path)`` do the same through JSON.

Scopes: a module runs its forward pass inside ``microgrid.scope(module.name)``. A root module is
named after its class (``"mlp"``, ``"sequential"``, ``"layer"``, ``"dense"``, ``"neuron"``,
``"dropout"``; ``name=`` overrides it); children are named ``layer0, layer1, ...`` and
``neuron0, neuron1, ...`` by their parent. So a Value made by the second neuron of an MLP's first
layer has ``scope == "mlp.layer0.neuron1"``, and the module's own parameters carry the same
scope, so a drawing can cluster (and collapse) each neuron and layer. Inside a neuron, the
weighted sum is labelled ``net`` and the activation ``out`` (the seed's net_h1 / out_h1).

Activations (by name, or any callable ``f(Value) -> Value``): sigmoid, tanh, relu, leaky_relu,
elu, softplus, linear (also ``None``). ``"softmax"`` is an activation of a whole layer, over the
layer's outputs, as in Keras' ``Dense(10, activation="softmax")``.

Exact weights, for hand-worked examples: ``Neuron(2, "sigmoid", weights=[0.15, 0.20],
bias_value=0.35)``, ``Layer(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]],
biases=[b1, b1])`` (pass one Value twice to share it), or ``model.load_state_dict({...})``.
"""

from __future__ import annotations

import gc
import json
import math
import numbers
import operator
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from microgrid import _grad_mode, ops
from microgrid._checks import lookup, positive_int
from microgrid.atomic import write_atomic
from microgrid.engine import Value, as_float
from microgrid.functional import log_softmax, softmax
from microgrid.init import Rng, Scheme, draw, get_scheme, make_rng

Activation = str | Callable[[Value], Value] | None
Inputs = Sequence[Value | float] | Value | float
Output = Value | list[Value]

STATE_FORMAT = "microgrid.state_dict"
#: The format version ``save`` writes and ``load`` reads.
STATE_VERSION = 1

# ---------------------------------------------------------------------------------- activations


def _linear(x: Value) -> Value:
    return x


#: A neuron's activations: the Value methods the table of ops marks as activations, and linear.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    **{op.word: getattr(Value, op.word) for op in ops.FUNCTIONS if op.activation},
    "linear": _linear,
}

#: Activations applied to a whole layer's outputs at once.
LAYER_ACTIVATIONS: dict[str, Callable[[list[Value]], list[Value]]] = {
    "softmax": softmax,
    "log_softmax": log_softmax,
}


def get_activation(activation: Activation) -> Callable[[Value], Value]:
    """The per-neuron activation for a name or callable; ``None`` means linear.

    Unknown names raise ValueError listing the known ones.
    """
    if activation is None:
        return _linear
    if isinstance(activation, str) and activation.lower() in LAYER_ACTIVATIONS:
        raise ValueError(
            f"{activation!r} is an activation of a whole layer (it normalizes over the "
            "layer's outputs): use Layer/Dense(..., activation="
            f"{activation!r}), not a single Neuron"
        )
    return lookup("activation", ACTIVATIONS, activation, more=LAYER_ACTIVATIONS)


def _activation_name(activation: Activation) -> str:
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation.lower()
    return getattr(activation, "__name__", repr(activation))


# ---------------------------------------------------------------------------------- helpers


def _as_inputs(x: Inputs, nin: int, kind: str) -> list[Value]:
    """Validate an input vector's width; wrap plain numbers as leaves labelled x0, x1, ...

    ``kind`` ("Neuron", "Layer", ...) names the module in errors, with its scope. A list of
    ``nin`` Values (what every layer hands the next) is returned as it is: the fast path.
    """
    if type(x) is list and len(x) == nin:
        for xi in x:
            if xi.__class__ is not Value:
                break
        else:
            return x
    who = f"{kind} '{_grad_mode.current_scope()}'" if kind != "Dropout" else kind
    if isinstance(x, Value | numbers.Real) and not isinstance(x, bool):
        items: Sequence[Value | float] = [x]
    elif isinstance(x, str | bytes | Mapping) or not hasattr(x, "__len__"):
        raise TypeError(f"{who} expects a list of {nin} numbers or Values, got {type(x).__name__}")
    else:
        items = cast(Sequence[Value | float], x)
    if len(items) != nin:
        raise ValueError(f"{who} expects {nin} input(s), got {len(items)}")
    out = []
    for i, xi in enumerate(items):
        if isinstance(xi, Value):
            out.append(xi)
        else:
            out.append(Value(as_float(xi, f"{who} input x{i}"), label=f"x{i}"))
    return out


def _as_parameter(x: Value | float, what: str) -> tuple[Value, bool]:
    """A given weight as a Value; returns (value, made_here). A Value is used as is (shared)."""
    if isinstance(x, Value):
        return x, False
    return Value(as_float(x, what)), True


def _listing(names: list[str], limit: int = 12) -> str:
    """Names for an error message, the first ``limit`` of them and a count of the rest."""
    shown = ", ".join(names[:limit])
    return shown + (f" ... and {len(names) - limit} more" if len(names) > limit else "")


# ---------------------------------------------------------------------------------- Module


class Module:
    """Base class: parameters, names, modes, state dicts and the scoped call.

    Subclasses implement ``forward(x)`` and list their parts through ``_children()`` (named
    submodules) and ``_own_parameters()`` (named Values).
    """

    default_name = "module"

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name or "." in name):
            raise ValueError(f"a module name must be a non-empty str without dots, got {name!r}")
        self.name = name or self.default_name
        self.training = True

    # -- structure, overridden by subclasses
    def _children(self) -> list[tuple[str, Module]]:
        return []

    def _own_parameters(self) -> list[tuple[str, Value]]:
        return []

    def _own_buffers(self) -> tuple[str, ...]:
        """Names of attributes that hold lists of floats kept with the parameters but not
        trained (BatchNorm's running statistics): saved and loaded, never given to an optimizer."""
        return ()

    def _made_here(self) -> set[int]:
        """ids of the parameters this module created (and so may label and scope)."""
        return set()

    def forward(self, x: Any) -> Any:
        raise NotImplementedError

    # -- calling
    def __call__(self, x: Any) -> Any:
        """Run ``forward`` inside the module's scope, with the cyclic garbage collector paused.

        A forward pass builds thousands of Values and no reference cycles, so the collector's
        passes over the growing graph would find nothing (at hidden width 64 they cost more
        than the whole pass). The outermost module pauses it and restores it on the way out,
        even on an error; a collector the user paused stays paused.
        """
        # the scope is set here rather than with _grad_mode.scope(): a module's name was checked
        # when it was made, and a call per neuron per sample is on the hot path
        enabled, outer = _grad_mode.MODE.get()
        pause = gc.isenabled()
        if pause:
            gc.disable()
        token = _grad_mode.MODE.set((enabled, f"{outer}.{self.name}" if outer else self.name))
        try:
            return self.forward(x)
        finally:
            _grad_mode.MODE.reset(token)
            if pause:
                gc.enable()

    # -- naming: give children their names and tag created parameters with label and scope
    def _adopt(self, children: Sequence[tuple[str, Module]]) -> None:
        for name, child in children:
            child.name = name
        self._tag("", self.name)

    def _tag(self, prefix: str, scope: str) -> None:
        made = self._made_here()
        for local, p in self._own_parameters():
            if id(p) in made:
                p.label = prefix + local
                p.scope = scope
        for name, child in self._children():
            child._tag(f"{prefix}{name}.", f"{scope}.{name}")

    # -- parameters
    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` for every parameter, in the documented order, shared Values once."""
        seen: set[int] = set()
        out: list[tuple[str, Value]] = []
        for name, p in self._walk(""):
            if id(p) not in seen:
                seen.add(id(p))
                out.append((name, p))
        return out

    def _walk(self, prefix: str) -> Iterator[tuple[str, Value]]:
        for local, p in self._own_parameters():
            yield prefix + local, p
        for name, child in self._children():
            yield from child._walk(f"{prefix}{name}.")

    def named_buffers(self) -> list[tuple[str, float]]:
        """``(name, float)`` for every buffer entry (``bn.running_mean.0``), after parameters."""
        return list(self._walk_buffers(""))

    def _walk_buffers(self, prefix: str) -> Iterator[tuple[str, float]]:
        for attr in self._own_buffers():
            for i, v in enumerate(getattr(self, attr)):
                yield f"{prefix}{attr}.{i}", v
        for name, child in self._children():
            yield from child._walk_buffers(f"{prefix}{name}.")

    def _set_buffers(self, prefix: str, values: Mapping[str, float]) -> None:
        for attr in self._own_buffers():
            n = len(getattr(self, attr))
            setattr(self, attr, [values[f"{prefix}{attr}.{i}"] for i in range(n)])
        for name, child in self._children():
            child._set_buffers(f"{prefix}{name}.", values)

    def parameters(self) -> list[Value]:
        """The trainable Values: layer by layer, neuron by neuron, weights in input order, bias."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the module trains."""
        return len(self.parameters())

    def summary(self) -> str:
        """A Keras-style table: each direct submodule, its output width and parameter count."""
        rows = [("name", "module", "outputs", "params")]
        for name, child in self._children() or [(self.name, self)]:
            width = getattr(child, "nout", None)
            outputs = "-" if width is None else str(width)
            rows.append((name, repr(child), outputs, str(child.num_parameters())))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(f"total parameters: {self.num_parameters()}")
        return "\n".join(lines)

    # -- modes
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops); recursive. Returns the module."""
        self.training = bool(mode)
        for _, child in self._children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout is the identity); recursive. Returns the module."""
        return self.train(False)

    # -- state
    def state_dict(self) -> dict[str, float]:
        """``{name: float}`` for every parameter, in order, then every buffer (running statistics):
        plain data, ready for ``json.dump``."""
        state = {name: p.data for name, p in self.named_parameters()}
        state.update(self.named_buffers())
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state``; refuse (changing nothing) unless it fits exactly.

        Every problem is reported at once: missing names, unexpected names, and entries that are
        not finite real numbers.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"a state dict must be a mapping name -> number, got {type(state)}")
        params = dict(self.named_parameters())
        expected = [*params, *(name for name, _ in self.named_buffers())]
        missing = [n for n in expected if n not in state]
        extra = [str(n) for n in state if n not in params and n not in expected]
        bad = []
        values: dict[str, float] = {}
        for name in expected:
            if name not in state:
                continue
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                bad.append(f"{name}={v!r}")
            else:
                values[name] = float(v)
        problems = []
        if missing:
            problems.append(f"missing: {_listing(missing)}")
        if extra:
            problems.append(f"unexpected: {_listing(extra)}")
        if bad:
            problems.append(f"not a finite number: {_listing(bad)}")
        if problems:
            raise ValueError(
                f"load_state_dict refused for {type(self).__name__} "
                f"({len(params)} parameters); nothing was changed. " + "; ".join(problems)
            )
        for name, p in params.items():
            p.data = values[name]
        self._set_buffers("", values)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to ``path`` as JSON (format ``microgrid.state_dict``).

        The file is written atomically (see ``microgrid.atomic``): a failed save leaves the old
        file whole. A NaN or infinite parameter is refused (``load`` could not read it back),
        with its name, and nothing is written.
        """
        state = self.state_dict()
        bad = [f"{name}={v!r}" for name, v in state.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(
                f"save refused for {type(self).__name__}: {len(bad)} parameter(s) are not finite "
                f"numbers ({_listing(bad)}); nothing was written to {os.fspath(path)!r}"
            )
        doc = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "module": type(self).__name__,
            "parameters": state,
        }
        write_atomic(path, json.dumps(doc, indent=1) + "\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by ``save`` (or a plain ``{name: number}`` JSON object).

        Refused, with a ValueError naming the file and the problem and the model unchanged: a
        file that is not UTF-8 JSON (or nests too deeply), a duplicate key, a file saved from
        another kind of module or by an unknown format version, and parameters that do not
        fit exactly (see ``load_state_dict``).
        """
        where = os.fspath(path)
        doc = _read_json(where)
        if isinstance(doc, dict) and doc.get("format") == STATE_FORMAT:
            version, module = doc.get("version"), doc.get("module")
            if version != STATE_VERSION:
                raise ValueError(
                    f"{where}: format version {version!r} is not one this microgrid reads "
                    f"(it reads version {STATE_VERSION}); nothing was changed"
                )
            if module != type(self).__name__:
                raise ValueError(
                    f"{where} was saved from a {module!r} module, not a {type(self).__name__!r}; "
                    "load it into the same kind of module (nothing was changed)"
                )
            doc = doc.get("parameters")
        if not isinstance(doc, dict):
            raise ValueError(f"{where} holds no parameter object")
        try:
            self.load_state_dict(doc)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members as a dict, refusing a key given twice (json keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


def _read_json(where: str) -> Any:
    """The JSON document in file ``where``, or a one-line ValueError naming the file."""
    with open(where, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{where} is not a text file (not UTF-8 at byte {exc.start}); "
            "a saved model is JSON text"
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} is not valid JSON: {exc}") from None
    except _DuplicateKey as exc:
        raise ValueError(f"{where}: the key {exc.args[0]!r} appears twice") from None
    except RecursionError:
        raise ValueError(f"{where} nests too deeply to be a parameter file") from None


# ---------------------------------------------------------------------------------- Neuron


class Neuron(Module):
    """One neuron: net = w0 x0 + w1 x1 + ... + b, out = activation(net).

    Weights come from ``init`` (see ``microgrid.init``) with ``seed``/``rng``, or exactly from
    ``weights=[...]``; the bias is ``bias_value`` (default 0.0, micrograd's choice) or absent
    with ``bias=False``. A Value passed as a weight or bias is used itself, not copied, so
    several neurons can share it.
    """

    default_name = "neuron"

    def __init__(
        self,
        nin: int,
        activation: Activation = "tanh",
        bias: bool = True,
        *,
        weights: Sequence[Value | float] | None = None,
        bias_value: Value | float | None = None,
        init: Scheme = "uniform",
        fan_out: int = 1,
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.nin = positive_int("nin", nin)
        self.activation_name = _activation_name(activation)
        self._act = get_activation(activation)
        made: set[int] = set()
        if weights is not None:
            if isinstance(weights, Value | str) or not hasattr(weights, "__len__"):
                raise TypeError(f"weights must be a list of {self.nin} numbers or Values")
            if len(weights) != self.nin:
                raise ValueError(f"Neuron({self.nin}) needs {self.nin} weights, got {len(weights)}")
            self.w = []
            for i, wi in enumerate(weights):
                v, new = _as_parameter(wi, f"weight w{i}")
                self.w.append(v)
                if new:
                    made.add(id(v))
        else:
            get_scheme(init)
            source = make_rng(seed, rng)
            self.w = [Value(draw(init, self.nin, fan_out, source)) for _ in range(self.nin)]
            made.update(id(v) for v in self.w)
        if bias:
            self.b: Value | None
            self.b, new = _as_parameter(0.0 if bias_value is None else bias_value, "bias")
            if new:
                made.add(id(self.b))
        else:
            if bias_value is not None:
                raise ValueError("bias=False contradicts a given bias_value")
            self.b = None
        self._made = made
        self._tag("", self.name)

    @property
    def nout(self) -> int:
        """A neuron has one output."""
        return 1

    def _own_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    def _made_here(self) -> set[int]:
        return self._made

    def forward(self, x: Inputs) -> Value:
        xs = _as_inputs(x, self.nin, "Neuron")
        w = self.w
        net = w[0] * xs[0]
        for i in range(1, len(w)):
            net = net + w[i] * xs[i]
        if self.b is not None:
            net = net + self.b
        net.label = "net"
        out = self._act(net)
        if out is not net:
            out.label = "out"
        return out

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation_name!r}, bias={self.b is not None})"


# ---------------------------------------------------------------------------------- Layer


class Layer(Module):
    """A row of ``nout`` neurons reading the same ``nin`` inputs; always returns a list.

    ``activation`` is per neuron (``"tanh"``, ``"relu"``, ...) or ``"softmax"`` /
    ``"log_softmax"``, applied over the layer's outputs (the neurons are then linear).
    ``weights=[[...], ...]`` (one row per neuron) and ``biases=[...]`` set exact values.
    """

    default_name = "layer"

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "tanh",
        bias: bool = True,
        *,
        weights: Sequence[Sequence[Value | float]] | None = None,
        biases: Sequence[Value | float] | None = None,
        init: Scheme = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.nin = positive_int("nin", nin)
        self.nout = positive_int("nout", nout)
        key = activation.lower() if isinstance(activation, str) else None
        self._layer_act: Callable[[list[Value]], list[Value]] | None = None
        if key in LAYER_ACTIVATIONS:
            self._layer_act = LAYER_ACTIVATIONS[key]
            neuron_act: Activation = "linear"
        else:
            get_activation(activation)
            neuron_act = activation
        self.activation_name = _activation_name(activation)
        for what, rows in (("weights", weights), ("biases", biases)):
            if rows is not None and len(rows) != self.nout:
                raise ValueError(
                    f"Layer({nin}, {nout}) needs {nout} rows of {what}, got {len(rows)}"
                )
        if biases is not None and not bias:
            raise ValueError("bias=False contradicts given biases")
        source = make_rng(seed, rng) if weights is None else None
        self.neurons = [
            Neuron(
                self.nin,
                neuron_act,
                bias,
                weights=None if weights is None else weights[j],
                bias_value=None if biases is None else biases[j],
                init=init,
                fan_out=self.nout,
                rng=source,
            )
            for j in range(self.nout)
        ]
        self._adopt(self._children())

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"neuron{j}", n) for j, n in enumerate(self.neurons)]

    def forward(self, x: Inputs) -> list[Value]:
        xs = _as_inputs(x, self.nin, "Layer")
        outs = [n(xs) for n in self.neurons]
        if self._layer_act is not None:
            outs = self._layer_act(outs)
            for o in outs:
                o.label = "out"
        return outs

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.nin}, {self.nout}, activation={self.activation_name!r})"
        )


class Dense(Layer):
    """Keras' fully connected layer: ``Dense(nin, nout, activation=None)`` (linear by default)."""

    default_name = "dense"

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = None,
        bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(nin, nout, activation, bias, **kwargs)


# ---------------------------------------------------------------------------------- Dropout


class Dropout(Module):
    """Inverted dropout: in training, zero each input with probability p and scale the rest.

    Kept inputs are multiplied by 1 / (1 - p), so each output's expected value equals its input
    and nothing needs rescaling at evaluation, where Dropout is the identity (the seed: dropout
    is used only while training). Masks are drawn from ``seed``/``rng``, one number per input,
    in order, so a seeded network drops the same units on every run.
    """

    default_name = "dropout"

    def __init__(
        self,
        p: float = 0.5,
        *,
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        p = as_float(p, "dropout probability p")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1), got {p!r}")
        self.p = p
        self._rng = make_rng(seed, rng)

    def _keep(self) -> bool:
        return float(self._rng.random()) >= self.p

    def forward(self, x: Inputs) -> list[Value]:
        xs = _as_inputs(x, len(x) if hasattr(x, "__len__") else 1, "Dropout")
        if not self.training or self.p == 0.0:
            return xs
        scale = 1.0 / (1.0 - self.p)
        return [xi * (scale if self._keep() else 0.0) for xi in xs]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


# ---------------------------------------------------------------------------------- models


def _model_output(outs: Output) -> Output:
    if isinstance(outs, list) and len(outs) == 1:
        return outs[0]
    return outs


class Sequential(Module):
    """Modules applied in order, Keras-style; returns a Value when the last width is 1.

    >>> model = Sequential(Dense(4, 8, "relu"), Dropout(0.2), Dense(8, 3, "softmax"))

    Children are named ``layer0, layer1, ...`` in order (a Dropout counts as a layer).
    ``add(module)`` appends one, as in Keras' ``model.add(...)``.
    """

    default_name = "sequential"

    def __init__(self, *modules: Module, name: str | None = None) -> None:
        super().__init__(name)
        self.modules: list[Module] = []
        for m in modules:
            self.add(m)
        if not modules:
            self._adopt([])

    def add(self, module: Module) -> Sequential:
        """Append a module (a Dense layer, Dropout, ...); returns the Sequential."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential holds Modules, got {type(module).__name__}")
        prev = self._width()
        nin = getattr(module, "nin", None)
        if prev is not None and nin is not None and nin != prev:
            raise ValueError(
                f"layer{len(self.modules)} ({module!r}) expects {nin} inputs but the previous "
                f"layer gives {prev}"
            )
        self.modules.append(module)
        module.train(self.training)
        self._adopt(self._children())
        return self

    def _width(self) -> int | None:
        for m in reversed(self.modules):
            n = getattr(m, "nout", None)
            if n is not None:
                return n
        return None

    @property
    def nin(self) -> int | None:
        for m in self.modules:
            n = getattr(m, "nin", None)
            if n is not None:
                return n
        return None

    @property
    def nout(self) -> int | None:
        return self._width()

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"layer{i}", m) for i, m in enumerate(self.modules)]

    def forward(self, x: Inputs) -> Output:
        if not self.modules:
            raise ValueError("Sequential has no layers: add some before calling it")
        nin = self.nin
        if nin is None:  # only width-free modules (Dropout): take the input as it comes
            nin = len(x) if hasattr(x, "__len__") else 1
        out: Any
        if getattr(self.modules[0], "takes_grid", False):
            out = x  # a grid layer (Conv2d, Unflatten, ...) checks its own input
        else:
            out = _as_inputs(x, nin, "Sequential")
        for m in self.modules:
            out = m(out)
            if isinstance(out, Value):
                out = [out]
        return _model_output(out)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {m!r}" for m in self.modules)
        return f"Sequential(\n{inner}\n)"


class MLP(Module):
    """A multilayer perceptron: ``MLP(nin, [16, 16, 1])`` is micrograd's moons classifier.

    Hidden layers use ``activation``; the last layer uses ``output_activation`` (``None`` means
    linear, as in micrograd, so scores and regression outputs are unbounded; ``"sigmoid"`` or
    ``"softmax"`` give probabilities). ``seed``/``rng`` drive the whole network's initialization.
    """

    default_name = "mlp"

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "tanh",
        output_activation: Activation = None,
        bias: bool = True,
        *,
        init: Scheme = "uniform",
        seed: int | None = None,
        rng: Rng | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.nin = positive_int("nin", nin)
        if isinstance(nouts, numbers.Integral):
            nouts = [operator.index(nouts)]
        if not nouts:
            raise ValueError("MLP needs at least one layer width in nouts")
        self.nouts = [positive_int(f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        self.activation_name = _activation_name(activation)
        self.output_activation_name = _activation_name(output_activation)
        source = make_rng(seed, rng)
        sizes = [self.nin] + self.nouts
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                bias,
                init=init,
                rng=source,
            )
            for i in range(len(self.nouts))
        ]
        self._adopt(self._children())

    @property
    def nout(self) -> int:
        return self.nouts[-1]

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"layer{i}", layer) for i, layer in enumerate(self.layers)]

    def forward(self, x: Inputs) -> Output:
        out: Any = _as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer(out)
        return _model_output(out)

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation_name!r}, "
            f"output_activation={self.output_activation_name!r})"
        )


# The layers on grids (Conv2d, pooling, Flatten/Unflatten, the norms, Maxout) live in
# ``microgrid.grid_layers``, which builds on this module; they are re-exported here on first use.
if TYPE_CHECKING:
    from microgrid.grid_layers import (  # noqa: F401 - re-exported
        AvgPool2d,
        BatchNorm,
        Conv2d,
        Flatten,
        GlobalAvgPool2d,
        GroupNorm,
        InstanceNorm,
        LayerNorm,
        Maxout,
        MaxPool2d,
        StochasticPool2d,
        Unflatten,
    )

_GRID_LAYERS = (
    "AvgPool2d",
    "BatchNorm",
    "Conv2d",
    "Flatten",
    "GlobalAvgPool2d",
    "GroupNorm",
    "InstanceNorm",
    "LayerNorm",
    "MaxPool2d",
    "Maxout",
    "StochasticPool2d",
    "Unflatten",
)


def __getattr__(name: str) -> object:
    if name in _GRID_LAYERS:
        from microgrid import grid_layers

        return getattr(grid_layers, name)
    raise AttributeError(f"module 'microgrid.nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_GRID_LAYERS))
