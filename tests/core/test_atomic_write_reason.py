"""Bug hunt: writing below a path that is a file (``export ... -o /dev/null/x.csv``) said "cannot write: File
exists" (mkdir's errno) instead of the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalinglab.errors import InputError
from scalinglab.serialize import write_bytes_atomic


def test_parent_that_is_a_file_names_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=r"is a file, not a folder") as info:
        write_bytes_atomic(blocker / "sub" / "x.csv", b"a\n")
    assert "File exists" not in str(info.value)
    assert blocker.read_text() == "x"


def test_export_below_a_file_is_one_clear_line(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = cli("export", "bundled:chinchilla", "-o", blocker / "x.csv")
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.strip() == f"error: {blocker / 'x.csv'}: cannot write here: {str(blocker)!r} is a file, " \
                                  "not a folder", proc.stderr
