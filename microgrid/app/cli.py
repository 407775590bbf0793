"""The ``microgrid`` command: one subcommand per job, each in its own module under commands/.

Subcommand modules are imported only when the parser is built, and they import heavy
dependencies (viz, graphviz) only when run, so ``microgrid --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from microgrid._version import __version__

#: Subcommand modules, each with ``add_parser(subparsers)`` that sets ``func=run``.
COMMANDS = ("render", "walkthrough")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microgrid",
        description=(
            "A scalar autograd engine for learning backpropagation: run the worked example, "
            "draw computation graphs, and step through the backward pass."
        ),
    )
    parser.add_argument("--version", action="version", version=f"microgrid {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"microgrid.app.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status (2 for bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader went away (``microgrid walkthrough | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
