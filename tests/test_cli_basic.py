"""The ``microgrid`` command answers --help and --version, as a console script and via -m."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import microgrid


def _console_script() -> Path:
    """The ``microgrid`` script installed next to this interpreter (the venv's bin dir)."""
    bindir = Path(sys.executable).parent
    for name in ("microgrid", "microgrid.exe"):
        if (bindir / name).exists():
            return bindir / name
    pytest.skip(f"no microgrid console script in {bindir}: install the package (pip install -e .)")


def _run(way: str, *args: str) -> subprocess.CompletedProcess:
    """Run the CLI as the installed console script (``way="script"``) or ``python -m``."""
    if way == "script":
        command = [str(_console_script())]
    else:
        command = [sys.executable, "-m", "microgrid"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("way", ["script", "module"])
def test_version_prints_the_package_version(way) -> None:
    result = _run(way, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"microgrid {microgrid.__version__}"


@pytest.mark.parametrize("way", ["script", "module"])
def test_help_describes_the_tool(way) -> None:
    result = _run(way, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: microgrid")
    assert "backpropagation" in result.stdout
    assert "--version" in result.stdout


def test_an_unknown_option_is_bad_usage() -> None:
    result = _run("module", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr


def test_importing_the_engine_loads_neither_numpy_nor_viz_but_the_layers_are_one_step_away():
    """nn/optim/data load on first use, so the engine and `microgrid --help` start fast; the
    engine never imports the drawing package (viz -> microgrid, never back)."""
    code = (
        "import sys, microgrid; from microgrid import Value, explain, gradcheck; "
        "y = (Value(2.0) * 3).tanh(); y.backward(); explain(y, y.children[0].children[0]); "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'viz', "
        "'graphviz', 'pygraphviz')); assert not loaded, loaded; "
        "from microgrid import nn, fit; assert nn.MLP and fit; assert 'numpy' in sys.modules; "
        "assert 'viz' not in sys.modules, 'viz loaded by nn/fit'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
