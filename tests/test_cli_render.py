"""``microgrid render``: good paths write real pictures; bad input exits 2 with a clear message."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from microgrid.app.cli import main

NEURON = ["tanh(x*w + b)", "--set", "x=0.5", "--set", "w=-1.2", "--set", "b=0.3"]
SVG_TEXT = "{http://www.w3.org/2000/svg}text"
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "dot": b"digraph"}


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "dot"])
def test_render_writes_each_format_and_prints_a_summary(tmp_path, capsys, fmt):
    out = tmp_path / f"graph.{fmt}"
    assert main(["render", *NEURON, "--local-grads", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(MAGIC[fmt])
    printed = capsys.readouterr().out
    y = math.tanh(0.5 * -1.2 + 0.3)
    assert f"{y:.6g}" in printed
    for name, grad in [("x", -1.2 * (1 - y * y)), ("w", 0.5 * (1 - y * y)), ("b", 1 - y * y)]:
        assert f"dout/d{name} = {grad:.6g}" in printed
    assert f"wrote {out}" in printed


def test_svg_shows_the_variables_and_local_grads(tmp_path):
    out = tmp_path / "g.svg"
    assert main(["render", *NEURON, "--local-grads", "--name", "neuron", "-o", str(out)]) == 0
    root = ET.fromstring(out.read_bytes())
    texts = {"".join(t.itertext()).strip("\u00a0 ") for t in root.iter(SVG_TEXT)}
    for text in ("x", "w", "b", "neuron", "tanh", "-1.2000", "0.5000"):
        assert text in texts
    y = math.tanh(-0.3)
    assert f"{1 - y * y:.4f}" in texts  # d tanh / d n on the edge


def test_no_grads_and_rankdir(tmp_path):
    out = tmp_path / "g.dot"
    assert main(["render", *NEURON, "--no-grads", "--rankdir", "TB", "-o", str(out)]) == 0
    dot = out.read_text(encoding="utf-8")
    assert "rankdir=TB" in dot and ">grad<" not in dot


@pytest.mark.parametrize(
    "argv, message",
    [
        (["x.real", "--set", "x=1"], "attribute access"),
        (["__import__('os')"], "unknown function __import__"),
        (["lambda: 1"], "lambda"),
        (["[a for a in b]"], "comprehension"),
        (["x ** 10000", "--set", "x=2"], "exponent 10000"),
        (["x*y", "--set", "x=1"], "no value for y"),
        (["x", "--set", "x=abc"], "'abc' is not a number"),
        (["x", "--set", "x=nan"], "finite"),
        (["x", "--set", "x"], "write NAME=VALUE"),
        (["x", "--set", "x=1", "--set", "x=2"], "--set x is given twice"),
        (["x", "--set", "x=1", "--set", "y=2"], "y does not appear in the expression"),
        (["x", "--set", "tanh=1"], "function name"),
        (["*".join(["(" + "+".join(["x"] * 150) + ")"] * 4), "--set", "x=1"], "600 nodes"),
        (
            ["x*y + x", "--set", "x=1", "--set", "y=2", "--max-nodes", "3"],
            "4 nodes to draw, more than max_nodes=3",
        ),
        (["x" + "+x" * 300, "--set", "x=1"], "nested more than 200 levels"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, argv, message):
    out = tmp_path / "g.svg"
    assert main(["render", *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("microgrid render: error:")
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "output, message",
    [
        ("graph.jpg", "use .svg, .png, .pdf or .dot"),
        ("graph", "has no suffix"),
        ("missing/dir/graph.svg", "does not exist"),
        (".", "is a directory"),
    ],
)
def test_bad_output_paths_exit_2(tmp_path, capsys, output, message):
    assert main(["render", *NEURON, "-o", str(tmp_path / output)]) == 2
    assert message in capsys.readouterr().err


def test_unwritable_output_exits_2_even_as_root(tmp_path, capsys):
    # A read-only folder stops nobody when tests run as root (CI does); a path under a
    # regular file cannot be created by anyone.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    assert main(["render", *NEURON, "-o", str(blocker / "g.svg")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


def test_format_flag_must_agree_with_the_suffix(tmp_path, capsys):
    assert main(["render", *NEURON, "--format", "png", "-o", str(tmp_path / "g.svg")]) == 2
    assert "--format is png" in capsys.readouterr().err
    assert main(["render", *NEURON, "--format", "png", "-o", str(tmp_path / "g")]) == 0
    assert (tmp_path / "g").read_bytes().startswith(MAGIC["png"])


@pytest.mark.parametrize(
    "expression, message",
    [("log(x)", "log"), ("1 / x", "division by zero"), ("exp(x * 1000)", "overflows")],
)
def test_undefined_maths_exits_1_with_the_engines_message(tmp_path, capsys, expression, message):
    assert (
        main(
            [
                "render",
                expression,
                "--set",
                "x=-1" if "log" in expression else "x=0" if "/" in expression else "x=1",
                "-o",
                str(tmp_path / "g.svg"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "cannot compute the expression" in err and message in err


def test_console_script_runs_in_a_subprocess(tmp_path):
    out = tmp_path / "graph.svg"
    proc = subprocess.run(
        [sys.executable, "-m", "microgrid", "render", *NEURON, "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"<?xml")
    bad = subprocess.run(
        [sys.executable, "-m", "microgrid", "render", "exec('1')", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "unknown function exec" in bad.stderr


def test_help_lists_the_functions(capsys):
    with pytest.raises(SystemExit) as info:
        main(["render", "--help"])
    assert info.value.code == 0
    assert "leaky_relu" in capsys.readouterr().out


def test_no_grads_prints_values_only_and_refuses_local_grads(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["render", "x*2", "--set", "x=3", "--no-grads", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "gradients" not in printed and "dout/dx" not in printed
    assert "x =          3" in printed
    code = main(["render", "x*2", "--set", "x=3", "--no-grads", "--local-grads", "-o", str(out)])
    assert code == 2
    assert "contradict" in capsys.readouterr().err


def test_a_bare_variable_and_one_node(tmp_path, capsys):
    assert main(["render", "x", "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 0
    printed = capsys.readouterr().out
    assert "x = x" not in printed and "(SVG, 1 node)" in printed
