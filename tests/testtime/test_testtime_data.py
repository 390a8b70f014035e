"""Counts and curves tables: columns found by name; each bad value is one line naming file, row, column."""

from __future__ import annotations

import pytest

from scalinglab.errors import InputError
from scalinglab.testtime.data import load_counts, load_curves

HEAD = "model,N,problem,n,c\n"


def write(tmp_path, text: str, name: str = "counts.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_release_columns_are_recognised(test_data) -> None:
    t = load_counts(test_data / "external/test_time/monkeys_pythia_math_10k.csv")
    assert len(t.models) == 7 and len(t.frame) == 896
    assert t.columns_used["N"] == "params_nominal" and t.columns_used["n"] == "n_samples"
    assert t.of("Pythia 12B")["N"].iloc[0] == 12e9


def test_subsample_is_hypergeometric_and_seeded(test_data) -> None:
    t = load_counts(test_data / "external/test_time/monkeys_pythia_math_10k.csv")
    a, b = t.subsample(1000, seed=3), t.subsample(1000, seed=3)
    assert (a.frame["c"] == b.frame["c"]).all() and (a.frame["n"] == 1000).all()
    assert (a.frame["c"] <= t.frame["c"]).all()
    # the expected c' is c·n'/n: over all 896 rows the mean matches within a few standard errors
    assert a.frame["c"].mean() == pytest.approx(t.frame["c"].mean() / 10, rel=0.05)
    with pytest.raises(InputError, match="only 10000"):
        t.subsample(20000)
    for bad in (0, -5, 2.5, True):
        with pytest.raises(InputError, match="`samples` must be a positive whole number"):
            t.subsample(bad)


@pytest.mark.parametrize(("body", "row", "column", "words"), [
    ("a,1e9,p1,10,11\n", 1, "c", "c must be <= n"),
    ("a,1e9,p1,10,2\na,1e9,p2,10.5,2\n", 2, "n", "whole number"),
    ("a,1e9,p1,10,2\na,-1,p2,10,2\n", 2, "N", "positive"),
    ("a,1e9,p1,10,x\n", 1, "c", "not a number"),
    ("a,1e9,p1,10,2\na,1e9,p1,10,3\n", 2, "problem", "appears twice"),
    ("a,1e9,p1,0,0\n", 1, "n", ">= 1"),
])
def test_bad_counts_name_file_row_column(tmp_path, body, row, column, words) -> None:
    path = write(tmp_path, HEAD + body)
    with pytest.raises(InputError) as info:
        load_counts(path)
    err = info.value
    assert (err.file, err.row, err.column) == (str(path), row, column) and words in str(err)


def test_missing_column(tmp_path) -> None:
    path = write(tmp_path, "model,N,problem,n\na,1e9,p1,10\n")
    with pytest.raises(InputError, match="missing column 'c'"):
        load_counts(path)


def test_curves_table(tmp_path) -> None:
    path = write(tmp_path, "model,N,method,k,accuracy\na,1e9,majority,1,0.2\na,1e9,majority,4,1.2\n", "c.csv")
    with pytest.raises(InputError) as info:
        load_curves(path)
    assert (info.value.row, info.value.column) == (2, "accuracy")


def test_cli_bad_input_is_one_line_exit_2(cli, tmp_path) -> None:
    path = write(tmp_path, HEAD + "a,1e9,p1,10,11\n")
    out = tmp_path / "fit.json"
    proc = cli("test-time", "fit", path, "--out", out)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "row 1" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
