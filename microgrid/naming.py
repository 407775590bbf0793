"""How a node is named in text: its label, a constant's value, else a short expression.

One naming for every explanation, so ``explain()`` and the stepper's captions call the same
unnamed node the same thing: ``w5·out_h1``, ``(x·w + b)``, ``tanh(n)``.
"""

from __future__ import annotations

from microgrid import ops
from microgrid.engine import Value
from microgrid.formatting import short


def expression_name(v: Value, depth: int = 2) -> str:
    """A node's label, a constant's value, else its expression written ``depth`` levels deep."""
    if v.label:
        return v.label
    if v.op == "const" or not v.children:
        return short(v.data)
    if depth == 0:
        return "(\u2026)"
    parts = [expression_name(c, depth - 1) for c in v.children]
    op = ops.lookup(v.op)
    if op.name == "pow" and len(parts) == 1:
        return f"{parts[0]}^{op.param_text}"
    if op.kind == "infix" and len(parts) == 2:
        joined = f"{parts[0]}{op.infix}{parts[1]}"
        # * / and ^ bind tighter than + and -, so only sums and differences need brackets.
        return f"({joined})" if op.name in ("+", "-") else joined
    if op.kind == "prefix" and len(parts) == 1:
        return f"({op.infix}{parts[0]})"
    return f"{v.op}({', '.join(parts)})"


def bare(text: str) -> str:
    """``text`` without one pair of enclosing brackets."""
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def derivative_name(v: Value) -> str:
    """A node as written after d in d(root)/d(node): brackets around anything but a label."""
    return v.label if v.label else f"({bare(expression_name(v))})"
