"""Saving and loading models: atomic writes, finite weights only, and files checked on load."""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from microgrid import nn


def weights(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


def saved_mlp(path: Path, seed: int = 0) -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=seed)
    model.save(path)
    return model


# ------------------------------------------------------------------------------ save


def test_save_refuses_non_finite_weights_by_name_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    good = saved_mlp(path)
    before = path.read_bytes()
    params = dict(good.named_parameters())
    params["layer0.neuron1.w0"].data = math.nan
    params["layer1.neuron0.b"].data = -math.inf
    with pytest.raises(ValueError) as info:
        good.save(path)
    text = str(info.value)
    assert "layer0.neuron1.w0=nan" in text and "layer1.neuron0.b=-inf" in text
    assert "nothing was written" in text
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="not finite"):
        good.save(tmp_path / "new.json")
    assert not (tmp_path / "new.json").exists()


def test_a_full_disk_during_save_leaves_the_old_file_whole(tmp_path: Path, disk_full) -> None:
    path = tmp_path / "model.json"
    saved_mlp(path, seed=0)
    before = path.read_bytes()
    disk_full(100)
    with pytest.raises(OSError, match="No space left") as info:
        nn.MLP(2, [3, 1], seed=1).save(path)
    assert "\n" not in str(info.value) and "model.json" in str(info.value)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temporary left


def test_save_under_a_file_size_limit_keeps_the_old_file(tmp_path: Path) -> None:
    # A real limit, set by the kernel (RLIMIT_FSIZE), in a child process: the write fails
    # part-way with EFBIG, and the good file must survive.
    path = tmp_path / "model.json"
    saved_mlp(path, seed=0)
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import resource, signal
        from microgrid import nn
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        big = nn.MLP(2, [64, 64, 1], seed=1)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({len(before) + 50}, {len(before) + 50}))
        try:
            big.save({str(path)!r})
        except OSError as exc:
            print("refused:", exc)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("refused: cannot write") and "too large" in proc.stdout
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    saved_mlp(path)
    os.chmod(path, 0o640)
    saved_mlp(path, seed=3)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert nn.MLP(2, [3, 1], seed=3).state_dict() == json.loads(path.read_text())["parameters"]


def test_save_into_a_missing_folder_says_so_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        nn.MLP(2, [1]).save(tmp_path / "nope" / "m.json")
    assert str(info.value) == f"cannot write {str(tmp_path / 'nope' / 'm.json')!r}: " + (
        "No such file or directory"
    )


# ------------------------------------------------------------------------------ load


def _refused(model: nn.Module, path: Path, *needles: str) -> None:
    before = weights(model)
    with pytest.raises(ValueError) as info:
        model.load(path)
    text = str(info.value)
    assert str(path) in text and "\n" not in text
    for needle in needles:
        assert needle in text
    assert weights(model) == before


def test_load_refuses_a_file_saved_from_another_kind_of_module(tmp_path: Path) -> None:
    path = tmp_path / "seq.json"
    seq = nn.Sequential(nn.Dense(2, 3), nn.Dense(3, 1))
    seq.save(path)
    mlp = nn.MLP(2, [3, 1], seed=5)
    assert set(seq.state_dict()) == set(mlp.state_dict())  # the names alone would fit
    _refused(mlp, path, "'Sequential'", "'MLP'")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_load_refuses_an_unknown_format_version(tmp_path: Path, version: object) -> None:
    path = tmp_path / "m.json"
    saved_mlp(path, seed=1)
    doc = json.loads(path.read_text())
    doc["version"] = version
    path.write_text(json.dumps(doc))
    _refused(nn.MLP(2, [3, 1], seed=2), path, f"version {version!r}")


def test_load_refuses_a_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model = nn.MLP(2, [1], seed=0)
    names = list(model.state_dict())
    body = ", ".join(f'"{n}": 0.5' for n in names)
    path.write_text("{" + body + f', "{names[0]}": 9.0' + "}")
    _refused(model, path, f"{names[0]!r} appears twice")


def test_load_refuses_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    _refused(nn.MLP(2, [1], seed=0), path, "not a text file", "byte 0")


def test_load_refuses_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    _refused(nn.MLP(2, [1], seed=0), path, "nests too deeply")


def test_load_names_the_file_when_the_parameters_do_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    saved_mlp(path)
    _refused(nn.MLP(2, [4, 1], seed=0), path, "missing: layer0.neuron3.w0")


def test_a_saved_model_loads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    a = saved_mlp(path, seed=7)
    b = nn.MLP(2, [3, 1], seed=8)
    b.load(path)
    assert weights(b) == weights(a)
