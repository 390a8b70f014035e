"""``scalinglab post fit``: the SFT laws (Zhang et al. 2024 eq. 1; Lin et al. 2024 eq. 2) on a post_runs.csv.

The tables are drawn from the multiplicative law with known parameters and 1 % noise (written in
post_runs.csv's layout), so the leave-largest-out prediction has a known answer.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.planning.post_training import PostFitResult, fit_post_runs

TRUE = {"A": 40.0, "alpha": 0.3, "beta": 0.4, "E": 0.5}
SIZES = (3.1e3, 2.5e4, 8.3e4, 1.97e5, 3.84e5)
DS = (16, 32, 64, 128, 256, 512)


def post_table(path, shift_largest: float = 1.0, noise: float = 0.01, name=lambda i: f"L{i + 1}"):
    rng = np.random.default_rng(0)
    rows = []
    for i, n in enumerate(SIZES):
        run = name(i)
        rows.append({"base_run": run, "N": n, "D": 250e3, "stage": "base", "examples": "", "eval_loss": 6.0,
                     "accuracy": 0.0})
        for d in DS:
            loss = (TRUE["A"] * n ** -TRUE["alpha"] * d ** -TRUE["beta"] + TRUE["E"]) * np.exp(rng.normal(0, noise))
            if i == len(SIZES) - 1:
                loss *= shift_largest
            rows.append({"base_run": run, "N": n, "D": 250e3, "stage": "sft" if d == DS[-1] else "sft_scan",
                         "examples": d, "eval_loss": loss, "accuracy": 0.1})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_leave_largest_out_recovers_the_law_and_the_gain(tmp_path):
    r = fit_post_runs(post_table(tmp_path / "post_runs.csv"))
    m = r.multiplicative
    assert r.largest["base_run"] == "L5" and m["n_points"] == 24 and m["n_bases"] == 4
    assert m["params"]["alpha"] == pytest.approx(TRUE["alpha"], rel=0.25)
    assert m["params"]["beta"] == pytest.approx(TRUE["beta"], rel=0.15)
    assert m["mare"] < 0.03 and len(m["predictions"]) == len(DS)
    truth = TRUE["A"] * SIZES[-1] ** -TRUE["alpha"] * DS[-1] ** -TRUE["beta"] + TRUE["E"]
    assert m["gain"]["predicted"] == pytest.approx(6.0 - truth, rel=0.01)
    assert m["gain"]["measured"] == pytest.approx(6.0 - m["gain"]["measured_sft"])
    assert [g["base_run"] for g in r.gains] == ["L1", "L2", "L3", "L4", "L5"]
    # Lin et al.'s use: each base model's largest-D loss from its five smaller D
    assert len(r.rectified) == 5 and all(abs(x["rel_error"]) < 0.05 for x in r.rectified)
    assert PostFitResult.from_dict(json.loads(r.to_json())).to_dict() == json.loads(r.to_json())


def test_a_largest_model_off_the_law_shows_as_error(tmp_path):
    r = fit_post_runs(post_table(tmp_path / "post_runs.csv", shift_largest=1.2))
    assert r.multiplicative["mare"] == pytest.approx(0.2, abs=0.04)


def test_post_fit_cli_and_bad_tables(cli, tmp_path):
    table = post_table(tmp_path / "post_runs.csv")
    proc = cli("post", "fit", table, "--out", tmp_path / "fit.json", check=True)
    assert "predicting the largest base model, L5" in proc.stdout and "mean absolute relative error" in proc.stdout
    doc = json.loads(cli("post", "fit", table, "--json", check=True).stdout)
    assert doc == json.loads((tmp_path / "fit.json").read_text())
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    frame[frame["base_run"] == "L1"].to_csv(tmp_path / "one.csv", index=False)
    frame.loc[3, "eval_loss"] = "x"
    frame.to_csv(tmp_path / "bad.csv", index=False)
    frame.drop(columns=["examples"]).to_csv(tmp_path / "nocol.csv", index=False)
    for name, msg in [("bad.csv", "row 5"), ("one.csv", "at least two sizes"), ("nocol.csv", "no column 'examples'"),
                      ("missing.csv", "no such file")]:
        p = cli("post", "fit", tmp_path / name)
        assert p.returncode == 2 and msg in p.stderr and name in p.stderr and "Traceback" not in p.stderr, p.stderr
