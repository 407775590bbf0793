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
from typing import NoReturn

from microgrid._version import __version__

#: Subcommand modules, each with ``add_parser(subparsers)`` that sets ``func=run``.
COMMANDS = ("render", "walkthrough")


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors in one line (the usage text is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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


def expressions_may_start_with_minus(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> list[str]:
    """Let a positional argument start with ``-`` (``microgrid render "-x*2" ...``).

    argparse reads any word starting with ``-`` as an option, so ``-x*2`` would be refused as
    an unknown one. A word that starts with a single ``-`` and is not one of the subcommand's
    options (nor the value of the option before it) is a positional argument: it is passed on
    with a leading space, which argparse does not take for an option and the expression parser
    ignores. ``--`` still works as usual.
    """
    words = list(argv)
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not words or not subparsers or words[0] not in subparsers[0].choices:
        return words
    options = subparsers[0].choices[words[0]]._option_string_actions
    takes_value = False
    for i in range(1, len(words)):
        word = words[i]
        if word == "--":
            break
        is_option = word.startswith("--") or word[:2] in options
        if word.startswith("-") and len(word) > 1 and not is_option and not takes_value:
            words[i] = " " + word
            continue
        action = options.get(word.split("=", 1)[0]) if is_option else None
        takes_value = action is not None and action.nargs != 0 and "=" not in word
    return words


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status.

    0 on success, 2 for bad usage, 1 for a failure (a file that cannot be written, maths that
    is undefined at the given values); 130 when interrupted. Every error is one line.
    """
    parser = build_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(expressions_may_start_with_minus(parser, words))
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
    except OSError as exc:  # a file that could not be read or written: one line, not a traceback
        print(f"microgrid: error: {describe_os_error(exc)}", file=sys.stderr)
        return 1


def describe_os_error(exc: OSError) -> str:
    """An OSError as one line: the file and the reason, without Python's ``[Errno N]``."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename!r}: {exc.strerror}"
    return exc.strerror or str(exc) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
