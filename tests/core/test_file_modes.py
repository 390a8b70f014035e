"""Written files follow the user's umask (0644 under 022, 0600 under 077) and are still written atomically."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scalinglab.atomic import atomic_path, write_text_atomic
from scalinglab.errors import InputError

MODES = [(0o022, 0o644), (0o077, 0o600)]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli(umask: int, *args) -> subprocess.CompletedProcess[str]:
    """A real ``python -m scalinglab`` started under ``umask`` (the umask a fresh process inherits)."""
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *map(str, args)], capture_output=True, text=True,
                          umask=umask, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def umask():
    """Set the process umask for an in-process test, and restore it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def test_cli_outputs_are_0644_under_umask_022(tmp_path: Path, umask, cli) -> None:
    mask, want = MODES[0]
    umask(mask)  # in-process: the process umask is the CLI's
    fit = tmp_path / "FIT.json"
    cli("fit", "bundled:chinchilla", "--law", "compute", "--out", fit, check=True)
    report = tmp_path / "report.html"
    cli("report", "bundled:chinchilla", "--fit", fit, "--no-planners", "--out", report, check=True)
    hist = tmp_path / "history.csv"
    pd.DataFrame({"_step": [1, 2], "train/loss": [4.0, 3.5], "tokens": [1e6, 2e6]}).to_csv(hist, index=False)
    table = tmp_path / "curves.csv"
    cli("import-curves", hist, "--params", "1e8", "--out", table, check=True)
    for path in (fit, report, table):
        assert _mode(path) == want, (path.name, oct(_mode(path)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIT.json", "curves.csv", "history.csv", "report.html"]


def test_cli_output_is_0600_under_umask_077(tmp_path: Path) -> None:
    hist = tmp_path / "history.csv"
    pd.DataFrame({"_step": [1, 2], "train/loss": [4.0, 3.5], "tokens": [1e6, 2e6]}).to_csv(hist, index=False)
    _cli(0o077, "import-curves", hist, "--params", "1e8", "--out", tmp_path / "curves.csv")
    assert _mode(tmp_path / "curves.csv") == 0o600


@pytest.mark.parametrize(("mask", "want"), MODES)
def test_atomic_helper_and_sweep_writers_follow_the_umask(tmp_path: Path, umask, mask: int, want: int) -> None:
    from scalinglab.sweep.runner import _write_csv_atomic
    from scalinglab.sweep.shards import write_json_atomic

    umask(mask)
    write_text_atomic(tmp_path / "a.txt", "x")
    _write_csv_atomic(tmp_path / "runs.csv", [{"N": 1.0, "loss": 2.0}], ["N", "loss"])
    write_json_atomic(tmp_path / "meta.json", {"k": 1})
    for name in ("a.txt", "runs.csv", "meta.json"):
        assert _mode(tmp_path / name) == want, name
    assert pd.read_csv(tmp_path / "runs.csv")["loss"].tolist() == [2.0]


@pytest.mark.parametrize(("mask", "want"), MODES)
def test_checkpoints_follow_the_umask(tmp_path: Path, umask, mask: int, want: int) -> None:
    torch = pytest.importorskip("torch", reason="checkpoints are written by the training extra (torch)")
    from scalinglab.sweep.train import save_atomic

    umask(mask)
    path = tmp_path / "ckpt.pt"
    save_atomic({"step": 3, "w": torch.ones(2)}, path)
    assert _mode(path) == want
    assert torch.load(path, weights_only=True)["step"] == 3


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer crashed")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_onto_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_text_atomic(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []
