"""The look of a drawing: a calm, print-friendly palette and the role of each node.

Roles, each recognisable at a glance (and still distinct in greyscale print):

- ``input``: a leaf that is data (x, i1): pale blue box with square corners.
- ``parameter``: a leaf that is learned (w5, b1, ``layer0.neuron1.w0``): pale amber, rounded.
- ``constant``: a number written in the expression (the 2 in ``x * 2``): small grey text, no box.
- ``intermediate``: a computed value (net_h1, out_h1): white box, grey border.
- ``root``: the value drawn from (usually the loss, E_total): pale rose box, double border.

Ops are small grey ellipses between a value and its operands. Highlighting (the node being
processed, edges receiving gradient) uses one accent colour; dimmed nodes are light grey.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from microgrid import ops
from microgrid.engine import Value

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
MONO_FONT = "DejaVu Sans Mono,Menlo,Consolas,monospace"
FONT_SIZE = 12
SMALL_SIZE = 10
EDGE_FONT_SIZE = 10

TEXT = "#222222"
DATA_TEXT = "#1f3b57"
GRAD_TEXT = "#8a2d1f"
CONST_TEXT = "#555555"
CLUSTER_TEXT = "#666666"
UNKNOWN_TEXT = "#9a9a9a"
DIM_TEXT = "#b0b0b0"
EDGE = "#7a7a7a"
EDGE_LABEL = "#5a5a5a"
ACCENT = "#c65d1e"

ROLES = ("input", "parameter", "constant", "intermediate", "root")

#: fill colour, border colour and extra node attributes per role.
NODE_STYLE: dict[str, dict[str, str]] = {
    "input": {"fillcolor": "#e6eff7", "color": "#4f7391", "style": "filled"},  # square corners
    "parameter": {"fillcolor": "#fbefd9", "color": "#a57a32"},
    "intermediate": {"fillcolor": "#ffffff", "color": "#8c8c8c"},
    "root": {"fillcolor": "#f5e1de", "color": "#9c4a3f", "peripheries": "2"},
}
OP_STYLE = {"fillcolor": "#f1f1f1", "color": "#a0a0a0", "fontcolor": "#333333"}
DIM_STYLE = {"fillcolor": "#f7f7f7", "color": "#d0d0d0", "fontcolor": DIM_TEXT}
CLUSTER_STYLE = {"color": "#c8c8c8", "bgcolor": "#fbfbfb", "style": "rounded"}
COLLAPSED_STYLE = {"fillcolor": "#eeeeee", "color": "#6f6f6f"}

# A learned leaf's label ends in w, b, weight or bias, maybe numbered: w5, b1, layer0.neuron1.w0.
_PARAMETER_NAME = re.compile(r"(?:^|\.)(?:w|b|W|weight|bias)_?\d*$")


def op_symbol(op: str) -> str:
    """How an op is written in its marker (the table's symbol): ``*`` as x, ``**2`` as x^2."""
    return ops.lookup(op).symbol


def looks_like_parameter(label: str) -> bool:
    """True for leaf labels that name weights or biases (w5, b1, layer0.neuron1.w0)."""
    return bool(_PARAMETER_NAME.search(label))


def role_of(value: Value, root: Value, params: Collection[Value] | None = None) -> str:
    """The role of ``value`` in a drawing of ``root`` (one of ``ROLES``).

    Leaves are parameters when listed in ``params``; without ``params``, when their label
    looks like a weight or bias name (``looks_like_parameter``); otherwise inputs.
    """
    if value is root:
        return "root"
    if value.op == "const":
        return "constant"
    if value.children:
        return "intermediate"
    if params is not None:
        return "parameter" if value in params else "input"
    return "parameter" if looks_like_parameter(value.label) else "input"
