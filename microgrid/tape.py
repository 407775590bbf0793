"""Compile a scalar graph into a tape: trace ``fn`` once, then replay it on numpy arrays.

A scalar graph is the right thing to look at and the wrong thing to run one sample at a time.
``compile(fn, params, example)`` calls ``fn`` once on leaf Values (one sample), keeps the graph
it builds, and turns it into a short program over arrays with one column per sample:

* nodes of one topological level that share an op become **one** numpy call over a
  (nodes x batch) array (every relu of a layer at once);
* chains of ``+`` and ``-`` become one n-ary sum (a segmented ``np.add.reduceat``);
* a neuron's weighted sum ``w0*x0 + w1*x1 + ... + b`` (parameters times the same inputs) is
  recognised, and the neurons that share those inputs become one matrix product ``W @ X + b``.

``forward`` gives the outputs for the whole batch (and ``value(node)`` any node's values);
``backward`` gives every parameter's gradient summed over the batch (``reduction="sum"``) or
averaged (``"mean"``), by the same rule as the engine: each edge adds local_grad * upstream.
The steps themselves (and the two buffers every node's values live in) are in
``microgrid.tape_steps``. Each op's value and local derivative on arrays come from
``microgrid.tape_ops``, which mirrors the engine op for op; the results equal the scalar
engine's to rounding (tests check 1e-12).

Parameters, constants and everything computed from them alone are *uniform* (one column,
broadcast over the batch); their gradients are summed over the batch. Ops that branch on data
(relu, max, abs) branch element-wise. A graph whose *structure* depends on the data (a Python
``if`` on ``.data``, a constant computed from the data) cannot be replayed: ``compile`` traces
every sample it is given (or, given one, three perturbed copies of it) and refuses, naming the
first node that differs.

The layers' n-ary nodes replay too: a max-pool window or maxout unit (the first arg-max wins,
per sample) and an average-pool window. Stochastic pooling's random pick is refused by name.

The tape keeps the traced graph of the example (``tape.outputs``): draw it, ``explain`` it or
step through it like any other graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgrid import _grad_mode
from microgrid.engine import Value
from microgrid.tape_ops import KERNELS, PARAMETRISED, REFUSED, DomainError
from microgrid.tape_steps import Elementwise, Linear, Rows, Step, Sum, U, V

__all__ = ["Tape", "compile", "compile_model"]


def _quiet() -> np.errstate:
    """numpy warns where Python floats are silent (1e300 * 1e300 is inf in both); the engine's
    anomaly mode, not a warning, is how microgrid finds where a NaN or inf came from."""
    return np.errstate(over="ignore", invalid="ignore", under="ignore")


_ARG_NAMES = "xyz"


# --------------------------------------------------------------------------------- tracing
def _op_key(node: Value) -> tuple[str, float | None]:
    """The op's table name and parameter (the exponent of ``x ** p``, the alpha of elu)."""
    op = node.op
    name = getattr(op, "name", None)
    if name is not None:
        return name, getattr(op, "param", None)
    if op.startswith("**") and len(op) > 2:  # an engine that writes the exponent in the text
        return "pow", float(op[2:])
    return op, None


def _leaves_for(arg: Any, a: int) -> Value | list[Value]:
    """The leaf Values standing for one argument of one sample (a number or a vector)."""
    stem = _ARG_NAMES[a] if a < len(_ARG_NAMES) else f"arg{a}_"
    if isinstance(arg, Value):
        raise TypeError(f"example argument {a} is a Value: give numbers, the tape makes leaves")
    if np.ndim(arg) == 0:
        return Value(float(arg), label=stem)
    if np.ndim(arg) != 1 or len(arg) == 0:
        raise ValueError(
            f"example argument {a} must be a number or a non-empty list of numbers, "
            f"got shape {np.shape(arg)}"
        )
    return [Value(float(v), label=f"{stem}{i}") for i, v in enumerate(arg)]


def _post_order(roots: Sequence[Value]) -> list[Value]:
    """Every node reachable from the roots, operands first (iterative, deterministic)."""
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.children))]
        while stack:
            node, pending = stack[-1]
            for child in pending:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child.children)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


