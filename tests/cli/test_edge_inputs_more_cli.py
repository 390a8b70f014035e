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


def test_astronomical_budget_prints_epochs_in_scientific_notation(cli):
    """C = 1e308 once printed a 147-digit epoch count; the plan itself is unchanged (--json)."""
    import json
    import re

    args = ("plan", "data-constrained", "--compute", "1e308", "--unique-tokens", "1e12")
    out = cli(*args, check=True).stdout
    assert not re.search(r"\d{12}", out), out
    assert re.search(r"= \d\.\d\de\+146 epochs", out), out
    assert json.loads(cli(*args, "--json", check=True).stdout)["epochs"] > 1e146
    small = cli("plan", "data-constrained", "--compute", "1e23", "--unique-tokens", "1e11", check=True).stdout
    assert re.search(r"= \d+\.\d\d epochs", small), small  # ordinary counts keep two decimals


def test_huge_k_column_header_is_short(cli):
    data = "tests/data/external/test_time/monkeys_pythia_math_10k.csv"
    out = cli("test-time", "fit", data, "--ks", "1,1000,1e308", check=True).stdout
    header = next(line for line in out.splitlines() if "coverage (law)" in line)
    assert header.split()[2:] == ["k=1", "k=1,000", "k=1e+308"]


@pytest.mark.parametrize("args", [("fit", "bundled:sloth_scores", "--benchmarks", "NoSuch"),
                                  ("predict", "bundled:sloth_scores", "--family", "NoFam")])
def test_sloth_errors_name_the_bundled_table_not_its_installed_path(cli, args):
    line = _only_error(cli("skills", *args))
    assert "bundled:sloth_scores" in line and "site-packages" not in line and "sloth_scores.csv" not in line


def test_a_fit_file_given_as_runs_says_what_it_is(cli, tmp_path):
    fit = tmp_path / "fit.json"
    cli("fit", "bundled:chinchilla", "--out", str(fit), check=True)
    line = _only_error(cli("fit", str(fit)))
    assert line.startswith(f"error: {fit}: is a saved fit (from `scalinglab fit --out`") and "not a table" in line
    doc = tmp_path / "doc.jsonl"
    doc.write_text('{"N": 1e9,\n "loss": 3.0}\n')
    assert "is one JSON document, not a table" in _only_error(cli("fit", str(doc)))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"N": 1e9, "D": 2e10, "loss": 3.0}\n{"N": 1e9, "D": 2e10, "loss": 3.0\n')
    assert _only_error(cli("fit", str(bad))).startswith(f"error: {bad}: line 2: not valid JSON")


def test_skipped_rows_note_does_not_come_before_an_error(cli, tmp_path):
    """With --drop-invalid, 'skipped 1 invalid row(s)' came first, so an error was not the one line on stderr."""
    path = tmp_path / "curves.csv"
    path.write_text("model,N,D,loss\na,1e9,1e9,3\na,1e9,2e9,x\n")
    assert _only_error(cli("evaluate", path, "--drop-invalid")) == (
        "error: a curves evaluation needs at least two models (train and target)")


def test_predict_at_without_tokens_names_the_col_flag(cli, tmp_path):
    """predict has no --tokens-col: the library's `tokens_col` reads as predict's own --col D=COLUMN."""
    at = tmp_path / "at.csv"
    at.write_text("N\n1e9\n")
    line = _only_error(cli("predict", "--preset", "epoch2024", "--at", at))
    assert line.endswith("name one with --col D=COLUMN or --col C=COLUMN"), line
    runs = tmp_path / "runs.csv"
    runs.write_text("N,loss\n1e9,3\n2e9,2.9\n")
    assert _only_error(cli("fit", runs)).endswith("name one with --tokens-col or --flops-col")
