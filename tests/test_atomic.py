"""Atomic writes: ``write_atomic`` and every writer that uses it keep the old file on failure."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from microgrid import Value, atomic
from microgrid.atomic import WriteError, write_atomic


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_atomic_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old contents that are longer")
    assert write_atomic(path, "new") == str(path)
    assert path.read_text() == "new"
    write_atomic(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert _only(tmp_path) == ["a.txt"]


def test_write_atomic_refuses_what_is_not_text_or_bytes(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="str or bytes, got int"):
        write_atomic(tmp_path / "a.bin", 5)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_write_atomic_failure_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, disk_full
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"good")
    disk_full(3)
    with pytest.raises(WriteError) as info:
        write_atomic(path, b"x" * 10_000)
    assert str(info.value) == f"cannot write {str(path)!r}: No space left on device"
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert path.read_bytes() == b"good" and _only(tmp_path) == ["a.bin"]


def test_write_atomic_interrupted_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"good")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new contents")
    assert path.read_bytes() == b"good" and _only(tmp_path) == ["a.bin"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d / "missing" / "x.txt", "No such file or directory"),
        (lambda d: d, "is a folder"),
        (lambda d: d / ("n" * 300 + ".svg"), "File name too long"),
    ],
)
def test_write_atomic_reports_bad_paths_in_one_line(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(WriteError, match=reason) as info:
        write_atomic(path, "x")
    assert "\n" not in str(info.value) and str(info.value).startswith("cannot write ")
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_write_atomic_under_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("I am a file")
    with pytest.raises(WriteError, match="Not a directory"):
        write_atomic(blocker / "out.txt", "x")


# ------------------------------------------------------------------------------ the writers


def test_drawing_render_keeps_the_old_picture_when_writing_fails(tmp_path: Path, disk_full) -> None:
    viz = pytest.importorskip("viz")
    x = Value(0.5, label="x")
    drawing = viz.draw((x * x).tanh())
    path = tmp_path / "g.png"
    drawing.render(path)
    good = path.read_bytes()
    assert good.startswith(b"\x89PNG")
    disk_full(8192)
    with pytest.raises(viz.OutputPathError, match="No space left"):
        viz.draw((x + 1).exp()).render(path)
    assert path.read_bytes() == good and _only(tmp_path) == ["g.png"]


def test_stepper_keeps_the_old_page_when_writing_fails(tmp_path: Path, disk_full) -> None:
    pytest.importorskip("viz")
    from viz.stepper import stepper_for

    x = Value(0.5, label="x")
    path = tmp_path / "s.html"
    stepper_for(x * 2.0, path)
    good = path.read_bytes()
    disk_full(1000)
    with pytest.raises(OSError, match="No space left"):
        stepper_for((x * 3.0).tanh(), path)
    assert path.read_bytes() == good and _only(tmp_path) == ["s.html"]


def test_walkthrough_pictures_never_leave_a_cut_file(tmp_path: Path, disk_full) -> None:
    pytest.importorskip("viz")
    from microgrid.app.pictures import write_walkthrough_pictures

    disk_full(400_000)  # room for the first two pictures
    with pytest.raises(OSError, match="No space left"):
        write_walkthrough_pictures(tmp_path)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files, "the first pictures fit in the room given"
    assert not any(".tmp" in p.name for p in files)
    for p in files:  # every file that exists is complete
        data = p.read_bytes()
        if p.suffix == ".svg":
            assert data.rstrip().endswith(b"</svg>"), p
        elif p.suffix == ".png":
            assert data.endswith(b"IEND\xaeB`\x82"), p
