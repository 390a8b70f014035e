"""More edge inputs: each is one line on stderr naming the flag or the file, exit 2, no warning text."""

from __future__ import annotations

import pytest


def _only_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Warning" not in proc.stderr, proc.stderr
    return lines[0]


def test_unreachably_high_target_is_an_error_without_numpy_warnings(cli):
    line = _only_error(cli("plan", "inference", "--inference-tokens", "1e12", "--preset", "epoch2024",
                           "--target-loss", "1e308"))
    assert line == "error: could not bracket the optimum for target loss 1e+308 (extreme inputs)"


@pytest.mark.parametrize("value", ["0", "-1"])
def test_min_models_below_one_names_the_flag(cli, value):
    line = _only_error(cli("skills", "fit", "bundled:sloth_scores", "--min-models", value))
    assert line == f"error: --min-models must be a whole number of at least 1, got {value}"


def test_too_few_problems_names_the_file_and_model(cli, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("model,N,problem,n,c\nA,1e9,1,10,3\n")
    line = _only_error(cli("test-time", "fit", str(path)))
    assert line == f"error: {path}: model 'A': law 'brown' needs at least 3 problems, got 1"
