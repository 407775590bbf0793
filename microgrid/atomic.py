"""Write a file atomically: the old file stays whole until the new one is complete on disk.

``write_atomic(path, data)`` writes to a temporary file in the same folder, flushes it to disk
(fsync), then renames it over ``path`` with ``os.replace`` (atomic on POSIX and Windows). A
full disk, a file-size limit, an error or a kill part-way leaves ``path`` as it was (or absent)
and removes the temporary file, so a reader never finds half a model file or a PNG cut short.
"""

from __future__ import annotations

import errno
import os
import re
import secrets

__all__ = ["WriteError", "write_atomic"]


class WriteError(OSError):
    """A file could not be written; the message is one line naming the path and the reason."""

    def __str__(self) -> str:
        return str(self.strerror)  # without OSError's "[Errno 28] " prefix


def write_atomic(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8") -> str:
    """Write ``data`` (bytes, or str encoded with ``encoding``) to ``path``; return the path.

    Text with a lone surrogate is written with U+FFFD in its place (see ``_encode``).
    The new file gets the mode of the file it replaces (or the usual mode for a new file, as
    ``open`` would give it). Raises ``WriteError`` (an ``OSError``, with the original errno) on
    failure, with ``path`` unchanged.
    """
    path_str = os.fspath(path)
    if isinstance(data, str):
        payload = _encode(data, encoding)
    elif isinstance(data, bytes | bytearray | memoryview):
        payload = bytes(data)
    else:  # bytes(5) would silently write five zero bytes
        raise TypeError(f"write_atomic writes str or bytes, got {type(data).__name__}")
    target = os.path.realpath(path_str)  # write through a symlink, as open() would
    folder, name = os.path.split(target)
    if not name:
        raise WriteError(errno.EISDIR, f"cannot write {path_str!r}: it names a folder")
    if os.path.isdir(target):
        raise WriteError(errno.EISDIR, f"cannot write {path_str!r}: it is a folder")
    # a short temporary name, so a long (but valid) target name does not make it too long
    temp = os.path.join(folder, f".{name[:40]}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _error(exc, path_str) from None
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            try:
                os.chmod(temp, os.stat(target).st_mode & 0o7777)
            except FileNotFoundError:
                pass  # a new file: keep the mode open() gave the temporary file
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException as exc:  # KeyboardInterrupt too: never leave the temporary file
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _error(exc, path_str) from None
        raise
    _sync_folder(folder)
    return path_str


def _encode(text: str, encoding: str) -> bytes:
    """``text`` encoded; a lone surrogate (which no encoding can write) becomes U+FFFD.

    Python strings may hold lone surrogates (from a filename, or ``"\\ud800"``): the drawings
    show them as U+FFFD, and so does every file written here, instead of failing to encode.
    """
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text).encode(encoding)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _error(exc: OSError, path: str) -> WriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return WriteError(exc.errno or 0, f"cannot write {path!r}: {reason}")


def _sync_folder(folder: str) -> None:
    """Flush the rename itself to disk where the platform allows it (best effort)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
