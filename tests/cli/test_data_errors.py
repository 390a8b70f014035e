"""Bad inputs through the real CLI: one clear line naming file/row/column, exit 2, no traceback, no output."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest


def _runs(n: int = 12) -> pd.DataFrame:
    N = [1e8 * 1.6**i for i in range(n)]
    D = [2e9 * 1.3**i for i in range(n)]
    loss = [1.8 + 400 / x**0.34 + 400 / y**0.28 for x, y in zip(N, D, strict=True)]
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


def _assert_clean_error(proc, *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize(
    ("value", "what"),
    [("abc", "is not a number"), ("", "missing or NaN"), ("nan", "missing or NaN"), ("inf", "infinite"),
     ("-3", "must be positive"), ("0", "must be positive")],
)
def test_bad_value_names_file_row_column(tmp_path: Path, cli, value: str, what: str) -> None:
    df = _runs().astype(object)
    df.loc[4, "loss"] = value
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "fit.json"
    proc = cli("fit", path, "--out", out)
    _assert_clean_error(proc, str(path), "row 5", "column 'loss'", what)
    assert not out.exists()


def test_bad_params_value(tmp_path: Path, cli) -> None:
    df = _runs().astype(object)
    df.loc[0, "N"] = "-1e9"
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    _assert_clean_error(cli("fit", path), "row 1", "column 'N'", "must be positive")


def test_missing_column(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    _runs().drop(columns="loss").to_csv(path, index=False)
    _assert_clean_error(cli("fit", path), str(path), "loss", "--loss-col")


def test_named_column_not_found(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    _runs().to_csv(path, index=False)
    _assert_clean_error(cli("fit", path, "--loss-col", "val"), "column 'val'", "not found")


def test_too_few_rows(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    _runs(4).to_csv(path, index=False)
    _assert_clean_error(cli("fit", path), str(path), "only 4 valid rows", "at least 6")


def test_unreadable_and_missing_files(tmp_path: Path, cli) -> None:
    bad = tmp_path / "runs.parquet"
    bad.write_bytes(b"\x00\x01 not parquet at all")
    _assert_clean_error(cli("fit", bad), str(bad), "cannot read")
    _assert_clean_error(cli("fit", tmp_path / "nope.csv"), "nope.csv", "no such file")
    odd = tmp_path / "runs.xlsx"
    odd.write_text("x")
    _assert_clean_error(cli("fit", odd), "unknown table format")


def test_bad_where_expression(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    _runs().to_csv(path, index=False)
    _assert_clean_error(cli("fit", path, "--where", "loss <<< 3"), "--where")


def test_drop_invalid_skips_and_counts(tmp_path: Path, cli) -> None:
    df = _runs(14).astype(object)
    df.loc[2, "loss"] = "oops"
    df.loc[7, "N"] = "-5"
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    proc = cli("fit", path, "--drop-invalid", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "skipped 2 invalid row(s)" in proc.stderr
    assert json.loads(proc.stdout)["n_points"] == 12


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl"])
def test_formats_and_derived_tokens(tmp_path: Path, cli, fmt: str) -> None:
    """Every format gives the same fit; D is derived as C/(6N) when only C is given."""
    df = _runs()
    df = df.assign(flops=6 * df.N * df.D).drop(columns="D").rename(columns={"N": "params", "loss": "val_loss"})
    path = tmp_path / f"runs.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        df.to_csv(path, index=False, sep="\t")
    elif fmt == "parquet":
        df.to_parquet(path)
    else:
        df.to_json(path, orient="records", lines=True)
    proc = cli("fit", path, "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["n_points"] == 12
    assert d["params"]["alpha"] == pytest.approx(0.34, abs=0.02)
