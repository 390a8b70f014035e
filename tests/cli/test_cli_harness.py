"""The ``cli`` fixture runs the CLI in-process as ``python -m scalinglab`` would: the same exit codes and
streams as a real subprocess, the working folder honoured, and nothing swallowed (an unexpected exception
fails the test; a warning the real CLI prints is on stderr)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

HOFFMANN = {"law": "chinchilla", "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}}


def _fit_file(folder: Path) -> Path:
    path = folder / "FIT.json"
    path.write_text(json.dumps(HOFFMANN))
    return path


def test_in_process_and_subprocess_agree(tmp_path: Path, cli, cli_process) -> None:
    fit = _fit_file(tmp_path)
    for args in (("predict", "--fit", fit, "--params", "1e9", "--tokens", "2e10", "--json"),
                 ("predict", "--fit", tmp_path / "missing.json", "--params", "1e9", "--tokens", "2e10"),
                 ("predict", "--fit", fit, "--params", "1e9", "--tokens", "2e10", "--no-such-flag")):
        here, there = cli(*args), cli_process(*args)
        assert (here.returncode, here.stdout) == (there.returncode, there.stdout), args
        assert here.stderr == there.stderr, args  # the usage error too: "Usage: python -m scalinglab ..."
    assert "Usage: python -m scalinglab predict" in here.stderr and "--no-such-flag" in here.stderr
    assert cli("predict", "--fit", tmp_path / "missing.json", "--params", "1e9", "--tokens", "2e10").returncode == 2


def test_cwd_is_honoured_and_restored(tmp_path: Path, cli) -> None:
    import os

    before = os.getcwd()
    _fit_file(tmp_path)
    proc = cli("predict", "--fit", "FIT.json", "--params", "1e9", "--tokens", "2e10", "--json", cwd=tmp_path,
               check=True)
    assert json.loads(proc.stdout)["loss"] > 1.69 and os.getcwd() == before


def test_an_unexpected_exception_fails_the_test(tmp_path: Path, cli, monkeypatch) -> None:
    import scalinglab.fitting.loading as loading

    def broken(path):
        raise RuntimeError("a bug the CLI does not turn into an error line")

    monkeypatch.setattr(loading, "load_fit", broken)
    with pytest.raises(RuntimeError, match="a bug the CLI"):
        cli("predict", "--fit", _fit_file(tmp_path), "--params", "1e9", "--tokens", "2e10")


def test_a_warning_is_printed_on_stderr_as_the_real_cli_prints_it(tmp_path: Path, cli, monkeypatch) -> None:
    import scalinglab.fitting.loading as loading

    real = loading.load_fit

    def noisy(path):
        warnings.warn("something odd", RuntimeWarning, stacklevel=1)
        return real(path)

    monkeypatch.setattr(loading, "load_fit", noisy)
    proc = cli("predict", "--fit", _fit_file(tmp_path), "--params", "1e9", "--tokens", "2e10", check=True)
    assert "RuntimeWarning: something odd" in proc.stderr
