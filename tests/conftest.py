"""Shared fixtures: the repo's CLI, and the public validation data kept in tests/data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def test_data() -> Path:
    """``tests/data``: the public validation files the tests use, laid out as ``../shared/data`` is."""
    return TEST_DATA


def run_cli(*args: str, check: bool = False, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scalinglab ARGS`` in a real subprocess and capture its output."""
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"scalinglab {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def cli():
    """The CLI as a function: ``cli("fit", path, "--json")`` → CompletedProcess."""
    return run_cli