class _Trace:
    """One call of ``fn`` on leaf Values: its inputs, outputs and graph in topological order."""

    def __init__(self, fn: Callable[..., Any], example: tuple, params: list[Value]) -> None:
        if not _grad_mode.is_grad_enabled():
            raise RuntimeError("compile needs grad recording on: call it outside no_grad()")
        self.args = [_leaves_for(arg, a) for a, arg in enumerate(example)]
        out = fn(*self.args)
        self.single = isinstance(out, Value)
        outs = [out] if self.single else out
        if not isinstance(outs, list | tuple) or not outs:
            raise TypeError(
                f"fn must return a Value or a non-empty list of Values, got {type(out).__name__}"
            )
        for i, o in enumerate(outs):
            if not isinstance(o, Value):
                raise TypeError(f"fn's output {i} is {type(o).__name__}, not a Value")
        self.outputs: list[Value] = list(outs)
        self.inputs: list[Value] = [
            v for leaves in self.args for v in (leaves if isinstance(leaves, list) else [leaves])
        ]
        self.order = _post_order(self.outputs)
        self.index = {node: i for i, node in enumerate(self.order)}
        param_at = {p: k for k, p in enumerate(params)}
        input_at = {v: k for k, v in enumerate(self.inputs)}
        self.signature = []
        for node in self.order:
            if node in param_at:
                entry: tuple = ("param", param_at[node])
            elif node in input_at:
                entry = ("input", input_at[node])
            elif not node.children:
                entry = ("const", node.data)
            else:
                entry = (*_op_key(node), tuple(self.index[c] for c in node.children))
            self.signature.append(entry)
        self.signature.append(("outputs", tuple(self.index[o] for o in self.outputs)))


def _describe(node: Value) -> str:
    name = node.label or (str(node.op) if node.op else "leaf")
    return f"{name!r}" + (f" in scope {node.scope!r}" if node.scope else "")


def _perturbed(example: tuple) -> list[tuple[str, tuple]]:
    """Deterministic variations of one example for the data-dependence check: negated, and two
    seeded noisy copies (one scaled by 3), each argument keeping its shape."""
    rng = np.random.default_rng(0)
    made: list[tuple[str, tuple]] = [("negated", tuple(-np.asarray(a, float) for a in example))]
    for name, scale in (("with seeded noise", 1.0), ("scaled by 3 with seeded noise", 3.0)):
        args = []
        for a in example:
            x = np.asarray(a, dtype=np.float64)
            args.append(scale * x + rng.standard_normal(x.shape) * (1.0 + np.abs(x)))
        made.append((name, tuple(args)))
    return [(name, tuple(x.tolist() for x in args)) for name, args in made]


def _check_same_structure(first: _Trace, other: _Trace, k: int | str) -> None:
    """Refuse when ``other`` (example k, or a named perturbed copy of example 0) differs."""
    a, b = first.signature, other.signature
    which = f"example {k}" if isinstance(k, int) else f"a copy of example 0 {k}"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            where = "the outputs"
            if x[0] != "outputs":
                where = f"node #{i} ({_describe(first.order[i])})"
            hint = (
                "do not turn data into constants"
                if x[0] == y[0] == "const"
                else "branch with ops (relu, max, abs) instead of a Python `if` on .data"
            )
            if x[0] == y[0] == "const":
                hint += (
                    " (softmax, log_softmax and logsumexp shift by the largest input, a "
                    "constant taken from the data: end the model with a linear layer and "
                    "use the loss 'softmax_cross_entropy', which fit computes per sample)"
                )
            raise ValueError(
                f"the graph depends on the data: traced on example 0 and {which}, "
                f"{where} differs ({x[:2]} vs {y[:2]}). A tape replays one graph for every "
                f"sample: {hint}"
            )
    if len(a) != len(b):
        raise ValueError(
            f"the graph depends on the data: example 0 builds {len(a) - 1} nodes, {which} "
            f"builds {len(b) - 1}. A tape replays one graph for every sample"
        )


