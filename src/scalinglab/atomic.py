"""Atomic file writes: a temporary file beside the target, fsync, ``os.replace``, fsync of the folder.

Readers never see half a file, and a crash leaves either the old file or the new one. The temporary
file is created with mode 0666 and ``O_EXCL``, so the kernel applies the user's umask (0644 under
umask 022) and the final file has the mode any ``open(path, "w")`` would give it; ``mkstemp``'s 0600
would hide reports and fits from colleagues and web servers. Imports only the standard library and
``errors`` (the sweep layer uses it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from scalinglab.errors import InputError


def check_writable(path: str | Path) -> Path:
    """Fail early (before any compute) unless a file can be written at ``path``; returns the Path.

    Refused: a directory, a read-only file (its mode has no write bit: we do not overwrite what the
    user protected, even as root), a parent that is a file, and a folder we may not write into.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory; give a file name to write", file=str(path))
    if path.exists() and not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise InputError("is read-only; not overwriting it", file=str(path))
    parent = _existing_ancestor(path.parent)
    if not parent.is_dir():
        raise InputError(f"cannot write here: {str(parent)!r} is a file, not a folder", file=str(path))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write here: no permission to write into {str(parent)!r}", file=str(path))
    return path


def _existing_ancestor(folder: Path) -> Path:
    """The nearest existing folder (or file) at or above ``folder`` (missing folders get created)."""
    folder = folder if str(folder) else Path(".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot open or fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _new_temp(path: Path) -> Path:
    """Create an empty, unique temporary file beside ``path`` with mode 0666 & ~umask."""
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write (by any writer: torch.save, tokenizer.save, a memmap);
    on success it is fsynced and moved onto ``path``, on error removed. OSErrors become InputError."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_temp(path)
    except OSError as exc:
        check_writable(path)  # the reason ("'/dev/null' is a file, not a folder"), not mkdir's "File exists"
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Atomic write of UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))
