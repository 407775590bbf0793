"""``microgrid walkthrough``: the seed's worked example, backpropagated step by step, in text.

Prints the forward pass, dE_total/dw5 and dE_total/dw1 by the chain rule, all ten gradients
and one update (see ``microgrid.app.walkthrough``); ``--steps N`` trains on with a progress bar,
``--lang zh`` speaks Chinese, and ``--out DIR`` also writes the graphs, the stepper frames and
``stepper.html`` (drawing needs ``viz``, imported only then, so the text alone stays fast).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from microgrid.app.walkthrough import walkthrough
from microgrid.words import LANGUAGES

PROG = "microgrid walkthrough"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "walkthrough",
        help="backpropagation on the seed's worked example, every number from the engine",
        description=(
            "Build the seed's 2-2-2 sigmoid network (i1, i2, w1..w8, b1, b2) with the autograd "
            "engine and walk through it: the forward pass, dE_total/dw5 and dE_total/dw1 by the "
            "chain rule, all ten gradients, and one gradient-descent step (learning rate 0.5)."
        ),
        epilog="examples: microgrid walkthrough --steps 10000 | microgrid walkthrough --lang zh "
        "| microgrid walkthrough --out walkthrough/",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=1,
        metavar="N",
        help="gradient-descent steps in total (default 1: the step shown in part 4); "
        "more trains on with a progress bar and reports the final error and outputs",
    )
    parser.add_argument(
        "--update-biases",
        action="store_true",
        help="update b1 and b2 too (the seed updates the weights only)",
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="en (default) or zh (中文)")
    parser.add_argument(
        "--digits",
        type=int,
        default=9,
        metavar="D",
        help="decimals printed for every number (default 9, at most 17)",
    )
    parser.add_argument(
        "--lr", type=float, default=0.5, metavar="ETA", help="learning rate (default 0.5)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="also write the graphs (SVG and PNG), one frame per step, and stepper.html here",
    )
    parser.set_defaults(func=run)


def _progress(iterable):
    """A tqdm bar on stderr; silent when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(iterable, file=sys.stderr, disable=None, desc="training", unit="step")


def _check(args: argparse.Namespace) -> str | None:
    """The problem with the arguments, or None."""
    if args.steps < 1:
        return f"--steps must be 1 or more (the step shown in part 4 is step 1), got {args.steps}"
    if not 1 <= args.digits <= 17:
        return f"--digits must be from 1 to 17, got {args.digits}"
    if not (args.lr > 0 and args.lr < float("inf")):
        return f"--lr must be a positive finite number, got {args.lr}"
    if args.out is not None:
        out = Path(args.out)
        try:
            if out.exists() and not out.is_dir():
                return f"--out {args.out!r} is a file; give a directory (it is created if missing)"
            if not out.exists() and not out.parent.resolve().is_dir():
                return f"--out {args.out!r}: the directory {str(out.parent)!r} does not exist"
        except OSError as exc:  # a name too long for the system, a loop of links, ...
            return f"--out {args.out!r}: {exc.strerror or exc}"
    return None


def run(args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    if args.out is not None:
        # Draw first, from a fresh network: the pictures show the seed's starting point.
        from microgrid.app.pictures import write_walkthrough_pictures
        from viz.render import RenderError

        try:
            written = write_walkthrough_pictures(args.out, lang=args.lang)
        except (OSError, RenderError) as exc:  # a full disk, a size limit, a folder not made
            if isinstance(exc, OSError) and exc.filename is not None:
                reason = f"cannot write {exc.filename!r}: {exc.strerror}"
            else:  # viz's errors (OutputPathError too) already say what and where
                reason = str(exc)
            print(f"{PROG}: error: {reason}", file=sys.stderr)
            return 1
    walkthrough(
        print,
        lang=args.lang,
        digits=args.digits,
        steps=args.steps,
        update_biases=args.update_biases,
        lr=args.lr,
        progress=_progress,
    )
    if args.out is not None:
        print("")
        print(f"wrote {len(written)} files to {args.out}:")
        frames = [path for path in written if Path(path).parent.name == "frames"]
        for path in written:
            if path not in frames:
                print(f"  {path}")
        if frames:
            print(f"  {frames[0]} ... {Path(frames[-1]).name} ({len(frames)} stepper frames)")
    return 0
