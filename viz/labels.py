"""HTML-like labels for Graphviz, built so that label text is always data and never DOT.

Every piece of user text (a Value's label, a scope name, a caption) goes through
``escape_line``: ``& < > "`` become entities, control characters become visible symbols, and
newlines become ``<BR/>`` line breaks. Inside an HTML-like label Graphviz reads only tags and
entities, so no text, however hostile (quotes, braces, ``|``, ``<TD>``, backslashes), can end the
label, add an attribute or open a record port. ``display_lines(text)`` says, line by line, what
the picture shows for ``text``; the tests compare it with the rendered SVG.

Numbers use ``microgrid.formatting.padded``: a fixed width, so a node keeps its size while
gradients fill in (important for stepper frames whose layout is pinned).
"""

from __future__ import annotations

import math

from microgrid.formatting import padded, short
from viz import style

#: Width, in characters, of every number drawn (padded on the left with no-break spaces).
NUMBER_WIDTH = 9

_NBSP = "\u00a0"
# Backslashes doubled: Graphviz expands \N, \G, \E (object names) even inside HTML-like
# labels, and reads a doubled backslash as one.
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "\\": "&#92;&#92;",
}


def fmt_number(x: float) -> str:
    """A drawn number: ``microgrid.formatting.padded`` at the drawing's ``NUMBER_WIDTH``
    (``0.5 -> '   0.5000'``, ``-1234567.0 -> '-1.23e+06'``), so every number takes the same room."""
    return padded(x, NUMBER_WIDTH)


def _visible_char(ch: str) -> str:
    """Map one character to what the picture shows: control characters as visible symbols."""
    code = ord(ch)
    if ch == "\t":
        return "    "
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": NUL -> U+2400, and so on
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000 or code in (0xFFFE, 0xFFFF):
        return "\ufffd"  # C1 controls and lone surrogates cannot be drawn (or encoded)
    return ch


def display_lines(text: str) -> list[str]:
    """What the picture shows for ``text``: one string per line (split at any line break)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return ["".join(_visible_char(ch) for ch in line) for line in lines]


def escape_line(line: str) -> str:
    """One display line as HTML-label text: entities for markup characters, spaces kept."""
    out = []
    for ch in line:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch == " ":
            out.append("&#160;")  # Graphviz keeps runs of no-break spaces; plain ones may merge
        else:
            out.append(ch)
    return "".join(out)


def escape_text(text: str) -> str:
    """Any text as HTML-label content: escaped, control characters visible, newlines ``<BR/>``."""
    return "<BR/>".join(escape_line(line) for line in display_lines(text))


def html(content: str) -> str:
    """Wrap finished HTML-label content for the ``graphviz`` package (``<...>`` means HTML)."""
    return f"<{content}>"


def _font(text: str, *, color: str | None = None, size: float | None = None, face=None) -> str:
    if not text:
        return text  # Graphviz refuses an empty <FONT></FONT>
    attrs = []
    if face:
        attrs.append(f'FACE="{face}"')
    if color:
        attrs.append(f'COLOR="{color}"')
    if size:
        attrs.append(f'POINT-SIZE="{size:g}"')
    return f"<FONT {' '.join(attrs)}>{text}</FONT>" if attrs else text


def number_cell(x: float | None, *, color: str, known: bool = True) -> str:
    """A fixed-width number in the monospace face; ``?`` (same width) when not known yet."""
    text = fmt_number(x) if known and x is not None else "?".rjust(NUMBER_WIDTH, _NBSP)
    colour = color if known else style.UNKNOWN_TEXT
    return _font(escape_line(text), color=colour, face=style.MONO_FONT)


def _row(name: str, cell: str, name_color: str) -> str:
    name_html = _font(name, color=name_color, size=style.SMALL_SIZE)
    # the middle cell keeps the word off a number that fills its width ("grad  8.771e-03")
    return (
        f'<TR><TD ALIGN="LEFT">{name_html}</TD><TD WIDTH="5"></TD>'
        f'<TD ALIGN="RIGHT">{cell}</TD></TR>'
    )


def value_label(
    label: str,
    data: float,
    grad: float | None,
    *,
    data_known: bool = True,
    grad_known: bool = True,
    dim: bool = False,
) -> str:
    """The table of a value node: its label (bold, escaped), then ``data`` and ``grad`` rows.

    ``grad=None`` leaves the grad row out (``draw(grads=False)``); ``*_known=False`` draws ``?``.
    """
    text_color = style.DIM_TEXT if dim else style.TEXT
    rows = []
    if label:
        rows.append(
            f'<TR><TD COLSPAN="3">{_font("<B>" + escape_text(label) + "</B>", color=text_color)}'
            "</TD></TR>"
        )
    data_color = style.DIM_TEXT if dim else style.DATA_TEXT
    rows.append(_row("data", number_cell(data, color=data_color, known=data_known), text_color))
    if grad is not None:
        grad_color = style.DIM_TEXT if dim else style.GRAD_TEXT
        rows.append(_row("grad", number_cell(grad, color=grad_color, known=grad_known), text_color))
    return html(
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>"
    )


def constant_label(data: float, label: str = "", *, dim: bool = False) -> str:
    """A constant (a number written in the expression): its value, small and plain."""
    text = escape_text(label) if label else escape_line(short(data))
    return html(_font(text, color=style.DIM_TEXT if dim else style.CONST_TEXT))


def op_label(op: str) -> str:
    """The operation of a node, as a short symbol or function name."""
    return html(escape_line(style.op_symbol(op)))


def edge_label(local_grad: float, *, color: str) -> str:
    """The local derivative d(parent)/d(child) written on an edge, fixed width."""
    return html(
        _font(
            escape_line(fmt_number(local_grad).strip(_NBSP)),
            color=color,
            face=style.MONO_FONT,
        )
    )


def cluster_label(name: str) -> str:
    """A scope's cluster title: the last part of its dotted path."""
    return html(_font(escape_text(name), color=style.CLUSTER_TEXT, size=style.SMALL_SIZE))


