"""``microgrid walkthrough``: the printed numbers (parsed back) match plain float math to 1e-12."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest
from worked_by_hand import START, hand, train_by_hand

from microgrid.app.cli import main
from microgrid.app.walkthrough import walkthrough

TOL = 1e-12
NUMBER = r"(-?\d+\.\d+(?:e[-+]\d+)?)"


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["walkthrough", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def value_of(text: str, lhs: str, last: bool = False) -> float:
    """The number ending the (first or last) line that starts with ``lhs =`` after indentation."""
    pattern = rf"^\s*{re.escape(lhs)}\s+=.*?{NUMBER}\s*(?:target.*)?$"
    matches = re.findall(pattern, text, flags=re.MULTILINE)
    assert matches, f"no line for {lhs!r} in the output"
    return float(matches[-1] if last else matches[0])


@pytest.fixture(scope="module")
def precise():
    """The walkthrough printed with 15 decimals, so parsed numbers carry 1e-12 precision."""
    out: list[str] = []
    walkthrough(out.append, digits=15)
    return "\n".join(out)


def test_forward_pass_numbers(precise):
    ref = hand(START)
    for name in ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2"):
        assert value_of(precise, name) == pytest.approx(ref[name], abs=TOL), name
    for name in ("E_o1", "E_o2", "E_total"):
        assert value_of(precise, name) == pytest.approx(ref[name], abs=TOL), name


def test_dw5_as_three_factors_and_their_product(precise):
    ref = hand(START)
    o1 = ref["out_o1"]
    assert value_of(precise, "dE_total/dout_o1") == pytest.approx(-(0.01 - o1), abs=TOL)
    assert value_of(precise, "dout_o1/dnet_o1") == pytest.approx(o1 * (1 - o1), abs=TOL)
    assert value_of(precise, "dnet_o1/dw5") == pytest.approx(ref["out_h1"], abs=TOL)
    assert value_of(precise, "dE_total/dw5") == pytest.approx(ref["g_w5"], abs=TOL)
    line = next(ln for ln in precise.splitlines() if ln.strip().startswith("dE_total/dw5 = 0."))
    assert len(re.findall(NUMBER, line)) == 4  # three factors and the product


def test_dw1_via_both_outputs(precise):
    ref = hand(START)
    o1, o2, h1 = ref["out_o1"], ref["out_o2"], ref["out_h1"]
    from_o1 = -(0.01 - o1) * o1 * (1 - o1) * 0.40  # via w5
    from_o2 = -(0.99 - o2) * o2 * (1 - o2) * 0.50  # via w7
    lines = precise.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.strip().startswith("dE_o1/dout_h1"))
    assert float(re.findall(NUMBER, lines[k + 1])[-1]) == pytest.approx(from_o1, abs=TOL)
    k = next(i for i, ln in enumerate(lines) if ln.strip().startswith("dE_o2/dout_h1"))
    assert float(re.findall(NUMBER, lines[k + 1])[-1]) == pytest.approx(from_o2, abs=TOL)
    assert value_of(precise, "dE_total/dout_h1") == pytest.approx(from_o1 + from_o2, abs=TOL)
    assert value_of(precise, "dout_h1/dnet_h1") == pytest.approx(h1 * (1 - h1), abs=TOL)
    assert value_of(precise, "dE_total/dw1") == pytest.approx(ref["g_w1"], abs=TOL)
    assert "out_h1 feeds both outputs" in precise


def test_ten_gradients_update_and_error_after(precise):
    ref = hand(START)
    rows = {}
    for line in precise.splitlines():
        m = re.match(rf"^\s+(w\d|b\d)\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}", line)
        if m:
            rows[m.group(1)] = [float(x) for x in m.group(2, 3, 4)]
    assert sorted(rows) == sorted([*START, "b1", "b2"])
    for name, (value, grad, new) in rows.items():
        assert grad == pytest.approx(ref[f"g_{name}"], abs=TOL), name
        start = START.get(name, {"b1": 0.35, "b2": 0.60}.get(name))
        assert value == pytest.approx(start, abs=TOL)
        expected = start - 0.5 * ref[f"g_{name}"] if name in START else start  # weights only
        assert new == pytest.approx(expected, abs=TOL), name
    new_weights = {name: rows[name][2] for name in START}
    after = float(re.search(rf"E_total after one step: {NUMBER}", precise).group(1))
    assert after == pytest.approx(hand(new_weights)["E_total"], abs=TOL)
    assert "b1 is shared" in precise and "b2 is shared" in precise


def test_training_reports_error_and_outputs(capsys):
    status, out, err = run(capsys, "--steps", "50", "--digits", "15")
    assert status == 0
    e, o1, o2 = train_by_hand(50, biases=False)
    assert float(re.search(rf"E_total after 50 steps: {NUMBER}", out).group(1)) == pytest.approx(
        e, abs=TOL
    )
    assert value_of(out, "out_o1", last=True) == pytest.approx(o1, abs=TOL)
    assert value_of(out, "out_o2", last=True) == pytest.approx(o2, abs=TOL)
    assert "training" not in err  # the progress bar is quiet when stderr is not a terminal


def test_update_biases_changes_the_biases(capsys):
    status, out, _ = run(capsys, "--update-biases", "--digits", "15")
    assert status == 0
    ref = hand(START)
    b1_row = re.search(rf"^\s+b1\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}", out, flags=re.MULTILINE)
    assert float(b1_row.group(3)) == pytest.approx(0.35 - 0.5 * ref["g_b1"], abs=TOL)
    assert "(kept)" not in out


@pytest.mark.parametrize("flag,key", [((), "weights_only"), (("--update-biases",), "with_biases")])
def test_ten_thousand_steps_match_the_reference_file(capsys, flag, key, reference):
    ref = reference
    status, out, _ = run(capsys, "--steps", "10000", "--digits", "17", *flag)
    assert status == 0
    error = float(re.search(rf"E_total after 10000 steps: {NUMBER}", out).group(1))
    assert math.isclose(error, ref[f"E_after_10000_steps_{key}"], rel_tol=1e-12)
    o1, o2 = ref[f"outputs_after_10000_{key}"]
    assert value_of(out, "out_o1", last=True) == pytest.approx(o1, abs=TOL)
    assert value_of(out, "out_o2", last=True) == pytest.approx(o2, abs=TOL)


def test_default_output_reads_like_the_seed(capsys):
    status, out, _ = run(capsys)
    assert status == 0
    for heading in ("1. Forward pass", "2. Backward pass", "3. Backward pass", "4. All ten"):
        assert heading in out
    assert "E_total = E_o1 + E_o2" in out
    assert re.search(r"E_total\s+= E_o1 \+ E_o2\s+=\s+0\.298371109$", out, flags=re.MULTILINE)
    assert "dE_total/dw5 = 0.741365070 * 0.186815602 * 0.593269992 = 0.082167041" in out
    assert "5. Training" not in out


def test_chinese_walkthrough_has_the_seeds_terms_and_the_same_numbers(capsys):
    _, english, _ = run(capsys)
    status, chinese, _ = run(capsys, "--lang", "zh")
    assert status == 0
    for term in ("正向传播", "反向传播", "链式法则", "学习率", "总误差", "隐藏层"):
        assert term in chinese, term
    assert re.findall(NUMBER, english) == re.findall(NUMBER, chinese)


def test_out_writes_graphs_frames_and_stepper(capsys, tmp_path):
    target = tmp_path / "walk"
    status, out, _ = run(capsys, "--out", str(target))
    assert status == 0
    for stem in ("graph_forward", "graph_gradients"):
        assert (target / f"{stem}.svg").read_bytes().lstrip().startswith(b"<?xml")
        assert (target / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
    frames = sorted((target / "frames").glob("frame_*.svg"))
    assert len(frames) == 1 + 27 + 27 + 1  # leaves, 27 computed nodes forward, 27 back, done
    page = (target / "stepper.html").read_text(encoding="utf-8")
    data = page.split('<script id="frames-data" type="application/json">')[1].split("</script>")[0]
    assert [f["p"] for f in json.loads(data)["frames"]] == [0] * 28 + [1] * 28
    assert f"wrote {len(frames) + 5} files to {target}" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--steps", "-1"], "--steps must be 1 or more"),
        (["--steps", "0"], "--steps must be 1 or more"),
        (["--digits", "0"], "--digits must be from 1 to 17"),
        (["--lr", "0"], "--lr must be a positive finite number"),
        (["--lr", "nan"], "--lr must be a positive finite number"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys, args, message):
    status, out, err = run(capsys, *args)
    assert status == 2 and out == ""
    assert message in err


def test_out_that_is_a_file_is_refused(capsys, tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    status, _, err = run(capsys, "--out", str(path))
    assert status == 2 and "is a file" in err


def test_console_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "microgrid", "walkthrough", "--steps", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "E_total after 3 steps" in proc.stdout
