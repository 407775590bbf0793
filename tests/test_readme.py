"""The README's Python examples run as written, and print what their comments promise."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 4


def trains(block: str) -> bool:
    """The training example (``fit(...)``): seconds of work, so it is in the slow tier."""
    return "fit(" in block


def run_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks: list[str]
) -> tuple[dict, str]:
    """Run blocks in one namespace (later blocks use earlier names, as a reader would)."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # our own README
    return namespace, out.getvalue()


def test_the_readme_examples_run_and_match_their_comments(tmp_path, monkeypatch):
    quick = [b for b in BLOCKS if not trains(b)]
    assert len(quick) >= 3  # (a block needing the training's names would fail here)
    ns, printed = run_blocks(tmp_path, monkeypatch, quick)
    y, w, x = ns["y"], ns["w"], ns["x"]
    # The comments state dy/dw = x (1 - y^2) and dy/dx = w (1 - y^2): check against that maths.
    assert w.grad == pytest.approx(x.data * (1 - y.data**2), rel=1e-12)
    assert x.grad == pytest.approx(w.data * (1 - y.data**2), rel=1e-12)
    assert f"{w.grad:.4f}" == "0.4576" and f"{x.grad:.4f}" == "-1.0982"
    assert "Value(label='y', data=-0.2913, grad=1.0000)" in printed
    assert "gradcheck passed" in printed
    assert (tmp_path / "graph.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert "detect_anomaly: * gave nan in the forward pass, from weight=nan, const=2.0" in printed


@pytest.mark.slow
def test_the_readme_training_example_learns(tmp_path, monkeypatch):
    assert any(trains(b) for b in BLOCKS)
    ns, _ = run_blocks(tmp_path, monkeypatch, BLOCKS)
    history = ns["history"]
    assert len(history.loss) == 20 and history.loss[-1] < history.loss[0]


def test_the_readme_grid_example_routes_gradients_as_its_comments_say(tmp_path, monkeypatch):
    ns, printed = run_blocks(tmp_path, monkeypatch, [b for b in BLOCKS if not trains(b)])
    # max pooling: 1 to the arg-max (the 5); average pooling: 1/4 to each of the 4 positions
    assert "[[0.25, 1.25], [0.25, 0.25]]" in printed
    # the shared top-left tap of the kernel touched img[0..1][0..1] = 0, 1, 3, 4
    assert ns["k"][0][0][0][0].grad == 0 + 1 + 3 + 4
    assert "Value(label='k[0,0,0,0]', data=1.0000, grad=8.0000)" in printed
    assert (tmp_path / "pooling.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert ns["biggest"].local_grads == (0.0, 1.0, 0.0, 0.0)
    assert ns["mean"].local_grads == (0.25,) * 4