class Tape:
    """A traced graph compiled for arrays. Make one with ``microgrid.compile``.

    Attributes:
        fn: the function that was traced.
        params: the parameters, in the order of ``backward``'s gradient array.
        inputs: the leaf Values standing for ``fn``'s arguments in the traced graph.
        outputs: the traced graph's outputs (one sample: draw, explain or step through them).
        nodes: every node of the traced graph, in topological order.
        steps: how many numpy steps one forward pass takes (a backward takes about as many).
        grad: the parameters' gradients from the latest ``backward`` (shape (n_params,)).
    """

    def __init__(self, fn: Callable[..., Any], params: Sequence[Value], traces: list[_Trace]):
        trace = traces[0]
        self.fn, self.params = fn, list(params)
        self.inputs, self.outputs, self.nodes = trace.inputs, trace.outputs, trace.order
        self._single = trace.single
        self._widths = [len(a) if isinstance(a, list) else 0 for a in trace.args]
        self._build(trace)
        self.grad = np.zeros(len(self.params))
        self._bufs: list[np.ndarray] | None = None

    # -- building
    def _build(self, trace: _Trace) -> None:
        order, index = trace.order, trace.index
        n = len(order)
        kinds = [entry[0] for entry in trace.signature[:-1]]
        leaf = [kind in ("param", "input", "const") for kind in kinds]
        uses, consumer = [0] * n, [-1] * n
        for i, node in enumerate(order):
            for c in node.children:
                j = index[c]
                uses[j] += 1
                consumer[j] = i
        is_out = [False] * n
        for o in trace.outputs:
            is_out[index[o]] = True
        batch = [False] * n
        for i, node in enumerate(order):
            if kinds[i] == "input":
                batch[i] = True
            elif not leaf[i]:
                name, _ = _op_key(node)
                if name in REFUSED:
                    raise ValueError(
                        f"the tape cannot replay op {name!r} (node #{i}, {_describe(node)}): "
                        f"{REFUSED[name]}"
                    )
                if name not in KERNELS:
                    raise ValueError(
                        f"the tape has no kernel for op {name!r} (node #{i}, {_describe(node)}); "
                        f"it replays: {', '.join(KERNELS)}"
                    )
                batch[i] = any(batch[index[c]] for c in node.children)
        names = ["" if leaf[i] else _op_key(node)[0] for i, node in enumerate(order)]

        def is_sum(i: int) -> bool:
            return names[i] in ("+", "-")

        def absorbed(i: int) -> bool:
            return is_sum(i) and uses[i] == 1 and not is_out[i] and is_sum(consumer[i])

        def fused_product(i: int, coef: float) -> tuple[int, int] | None:
            """(param, x) when node i is p * x used once, p a parameter and x per-sample."""
            if coef != 1.0 or names[i] != "*" or uses[i] != 1 or is_out[i]:
                return None
            a, b = (index[c] for c in order[i].children)
            if kinds[a] == "param" and batch[b] and kinds[b] != "param":
                return a, b
            if kinds[b] == "param" and batch[a] and kinds[a] != "param":
                return b, a
            return None

        # Decide what each computed node becomes: part of a bigger node, a sum, a neuron, an op.
        plan: dict[int, tuple] = {}
        internal = [False] * n
        for i in range(n):
            if leaf[i] or absorbed(i):
                internal[i] = absorbed(i)
                continue
            if not is_sum(i):
                plan[i] = ("ew", [index[c] for c in order[i].children])
                continue
            terms: list[tuple[int, float]] = []
            stack: list[tuple[int, float]] = [(i, 1.0)]
            while stack:
                j, sign = stack.pop()
                if j == i or absorbed(j):
                    left, right = (index[ch] for ch in order[j].children)
                    stack.append((right, sign if names[j] == "+" else -sign))
                    stack.append((left, sign))
                else:
                    terms.append((j, sign))
            products = [fused_product(j, c) for j, c in terms]
            rest = [t for t, p in zip(terms, products) if p is None]
            found = [p for p in products if p is not None]
            if found and len(rest) <= 1 and all(not batch[j] and c == 1.0 for j, c in rest):
                for (j, _), p in zip(terms, products):
                    if p is not None:
                        internal[j] = True
                plan[i] = ("lin", found, rest[0][0] if rest else None)
            else:
                plan[i] = ("sum", terms)
        for i in range(n):
            if internal[i]:
                plan.pop(i, None)  # a neuron's products were planned before their sum was seen

        # Levels, then groups of nodes that can run as one numpy call.
        level = [0] * n
        groups: dict[tuple, list[int]] = {}
        for i, what in plan.items():
            if what[0] == "ew":
                operands = what[1]
                key: tuple = ("ew", *_op_key(order[i]), tuple(batch[j] for j in operands))
            elif what[0] == "sum":
                operands = [j for j, _ in what[1]]
                key = ("sum", batch[i])
            else:
                operands = [j for pair in what[1] for j in pair]
                operands += [what[2]] if what[2] is not None else []
                key = ("lin", tuple(x for _, x in what[1]), what[2] is not None)
            level[i] = 1 + max(level[j] for j in operands)
            groups.setdefault((level[i], *key), []).append(i)

        # Rows: row 0 of each buffer is zero, then parameters / inputs, constants, results.
        row: dict[int, tuple[int, int]] = {}
        param_rows = {k: 1 + k for k in range(len(self.params))}
        n_u = 1 + len(self.params)
        n_v = 1 + len(self.inputs)
        constants: list[tuple[int, float]] = []
        for i, node in enumerate(order):
            kind = trace.signature[i]
            if kind[0] == "param":
                row[i] = (U, param_rows[kind[1]])
            elif kind[0] == "input":
                row[i] = (V, 1 + kind[1])
            elif kind[0] == "const":
                row[i] = (U, n_u)
                constants.append((n_u, node.data))
                n_u += 1
        ordered = sorted(groups.items(), key=lambda item: item[0][0])
        for _, members in ordered:
            for i in members:
                if batch[i]:
                    row[i], n_v = (V, n_v), n_v + 1
                else:
                    row[i], n_u = (U, n_u), n_u + 1
        self._row = row
        self._n_u, self._n_v = n_u, n_v
        self._u0 = np.zeros((n_u, 1))
        for r, value in constants:
            self._u0[r, 0] = value
        # The uniform buffer and its gradient persist (views into them are made once); the
        # per-sample ones are made for each batch size.
        self._u, self._gu = self._u0.copy(), np.zeros((n_u, 1))
        self._v = self._gv = np.empty((n_v, 0))

        def rows_of(nodes: Sequence[int]) -> Rows:
            buf = row[nodes[0]][0] if nodes else V
            return Rows(buf, [row[j][1] for j in nodes])

        self._groups: list[Step] = []
        for (_, kind, *rest_key), members in ordered:
            out = rows_of(members)
            group: Step
            if kind == "ew":
                name, param = rest_key[0], rest_key[1]
                if name in PARAMETRISED and param is None:
                    raise ValueError(f"op {name!r} has no parameter recorded on its node")
                arity = len(plan[members[0]][1])
                operands = [rows_of([plan[i][1][k] for i in members]) for k in range(arity)]
                group = Elementwise(name, param, operands, out)
            elif kind == "sum":
                group = Sum(
                    [[(*row[j], c) for j, c in plan[i][1]] for i in members],
                    out,
                )
            else:
                xs = rows_of([x for _, x in plan[members[0]][1]])
                weights = np.asarray(
                    [[row[p][1] for p, _ in plan[i][1]] for i in members], dtype=np.intp
                )
                bias = rows_of([plan[i][2] for i in members]) if rest_key[1] else None
                group = Linear(xs, weights, bias, out)
            group.nodes = members
            if isinstance(group, Linear):
                group.bind(self._u, self._gu)
            self._groups.append(group)
        self._out_rows = [row[index[o]] for o in trace.outputs]
        self._index = index

    # -- running
    @property
    def steps(self) -> int:
        return len(self._groups)

    def _batch(self, arrays: tuple) -> tuple[int, list[np.ndarray]]:
        if len(arrays) != len(self._widths):
            raise TypeError(f"the tape takes {len(self._widths)} input array(s), got {len(arrays)}")
        batch, columns = None, []
        for a, (arr, width) in enumerate(zip(arrays, self._widths)):
            x = np.asarray(arr, dtype=np.float64)
            if width == 0 and x.ndim == 1:
                x = x[:, None]
            elif width == 1 and x.ndim == 1:
                x = x[:, None]
            expected = max(width, 1)
            if x.ndim != 2 or x.shape[1] != expected:
                shape = f"(batch, {width})" if width else "(batch,)"
                raise ValueError(f"input {a} must have shape {shape}, got {np.shape(arr)}")
            if batch is not None and len(x) != batch:
                raise ValueError(f"input {a} has {len(x)} samples but input 0 has {batch}")
            batch = len(x)
            columns.append(x.T)
        if batch == 0:
            raise ValueError("the batch is empty: need at least one sample")
        return batch or 1, columns

    def forward(self, *inputs: Any, params: np.ndarray | None = None) -> np.ndarray:
        """Run the program on a batch: one array per argument of ``fn``, samples along axis 0.

        A vector argument of width d takes shape (batch, d); a number argument shape (batch,).
        ``params`` (shape (n_params,)) replaces the parameters' current ``.data`` for this pass.
        Returns the outputs, shape (batch, n_outputs), or (batch,) when ``fn`` returns one Value.
        """
        batch, columns = self._batch(inputs)
        u = self._u
        u[:] = self._u0
        if params is None:
            u[1 : 1 + len(self.params), 0] = [p.data for p in self.params]
        else:
            u[1 : 1 + len(self.params), 0] = params
        if self._v.shape[1] != batch:
            self._v, self._gv = np.empty((self._n_v, batch)), np.empty((self._n_v, batch))
        v = self._v
        v[0] = 0.0
        if columns:
            v[1 : 1 + len(self.inputs)] = columns[0] if len(columns) == 1 else np.vstack(columns)
        bufs = [u, v]
        with _quiet():  # overflow to inf and inf - inf = NaN are silent, as in the engine
            for group in self._groups:
                try:
                    group.forward(bufs)
                except DomainError as exc:
                    row = exc.value_index[0] if exc.value_index else 0
                    node = self.nodes[group.nodes[row]]
                    raise exc.kind(
                        f"tape forward, sample {exc.sample}: {exc.message} (node {_describe(node)})"
                    ) from None
        self._bufs, self._batch_size = bufs, batch
        out = np.empty((batch, len(self._out_rows)))
        for k, (buf, r) in enumerate(self._out_rows):
            out[:, k] = bufs[buf][r]
        return out[:, 0] if self._single else out

    def backward(self, grad: Any = None, reduction: str = "mean") -> np.ndarray:
        """The parameters' gradients for the latest forward batch, shape (n_params,).

        ``grad`` is d(loss)/d(output) per sample, shape like ``forward``'s result; without it
        each output's gradient is 1 (``reduction="sum"``: the gradient of the summed outputs)
        or 1/batch (``"mean"``). The parameters' ``.grad`` are not touched: see
        ``accumulate_grads``.
        """
        if self._bufs is None:
            raise RuntimeError("backward needs a forward pass first")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        batch, n_out = self._batch_size, len(self._out_rows)
        if grad is None:
            g = np.full((batch, n_out), 1.0 / batch if reduction == "mean" else 1.0)
        else:
            g = np.asarray(grad, dtype=np.float64)
            if self._single and g.ndim == 1:
                g = g[:, None]
            if g.shape != (batch, n_out):
                raise ValueError(
                    f"grad must have the shape of the outputs, ({batch}, {n_out}), got {g.shape}"
                )
        bufs = self._bufs
        grads = [self._gu, self._gv]
        self._gu.fill(0.0)
        self._gv.fill(0.0)
        for k, (buf, r) in enumerate(self._out_rows):
            grads[buf][r] += g[:, k] if buf == V else g[:, k].sum()
        with _quiet():
            for group in reversed(self._groups):
                group.backward(bufs, grads)
        self._grads = grads
        self.grad = grads[U][1 : 1 + len(self.params), 0].copy()
        return self.grad

    def accumulate_grads(self) -> None:
        """Add the latest ``backward``'s gradients to the parameters' ``.grad`` (as backward())."""
        for p, g in zip(self.params, self.grad.tolist()):
            p.grad += g

    def forward_values(self, *inputs: Any) -> list[Any]:
        """``forward``, with each sample's outputs as fresh leaf Values, for a scalar loss.

        The loss of each sample is then built by the scalar engine on these leaves (any loss,
        however it branches); after its ``backward()``, ``backward_values`` takes their grads
        as the upstream gradient. This is how ``fit(..., engine="tape")`` trains.
        """
        rows = self.forward(*inputs).tolist()
        if self._single:
            return [Value(v) for v in rows]
        return [[Value(v) for v in row] for row in rows]

    def backward_values(self, outputs: Sequence[Any]) -> np.ndarray:
        """``backward`` with the ``.grad`` of the Values ``forward_values`` gave as upstream."""
        if self._single:
            grad = np.fromiter((v.grad for v in outputs), np.float64, len(outputs))
        else:
            grad = np.asarray([[v.grad for v in row] for row in outputs], dtype=np.float64)
        return self.backward(grad)

    def value(self, node: Value) -> np.ndarray:
        """Any traced node's values over the latest forward batch, shape (batch,)."""
        if self._bufs is None:
            raise RuntimeError("value needs a forward pass first")
        i = self._index.get(node)
        if i is None:
            raise KeyError(f"{node!r} is not a node of the traced graph")
        batch = self._batch_size
        known: dict[int, np.ndarray] = {}
        stack = [i]
        while stack:  # fused nodes (a neuron's products, partial sums) are recomputed here
            j = stack[-1]
            if j in self._row:
                buf, r = self._row[j]
                known[j] = np.broadcast_to(self._bufs[buf][r], (batch,))
                stack.pop()
                continue
            kids = [self._index[c] for c in self.nodes[j].children]
            missing = [k for k in kids if k not in known]
            if missing:
                stack.extend(missing)
                continue
            name, param = _op_key(self.nodes[j])
            known[j] = KERNELS[name](*(known[k] for k in kids), param)[0]
            stack.pop()
        return np.array(known[i])


