"""``scalinglab skills``: errors and output through the real CLI (subprocess)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

V2 = ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"]


@pytest.fixture
def small_table(tmp_path, test_data):
    """The paper's table, a few families only (fast fits)."""
    df = pd.read_csv(test_data / "sloth" / "data_v2.csv")
    keep = ["olmo", "opt", "pythia", "bloom", "qwen2", "smollm", "gpt-j-neo-neox", "yi-1.5", "falcon",
            "yi-chat"]
    path = tmp_path / "scores.csv"
    df[df.Family2.isin(keep)].to_csv(path, index=False)
    return path, df[df.Family2.isin(keep)].reset_index(drop=True)


def _one_error_line(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_unknown_benchmark_is_one_line_naming_file_and_column(cli, small_table):
    path, _ = small_table
    for cmd in ("fit", "evaluate"):
        line = _one_error_line(cli("skills", cmd, path, "--benchmarks", "MMLU,NotABench"))
        assert str(path) in line and "'NotABench'" in line and "unknown benchmark" in line


def test_score_outside_unit_interval_names_row_and_column(cli, small_table, tmp_path):
    _, df = small_table
    df = df.copy()
    df.loc[3, "BBH"] = 43.0    # a percentage instead of a fraction
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    line = _one_error_line(cli("skills", "evaluate", bad, "--suite", "v2", "--json"))
    assert "row 4" in line and "'BBH'" in line and "outside [0, 1]" in line


def test_family_with_too_few_models_is_an_error(cli, small_table):
    path, _ = small_table
    line = _one_error_line(cli("skills", "predict", path, "--family", "yi-chat"))
    assert "'yi-chat'" in line and "needs at least 2" in line
    line = _one_error_line(cli("skills", "predict", path, "--family", "olmo", "--train-per-family", "2"))
    assert "'olmo'" in line and "needs at least 3" in line
    line = _one_error_line(cli("skills", "evaluate", path, "--folds", "family", "--train-per-family", "9"))
    assert "nothing to predict" in line


def test_unknown_method_and_family(cli, small_table):
    path, _ = small_table
    assert "unknown --method" in _one_error_line(cli("skills", "fit", path, "--method", "magic"))
    assert "'nope'" in _one_error_line(cli("skills", "predict", path, "--family", "nope"))


def test_evaluate_json_has_mae_folds_and_seconds(cli, small_table):
    path, _ = small_table
    proc = cli("skills", "evaluate", path, "--suite", "v2", "--train-per-family", "1", "--skills", "2",
               "--method", "basic", "--seed", "0", "--fold", "olmo", "--fold", "opt", "--json", check=True)
    out = json.loads(proc.stdout)
    assert set(out["folds"]) == {"olmo", "opt"}
    assert out["mae_pp"] == pytest.approx(sum(out["folds"].values()) / 2)
    assert 0 < out["mae_pp"] < 20 and out["seconds"] > 0
    assert out["n_test_models"] == {"olmo": 1, "opt": 1}


def test_predict_and_fit_outputs(cli, small_table):
    path, df = small_table
    out = json.loads(cli("skills", "predict", path, "--family", "pythia", "--method", "basic",
                         "--at", "70:15", "--json", check=True).stdout)
    pythia = df[df.Family2 == "pythia"].dropna(subset=V2).sort_values("#Params (B)")
    assert out["trained_on"] == [pythia.Model.iloc[0]]
    assert [r["model"] for r in out["predictions"][:-1]] == pythia.Model.iloc[1:].tolist()
    assert out["predictions"][-1]["actual"] is None
    assert all(0 <= v <= 1 for r in out["predictions"] for v in r["predicted"].values())
    fit = json.loads(cli("skills", "fit", path, "--method", "basic", "--json", check=True).stdout)
    assert set(fit["loadings"]) == set(V2) and len(fit["slopes"]["log S"]) == 2
    text = cli("skills", "fit", "bundled:sloth_scores", "--method", "basic", check=True).stdout
    assert "Loadings" in text and "MMLU-PRO" in text
