"""The random expression DAGs of ``strategies`` against PyTorch autograd in float64, to 1e-9.

PyTorch is an optional dependency (the ``torch`` extra, installed by CI): without it this
module is skipped, with the reason shown in pytest's summary.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from strategies import MICROGRID_OPS, Backend, evaluate_entries, expression_dags

from microgrid import Value

torch = pytest.importorskip(
    "torch", reason="PyTorch parity tests need torch (pip install -e '.[torch]')"
)
F = torch.nn.functional

TOL = 1e-9

TORCH_OPS: Backend = {
    "+": lambda a, b, p: a + b,
    "tanh": lambda x, p: torch.tanh(x),
    "*": lambda a, b, p: a * b,
    "-": lambda a, b, p: a - b,
    "/": lambda a, b, p: a / b,
    "neg": lambda x, p: -x,
    "exp": lambda x, p: torch.exp(x),
    "log": lambda x, p: torch.log(x),
    "sqrt": lambda x, p: torch.sqrt(x),
    "abs": lambda x, p: torch.abs(x),
    "sigmoid": lambda x, p: torch.sigmoid(x),
    "relu": lambda x, p: torch.relu(x),
    "leaky_relu": lambda x, p: F.leaky_relu(x, p),
    "elu": lambda x, p: F.elu(x, alpha=p),
    # torch's default threshold=20 switches to x itself above 20 (off by e^-20 ~ 2e-9)
    "softplus": lambda x, p: F.softplus(x, threshold=1000.0),
    "sin": lambda x, p: torch.sin(x),
    "cos": lambda x, p: torch.cos(x),
    # where() routes the whole gradient to the chosen operand, as microgrid.maximum/minimum do
    "max": lambda a, b, p: torch.where(a >= b, a, b),
    "min": lambda a, b, p: torch.where(a <= b, a, b),
    "pow": lambda x, p: x**p,
    "powv": lambda a, b, p: a**b,
    "rpow": lambda x, p: p**x,
    "addc": lambda x, p: x + p,
    "rsubc": lambda x, p: p - x,
    "mulc": lambda x, p: x * p,
    "rdivc": lambda x, p: p / x,
}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def test_every_dag_op_has_a_torch_twin() -> None:
    assert set(TORCH_OPS) == set(MICROGRID_OPS)


@given(expression_dags(max_leaves=5, max_nodes=16))
def test_random_dags_match_pytorch_on_every_node(dag) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(dag.leaves)]
    entries, root = evaluate_entries(dag, leaves, MICROGRID_OPS)
    root.backward()

    t_leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in dag.leaves]
    t_entries, t_root = evaluate_entries(dag, t_leaves, TORCH_OPS)
    for t in t_entries[len(t_leaves) :]:
        t.retain_grad()
    if t_root.requires_grad:
        t_root.retain_grad()
    t_root.backward()

    assert close(root.data, t_root.item()), (dag, root.data, t_root.item())
    for i, (v, t) in enumerate(zip(entries, t_entries)):
        assert close(v.data, t.item()), (dag, f"v{i}", v.data, t.item())
        t_grad = 0.0 if t.grad is None else t.grad.item()
        assert close(v.grad, t_grad), (dag, f"v{i}.grad", v.grad, t_grad)


@pytest.mark.parametrize(
    "name, mg, tf",
    [
        ("relu", Value.relu, torch.relu),
        ("leaky_relu", lambda v: v.leaky_relu(0.1), lambda t: F.leaky_relu(t, 0.1)),
        ("elu", lambda v: v.elu(0.7), lambda t: F.elu(t, alpha=0.7)),
        ("abs", Value.abs, torch.abs),
        ("sqrt", Value.sqrt, torch.sqrt),
    ],
)
def test_derivative_at_zero_follows_pytorch_convention(name, mg, tf) -> None:
    v = Value(0.0)
    mg(v).backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tf(t).backward()
    assert v.grad == t.grad.item(), name


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_saturating_ops_at_extremes_match_pytorch(x: float) -> None:
    for mg, tf in [
        (Value.sigmoid, torch.sigmoid),
        (Value.tanh, torch.tanh),
        (Value.softplus, F.softplus),  # the default threshold keeps torch finite here
    ]:
        v = Value(x)
        out = mg(v)
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        t_out = tf(t)
        t_out.backward()
        assert close(out.data, t_out.item()) and close(v.grad, t.grad.item())
