"""``microgrid render EXPR --set x=0.5 -o graph.svg``: draw an expression's graph with gradients.

The expression is parsed by ``microgrid.app.expr`` (a whitelist over Python's ``ast``; never
``eval``), built with the engine, differentiated with ``backward()``, and drawn by ``viz``.
Exit status: 0 on success, 2 for bad usage (expression, ``--set``, output path, too many
nodes, too costly a layout), 1 when the maths is undefined at the given values (``log(-1)``),
rendering fails or takes too long, or the file cannot be written (a full disk, a size limit).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from microgrid.app import expr
from microgrid.formatting import short

if TYPE_CHECKING:
    from microgrid.engine import Value
    from viz.drawing import Drawing

PROG = "microgrid render"
FORMATS = ("svg", "png", "pdf", "dot", "html")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="draw an expression's computation graph with values and gradients",
        description=(
            "Build EXPR with the autograd engine, run backward(), and draw the graph with every "
            "node's value and gradient. EXPR may use variables, numbers, + - * / **, unary -, "
            f"and the functions {', '.join(expr.FUNCTIONS)}."
        ),
        epilog='example: microgrid render "tanh(x*w + b)" --set x=0.5 --set w=-1.2 '
        "--set b=0.3 --local-grads -o graph.svg",
    )
    parser.add_argument("expression", metavar="EXPR", help='e.g. "tanh(x*w + b)" (quote it)')
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="give a variable its value (repeat for each variable)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="where to write the picture; the format comes from the suffix (.svg .png .pdf .dot); "
        ".html writes a stepper page (forward and backward pass, one step at a time)",
    )
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from suffix)")
    parser.add_argument(
        "--local-grads",
        action="store_true",
        help="write the local derivative d(parent)/d(child) on every edge",
    )
    parser.add_argument("--no-grads", action="store_true", help="draw values only")
    parser.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    parser.add_argument("--name", default="out", help="label of the result node (default: out)")
    parser.add_argument(
        "--max-nodes", type=int, default=500, help="refuse bigger graphs (default: 500)"
    )
    parser.add_argument(
        "--backend",
        choices=("pygraphviz", "system"),
        default="pygraphviz",
        help="pygraphviz (default, in-process) or system (Graphviz's dot on PATH)",
    )
    parser.set_defaults(func=run)


class UsageError(Exception):
    """Bad command-line input: reported with exit status 2."""


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=0.5", "w=-1.2"]`` -> ``{"x": 0.5, "w": -1.2}``; refuses bad names, numbers, repeats."""
    values: dict[str, float] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not name:
            raise UsageError(f"--set {item!r}: write NAME=VALUE, e.g. --set x=0.5")
        if not name.isidentifier():
            raise UsageError(f"--set {item!r}: {name!r} is not a variable name")
        if name in expr.FUNCTIONS:
            raise UsageError(f"--set {item!r}: {name} is a function name, not a variable")
        if name in values:
            raise UsageError(f"--set {name} is given twice")
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--set {item!r}: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"--set {item!r}: the value must be a finite number")
        values[name] = number
    return values


