"""Partial-run forecasting and the curves CLI (evaluate, --grid, forecast, import-curves)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import forecast_run, load_curves
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law

TRUE = {"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.36}


def _run(offset: float, upto: float, n: float = 1e9, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = np.geomspace(1e9, upto, 30)
    loss = get_law("chinchilla").predict(TRUE, N=np.full_like(d, n), D=d) * (1 + offset) \
        * np.exp(0.002 * rng.standard_normal(d.size))
    return pd.DataFrame({"model": "live", "N": n, "D": d, "loss": loss})


def test_forecast_on_track_and_behind():
    fit = FitResult.from_params("chinchilla", TRUE)
    final = 2e10
    truth = get_law("chinchilla").predict(TRUE, N=1e9, D=final)
    ok = forecast_run(load_curves(_run(0.0, 8e9)), fit, "live", final)
    assert ok["forecast"] == pytest.approx(truth, rel=3e-3)
    assert ok["interval"][0] <= truth <= ok["interval"][1] or abs(ok["forecast"] / truth - 1) < 2e-3
    assert ok["gate"]["status"] == "on_track" and ok["gate"]["passed"]
    bad = forecast_run(load_curves(_run(0.06, 8e9)), fit, "live", final, target_loss=truth)
    assert bad["gate"]["status"] == "behind" and not bad["gate"]["passed"]
    assert bad["forecast"] == pytest.approx(truth * 1.06, rel=5e-3)
    assert bad["gate"]["meets_target"] is False


def test_forecast_uses_family_draws():
    rng = np.random.default_rng(0)
    base = np.array([TRUE[k] for k in ("E", "A", "B", "alpha", "beta")])
    draws = base * (1 + 0.01 * rng.standard_normal((50, 5)))
    fit = FitResult(get_law("chinchilla"), dict(TRUE), draws=draws)
    res = forecast_run(load_curves(_run(0.0, 8e9)), fit, "live", 2e10, bootstrap=100)
    assert res["interval_source"] == "checkpoints × family draws + gap drift"
    old = forecast_run(load_curves(_run(0.0, 8e9)), fit, "live", 2e10, bootstrap=100, method="checkpoints")
    assert old["interval_source"] == "checkpoints × family draws"
    assert res["interval"][0] < res["forecast"] < res["interval"][1]


def test_forecast_interval_covers_gpt3_13b(test_data):
    """GPT-3 13B cut at 40 %, law fitted on the other GPT-3 curves: the old interval (gap held constant)
    misses the final loss; the drift-aware one, learnt from the other finished curves, covers it."""
    from scalinglab.curves import guide_family
    from scalinglab.curves.estimate import fit_curves

    df = guide_family("gpt3", test_data / "hitchhiker")
    others = df[df["model"] != "gpt3-13b"]
    fit = fit_curves(others[others["D"] > 1e10], "chinchilla", "curve_fit")
    run = df[df["model"] == "gpt3-13b"]
    final = float(run["D"].max())
    actual = float(run.loc[run["D"] >= 0.98 * final, "loss"].mean())
    curves = pd.concat([others, run[run["D"] <= 0.4 * final]], ignore_index=True)
    kw = {"bootstrap": 200, "min_tokens": 1e10}
    old = forecast_run(curves, fit, "gpt3-13b", final, method="checkpoints", **kw)
    new = forecast_run(curves, fit, "gpt3-13b", final, **kw)
    assert not old["interval"][0] <= actual <= old["interval"][1]
    assert new["interval"][0] <= actual <= new["interval"][1]
    assert abs(new["forecast"] / actual - 1) < abs(old["forecast"] / actual - 1)


@pytest.fixture(scope="module")
def t5_csv(test_data, tmp_path_factory):
    from scalinglab.curves import guide_family

    path = tmp_path_factory.mktemp("curves") / "t5.csv"
    guide_family("t5-pile", test_data / "hitchhiker").to_csv(path, index=False)
    return path


def test_cli_evaluate_json_and_grid(cli, t5_csv):
    proc = cli("evaluate", t5_csv, "--train-models", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # Guide Fig. 3, Pile-T5 panel, 3 models, p = 1: 9.35 %
    assert out["are_percent"] == pytest.approx(9.35, abs=0.3)
    assert out["target"]["model"] == "pile-t5-xxl" and set(out["params"]) == {"E", "A", "B", "alpha", "beta"}
    grid = cli("evaluate", t5_csv, "--grid", "--fractions", "0.2,1.0", "--json")
    cells = json.loads(grid.stdout)["cells"]
    assert [c["label"] for c in cells] == ["2 (X14)", "2 (X14)", "3 (X3)", "3 (X3)"]
    fixed = cli("evaluate", t5_csv, "-m", "3", "--loss", "huber", "--fix", "alpha=0.3", "--json")
    assert json.loads(fixed.stdout)["params"]["alpha"] == 0.3
    err = cli("evaluate", t5_csv, "--train-models", "9")
    assert err.returncode == 2 and err.stderr.startswith("error:") and len(err.stderr.splitlines()) == 1


def test_cli_forecast_and_import(cli, tmp_path):
    fit_path = tmp_path / "FIT.json"
    FitResult.from_params("chinchilla", TRUE).save(fit_path)
    curves = tmp_path / "live.csv"
    _run(0.06, 8e9).to_csv(curves, index=False)
    proc = cli("forecast", curves, "--fit", fit_path, "--run", "live", "--final-tokens", "2e10", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["gate"]["status"] == "behind"
    strict = cli("forecast", curves, "--fit", fit_path, "--run", "live", "--final-tokens", "2e10", "--strict")
    assert strict.returncode == 1 and "behind" in strict.stdout
    hist = tmp_path / "history.csv"
    pd.DataFrame({"_step": [100, 200, 300], "train/loss": [3.5, 3.2, 3.0]}).to_csv(hist, index=False)
    out = tmp_path / "curves.csv"
    imp = cli("import-curves", hist, "--tokens-per-step", "1e6", "--params", "1e8", "--model", "r1",
              "--out", out)
    assert imp.returncode == 0, imp.stderr
    assert pd.read_csv(out)["D"].tolist() == [1e8, 2e8, 3e8]