def compile_model(model: Any, X: np.ndarray, checks: int = 4) -> Tape:
    """A tape of ``model(x)`` over the rows of X: traced on row 0, checked on a few others.

    The checks trace the model again on rows spread over X (first, middle, last, ...) and refuse
    a model whose graph changes with the input (for instance Dropout in training mode, which
    draws a new mask per call, or a Python branch on a value).
    """
    picks = sorted({int(i) for i in np.linspace(0, len(X) - 1, num=max(1, checks))})
    examples = [(X[i].tolist(),) for i in picks]
    return compile(lambda x: model(x), model.parameters(), *examples)


def compile(
    fn: Callable[..., Any],
    params: Sequence[Value],
    example: tuple,
    *more_examples: tuple,
) -> Tape:
    """Trace ``fn`` on one sample and compile its graph into a ``Tape`` replayed on arrays.

    Args:
        fn: builds the graph of one sample from its arguments, e.g.
            ``lambda x, y: (1 - y * model(x)).relu()``. A vector argument arrives as a list of
            leaf Values (labelled x0, x1, ...), a number argument as one leaf Value.
        params: the Values whose gradients ``backward`` returns (``model.parameters()``).
            Other leaves the graph meets are constants of the tape.
        example: one sample, one entry per argument of ``fn``: ``([0.5, -1.0], 1.0)``.
        more_examples: further samples; ``fn`` is traced on each and the tape is refused if any
            builds a different graph (the graph would depend on the data).

    Without ``more_examples``, ``fn`` is also traced on three deterministic copies of
    ``example`` (negated; plus seeded noise; scaled by 3 plus seeded noise), and the tape is
    refused if any builds a different graph, so a Python ``if x.data > 0`` is caught with one
    example too. A copy on which ``fn`` raises (``log`` of a negated input, say) is skipped.
    This is a check, not a proof: give examples that reach every branch to be sure.
    """
    params = list(params)
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"params[{k}] is {type(p).__name__}, not a Value")
    if len({id(p) for p in params}) != len(params):
        raise ValueError("params lists a Value twice: list each parameter once")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    traces = []
    for k, ex in enumerate((example, *more_examples)):
        if not isinstance(ex, tuple):
            raise TypeError(
                f"example {k} must be a tuple with one entry per argument of fn, e.g. "
                f"([0.5, -1.0],) for one input vector; got {type(ex).__name__}"
            )
        traces.append(_Trace(fn, ex, params))
        if k:
            _check_same_structure(traces[0], traces[k], k)
    if not more_examples:
        for name, ex in _perturbed(example):
            try:
                trace = _Trace(fn, ex, params)
            except Exception:
                continue
            _check_same_structure(traces[0], trace, name)
    return Tape(fn, params, traces)
