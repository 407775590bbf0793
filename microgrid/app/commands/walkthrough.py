"""``microgrid walkthrough [NAME]``: a derivation of the seeds, step by step, every number computed.

``backprop`` (the default) is the seed's worked example (see ``microgrid.app.walkthrough``):
the forward pass, dE_total/dw5 and dE_total/dw1 by the chain rule, all ten gradients and one
update; ``--steps N`` trains on with a progress bar and ``--blog`` reproduces the blog's
figures. ``--list`` names the other walkthroughs (``microgrid.app.walkthroughs``). Each takes
``--lang zh`` and ``--out DIR`` (its graphs and a stepper page; drawing needs ``viz``,
imported only then, so the text alone stays fast).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from microgrid.app.walkthroughs import DEFAULT, WALKTHROUGHS, get
from microgrid.app.walkthroughs.printing import LANGUAGES, display_width

PROG = "microgrid walkthrough"

#: Options only the worked example has, with their defaults there.
BACKPROP_ONLY = {"steps": 1, "update_biases": False, "lr": 0.5, "blog": False}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "walkthrough",
        help="the seeds' derivations step by step (default: backprop), every number computed",
        description=(
            "Walk through one of the seeds' derivations with the autograd engine: symbols "
            "first, then the numbers, each computed by the engine. The default, backprop, is "
            "the seed's 2-2-2 sigmoid network (i1, i2, w1..w8, b1, b2): the forward pass, "
            "dE_total/dw5 and dE_total/dw1 by the chain rule, all ten gradients, and one "
            "gradient-descent step (learning rate 0.5). --list names the others."
        ),
        epilog="examples: microgrid walkthrough --steps 10000 | microgrid walkthrough --lang zh "
        "| microgrid walkthrough softmax-ce --out softmax/ | microgrid walkthrough --list",
    )
    parser.add_argument(
        "name",
        nargs="?",
        default=DEFAULT,
        choices=list(WALKTHROUGHS),
        metavar="NAME",
        help=f"which walkthrough (default {DEFAULT}): {', '.join(WALKTHROUGHS)}",
    )
    parser.add_argument(
        "--list", action="store_true", help="name every walkthrough and what it shows, then stop"
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="en (default) or zh (中文)")
    parser.add_argument(
        "--digits",
        type=int,
        default=None,
        metavar="D",
        help="decimals printed for every number (default 9 for backprop, 6 for the others; "
        "at most 17)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="also write the graphs (SVG and PNG) and a stepper page (HTML) here",
    )
    backprop = parser.add_argument_group("backprop only")
    backprop.add_argument(
        "--steps",
        type=int,
        default=None,
        metavar="N",
        help="gradient-descent steps in total (default 1: the step shown in part 4); "
        "more trains on with a progress bar and reports the final error and outputs",
    )
    backprop.add_argument(
        "--update-biases",
        action="store_true",
        default=None,
        help="update b1 and b2 too (the seed updates the weights only)",
    )
    backprop.add_argument(
        "--lr", type=float, default=None, metavar="ETA", help="learning rate (default 0.5)"
    )
    backprop.add_argument(
        "--blog",
        action="store_true",
        default=None,
        help="the blog's variant: hidden-layer gradients computed with the already updated "
        "w5..w8 (reproduces its 0.291027924 after one step)",
    )
    parser.set_defaults(func=run)


def _progress(iterable):
    """A tqdm bar on stderr; silent when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(iterable, file=sys.stderr, disable=None, desc="training", unit="step")


def _check(args: argparse.Namespace) -> str | None:
    """The problem with the arguments, or None; fills in the backprop defaults."""
    given = [f"--{k.replace('_', '-')}" for k in BACKPROP_ONLY if getattr(args, k) is not None]
    if args.name != "backprop" and given:
        verb = "applies" if len(given) == 1 else "apply"
        return f"{' and '.join(given)} {verb} only to the backprop walkthrough, not {args.name!r}"
    for key, default in BACKPROP_ONLY.items():
        if getattr(args, key) is None:
            setattr(args, key, default)
    if args.digits is None:
        args.digits = 9 if args.name == "backprop" else 6
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
            if not out.exists():
                parent = out.parent
                if parent.exists() and not parent.is_dir():
                    return f"--out {args.out!r}: {str(parent)!r} is a file, not a directory"
                if not parent.resolve().is_dir():
                    return f"--out {args.out!r}: the directory {str(parent)!r} does not exist"
        except OSError as exc:  # a name too long for the system, a loop of links, ...
            return f"--out {args.out!r}: {exc.strerror or exc}"
    return None


def _list(lang: str) -> None:
    """Every walkthrough: its name, its seed, what it shows."""
    width = max(len(name) for name in WALKTHROUGHS)
    seed_width = max(display_width(e.seed) for e in WALKTHROUGHS.values())
    for e in WALKTHROUGHS.values():
        summary = e.summary_zh if lang == "zh" else e.summary
        default = ("  (默认)" if lang == "zh" else "  (default)") if e.name == DEFAULT else ""
        print(f"  {e.name:<{width}}  {e.seed:<{seed_width}}  {summary}{default}")


def _pictures(args: argparse.Namespace) -> list[str]:
    if args.name == "backprop":
        # Drawn from a fresh network: the pictures show the seed's starting point.
        from microgrid.app.pictures import write_walkthrough_pictures

        return write_walkthrough_pictures(args.out, lang=args.lang)
    return get(args.name).load().write_pictures(args.out, lang=args.lang)


def _text(args: argparse.Namespace) -> None:
    if args.name == "backprop":
        from microgrid.app.walkthrough import walkthrough

        walkthrough(
            print,
            lang=args.lang,
            digits=args.digits,
            steps=args.steps,
            update_biases=args.update_biases,
            lr=args.lr,
            blog=args.blog,
            progress=_progress,
        )
    else:
        get(args.name).load().walkthrough(print, lang=args.lang, digits=args.digits)


def _report(written: list[str], out: str) -> None:
    print("")
    print(f"wrote {len(written)} files to {out}:")
    frames = [path for path in written if Path(path).parent.name == "frames"]
    for path in written:
        if path not in frames:
            print(f"  {path}")
    if frames:
        print(f"  {frames[0]} ... {Path(frames[-1]).name} ({len(frames)} stepper frames)")


def run(args: argparse.Namespace) -> int:
    if args.list:
        _list(args.lang)
        return 0
    problem = _check(args)
    if problem:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    written: list[str] = []
    if args.out is not None:
        from viz.render import RenderError

        try:
            written = _pictures(args)
        except (OSError, RenderError) as exc:  # a full disk, a size limit, a folder not made
            if isinstance(exc, OSError) and exc.filename is not None:
                reason = f"cannot write {exc.filename!r}: {exc.strerror}"
            else:  # viz's errors (OutputPathError too) already say what and where
                reason = str(exc)
            print(f"{PROG}: error: {reason}", file=sys.stderr)
            return 1
    _text(args)
    if args.out is not None:
        _report(written, args.out)
    return 0