#: A collapsed box lists this many outputs at most (a wide layer would otherwise be a tower).
MAX_COLLAPSED_OUTPUTS = 4


def collapsed_label(
    scope: str, n_values: int, outputs: list[tuple[str, float, float | None]]
) -> str:
    """A collapsed scope: its path, how many values it hides, and its outputs' data and grad.

    At most ``MAX_COLLAPSED_OUTPUTS`` outputs are listed; a last line counts the rest.
    """
    head = f"<B>{escape_text(scope)}</B>"
    count = _font(f"{n_values} values collapsed", color=style.CLUSTER_TEXT, size=style.SMALL_SIZE)
    rows = [f'<TR><TD COLSPAN="3">{head}</TD></TR>', f'<TR><TD COLSPAN="3">{count}</TD></TR>']
    for label, data, grad in outputs[:MAX_COLLAPSED_OUTPUTS]:
        if label:
            rows.append(f'<TR><TD COLSPAN="3">{escape_text(label)}</TD></TR>')
        rows.append(_row("data", number_cell(data, color=style.DATA_TEXT), style.TEXT))
        if grad is not None:
            rows.append(_row("grad", number_cell(grad, color=style.GRAD_TEXT), style.TEXT))
    hidden = len(outputs) - MAX_COLLAPSED_OUTPUTS
    if hidden > 0:
        more = _font(f"+{hidden} more outputs", color=style.CLUSTER_TEXT, size=style.SMALL_SIZE)
        rows.append(f'<TR><TD COLSPAN="3">{more}</TD></TR>')
    return html(
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>"
    )


def caption_label(text: str, size: tuple[float, float] | None = None) -> str:
    """A caption above the graph (stepper frames put the chain-rule step here).

    ``size`` (width, height in points) fixes the caption's box, so a pinned frame's caption can
    never push the graph around: text longer than the box overflows it instead.
    """
    fixed = ""
    if size is not None:
        width, height = (math.ceil(v - 0.01) for v in size)  # Graphviz wants whole points
        fixed = f' FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}"'
    return html(
        f'<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0"{fixed}><TR>'
        f'<TD ALIGN="LEFT" BALIGN="LEFT">{_font(escape_text(text), color=style.TEXT)}</TD>'
        "</TR></TABLE>"
    )