def output_format(path: str, given: str | None) -> str:
    """The format to write: ``--format`` if given (must agree with a suffix), else the suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if given:
        if suffix and suffix != given:
            raise UsageError(f"-o {path!r} ends in .{suffix} but --format is {given}")
        return given
    if suffix not in FORMATS:
        what = f"'.{suffix}'" if suffix else "no suffix"
        raise UsageError(
            f"-o {path!r} has {what}: use .svg, .png, .pdf or .dot, or .html for a stepper page "
            "(or pass --format)"
        )
    return suffix


def check_writable(path: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        if target.is_dir():
            raise UsageError(f"-o {path!r} is a directory; give a file name such as graph.svg")
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"-o {path!r}: {str(parent)!r} is a file, not a directory")
        if not parent.is_dir():
            raise UsageError(f"-o {path!r}: the directory {str(parent)!r} does not exist")
        target.exists()  # stat the name itself: a name too long for the system fails here
    except OSError as exc:
        raise UsageError(f"-o {path!r}: {exc.strerror or exc}") from None
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"-o {path!r}: no permission to write there")


def run(args: argparse.Namespace) -> int:
    """Validate, compute, draw, report; each failure is one line on stderr and an exit status."""
    try:
        values, fmt = validate(args)
        root, leaves = expr.build(args.expression, values)
    except (UsageError, expr.ExpressionError) as exc:
        return _error(exc, 2)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        return _error(f"cannot compute the expression: {exc}", 1)
    root.label = root.label or args.name
    root.backward()
    if fmt == "html":
        return write_stepper_page(args, root)

    import viz  # heavy (graphviz); imported only when drawing

    try:
        drawing = draw(args, root, fmt)
    except viz.GraphTooLargeError as exc:
        return _error(exc, 2)
    except viz.LayoutTooCostlyError as exc:
        fewer = ", or leave out --local-grads" if args.local_grads else ""
        return _error(f"{exc.what}; draw a shorter expression{fewer}", 2)
    except viz.RenderError as exc:
        return _error(exc, 1)
    report(args, root, leaves, fmt, drawing.n_nodes)
    return 0


def _error(problem: object, status: int) -> int:
    print(f"{PROG}: error: {problem}", file=sys.stderr)
    return status


def validate(args: argparse.Namespace) -> tuple[dict[str, float], str]:
    """Every check that needs no computing: the values given, the output path and format, the
    expression's grammar and variables, the options. Returns (values, format)."""
    values = parse_assignments(args.assignments)
    check_writable(args.output)
    fmt = output_format(args.output, args.format)
    names = expr.variables(expr.parse(args.expression))
    unused = [name for name in values if name not in names]
    if unused:
        raise UsageError(
            f"--set {unused[0]}: {unused[0]} does not appear in the expression "
            f"(its variables: {', '.join(names) or 'none'})"
        )
    if args.max_nodes < 1:
        raise UsageError("--max-nodes must be at least 1")
    if args.no_grads and args.local_grads:
        raise UsageError("--no-grads and --local-grads contradict each other: choose one")
    return values, fmt


def draw(args: argparse.Namespace, root: Value, fmt: str) -> Drawing:
    """Draw the differentiated graph and write it to ``args.output`` in format ``fmt``."""
    import viz

    drawing = viz.draw(
        root,
        grads=not args.no_grads,
        local_grads=args.local_grads,
        rankdir=args.rankdir,
        max_nodes=args.max_nodes,
        backend=args.backend,
    )
    drawing.render(args.output, format=fmt)
    return drawing


def report(
    args: argparse.Namespace, root: Value, leaves: dict[str, Value], fmt: str, n_nodes: int
) -> None:
    """Print the result, each variable's value and gradient, and what was written."""
    text = args.expression.strip()
    if text == root.label:  # a bare variable: "x = 1", not "x = x = 1"
        print(f"{root.label} = {short(root.data)}")
    else:
        print(f"{root.label} = {text} = {short(root.data)}")
    if leaves:
        width = max(len(name) for name in leaves)
        if args.no_grads:
            print("values:")
            for name, leaf in leaves.items():
                print(f"  {name:<{width}} = {short(leaf.data):>10}")
        else:
            print(f"gradients of {root.label} (backward pass):")
            for name, leaf in leaves.items():
                value, grad = short(leaf.data), short(leaf.grad)
                print(f"  {name:<{width}} = {value:>10}   d{root.label}/d{name} = {grad}")
    nodes = f"{n_nodes} node{'' if n_nodes == 1 else 's'}"
    print(f"wrote {args.output} ({fmt.upper()}, {nodes})")


def write_stepper_page(args: argparse.Namespace, root: Value) -> int:
    """``-o page.html``: the stepper of the expression (forward, then backward, step by step)."""
    if args.no_grads:
        return _error("a stepper page (.html) shows gradients: drop --no-grads", 2)
    import viz  # heavy (graphviz); imported only when drawing
    from viz.stepper import Stepper

    text = args.expression.strip()
    try:
        stepper = Stepper(
            root,
            title=f"microgrid: {root.label}" + ("" if text == root.label else f" = {text}"),
            rankdir=args.rankdir,
            max_nodes=args.max_nodes,
        )
        stepper.write(args.output)
    except viz.GraphTooLargeError as exc:
        return _error(exc, 2)
    except viz.LayoutTooCostlyError as exc:
        return _error(f"{exc.what}; draw a shorter expression", 2)
    except viz.OutputPathError as exc:
        return _error(exc, 2)
    except viz.RenderError as exc:
        return _error(exc, 1)
    if text == root.label:  # a bare variable: "x = 1", not "x = x = 1"
        print(f"{root.label} = {short(root.data)}")
    else:
        print(f"{root.label} = {text} = {short(root.data)}")
    n, frames = len(stepper.plan.order), len(stepper.plan.frames)
    nodes = f"{n} node{'' if n == 1 else 's'}"
    print(f"wrote {args.output} (stepper page, {nodes}, {frames} frames)")
    return 0
