"""``scalinglab datasets`` lists the bundled tables; ``scalinglab export`` writes one to a file that the other
commands read back unchanged (CSV, TSV, Parquet, JSON Lines by suffix); bad targets are one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scalinglab.data.io import read_table
from scalinglab.data.write import write_table
from scalinglab.datasets import available
from scalinglab.errors import InputError


def test_datasets_lists_every_bundled_table(cli):
    rows = json.loads(cli("datasets", "--json", check=True).stdout)
    assert [r["name"] for r in rows] == [f"bundled:{n}" for n in available()]
    assert all(r["rows"] > 0 and r["source"].endswith(".md") for r in rows)


def test_export_then_fit_reads_the_same_runs(cli, tmp_path):
    out = tmp_path / "runs.csv"
    proc = cli("export", "bundled:chinchilla", "--out", out, check=True)
    assert "245 rows" in proc.stdout
    pd.testing.assert_frame_equal(read_table(out), read_table("bundled:chinchilla"))
    fit = json.loads(cli("fit", out, "--where", "loss < 3.44", "--law", "compute", "--json", check=True).stdout)
    assert fit["n_points"] == 240


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_every_format_round_trips(tmp_path, suffix):
    frame = read_table("bundled:sloth_scores")
    path = write_table(frame, tmp_path / f"scores{suffix}")
    pd.testing.assert_frame_equal(read_table(path), frame, check_dtype=False)


def test_export_refuses_a_directory_an_unknown_format_and_an_unknown_name(cli, tmp_path):
    for args in (("bundled:chinchilla", "--out", tmp_path), ("bundled:chinchilla", "--out", tmp_path / "x.xlsx"),
                 ("bundled:nope", "--out", tmp_path / "x.csv")):
        proc = cli("export", *args)
        assert proc.returncode == 2 and proc.stderr.startswith("error:"), proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="unknown table format"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xls")
