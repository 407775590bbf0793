"""Every CLI error is one line on stderr: exit 2 for bad usage, 1 for a failure, no traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from microgrid.app.cli import main

NEURON = ["tanh(x*w + b)", "--set", "x=0.5", "--set", "w=-1.2", "--set", "b=0.3"]


def one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_an_integer_literal_too_large_for_a_float(tmp_path: Path, capsys) -> None:
    text = "x*" + "1" * 400
    assert main(["render", text, "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 2
    one_line_error(capsys, "400 digits", "too large for a float", "column 3")


def test_a_309_digit_exponent_literal_is_checked_too(tmp_path: Path, capsys) -> None:
    text = "x**" + "9" * 309
    assert main(["render", text, "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 2
    one_line_error(capsys, "309 digits", "too large for a float")


def test_an_output_name_too_long_for_the_system(tmp_path: Path, capsys) -> None:
    out = tmp_path / ("n" * 300 + ".svg")
    assert main(["render", *NEURON, "-o", str(out)]) == 2
    one_line_error(capsys, "File name too long")
    assert main(["walkthrough", "--out", str(tmp_path / ("d" * 300))]) == 2
    one_line_error(capsys, "File name too long")


def test_an_output_path_under_a_file(tmp_path: Path, capsys) -> None:
    # What a read-only folder tested before, but root (as CI runs) can write anywhere;
    # nobody can create a file inside a regular file.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    assert main(["render", *NEURON, "-o", str(blocker / "g.svg")]) == 2
    one_line_error(capsys, "is a file, not a directory")
    assert main(["walkthrough", "--out", str(blocker / "pictures")]) == 2
    one_line_error(capsys, "is a file, not a directory")


SIZE_LIMITED = """
import resource, signal, sys
from microgrid.app.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.exit(main(sys.argv[2:]))
"""


def _size_limited(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with files limited to ``limit`` bytes (Graphviz's own temporary DOT fits)."""
    return subprocess.run(
        [sys.executable, "-c", SIZE_LIMITED, str(limit), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_write_failing_on_a_size_limit_exits_1_and_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "g.png"
    out.write_bytes(b"the previous picture")
    proc = _size_limited(8192, "render", *NEURON, "-o", str(out))  # the PNG is about 30 kB
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "File too large" in proc.stderr
    assert str(out) in proc.stderr
    assert out.read_bytes() == b"the previous picture"
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]


def test_walkthrough_pictures_failing_on_a_size_limit_exit_1_in_one_line(tmp_path: Path) -> None:
    # the first graph's SVG (70 kB) fits, its PNG (200 kB) does not
    proc = _size_limited(100_000, "walkthrough", "--out", str(tmp_path / "pics"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("microgrid walkthrough: error: cannot write ")
    assert proc.stderr.count("\n") == 1 and "File too large" in proc.stderr
    assert "graph_forward.png" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "pics").iterdir()) == ["frames", "graph_forward.svg"]


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["-x*2", "--set", "x=3"], "-6"),
        (["--set", "x=3", "-(x+1)", "--local-grads"], "-4"),
        (["--set", "x=3", "--name=y", "-x"], "-3"),
    ],
)
def test_an_expression_may_start_with_minus(tmp_path: Path, capsys, argv, value) -> None:
    out = tmp_path / "g.svg"
    assert main(["render", *argv, "-o", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(f"= {value}") and out.exists()


def test_double_dash_still_ends_the_options(tmp_path: Path, capsys) -> None:
    out = tmp_path / "g.svg"
    assert main(["render", "--set", "x=2", "-o", str(out), "--", "-x"]) == 0
    assert capsys.readouterr().out.startswith("out = -x = -2")


@pytest.mark.parametrize(
    "argv",
    [
        ["render"],
        ["render", "x", "--name"],
        ["render", "x", "--bogus", "-o", "g.svg"],
        ["bogus"],
        ["walkthrough", "--steps", "many"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    one_line_error(capsys, "error:", "--help")


def test_a_drawing_too_costly_to_lay_out_is_refused_at_once(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pygraphviz")
    text = "+".join(["x"] * 75)  # 149 characters, inside every documented limit
    start = time.perf_counter()
    assert main(["render", text, "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 2
    assert time.perf_counter() - start < 10.0
    err = one_line_error(capsys, "too costly to lay out", "(x) feeds 75 operations")
    assert "draw a shorter expression" in err and "budget=None" not in err  # CLI advice
    assert not list(tmp_path.iterdir())


def test_the_console_script_prints_no_traceback_for_a_missing_folder(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from microgrid.app.cli import main
        sys.exit(main(["walkthrough", "--out", {str(tmp_path / "a" / "b")!r}]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "does not exist" in proc.stderr
