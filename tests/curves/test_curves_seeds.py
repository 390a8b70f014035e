"""Curves with a seed column: seeds pooled in the fit, the target's seed-to-seed ARE reported as the
noise floor (Choshen et al. 2024 put it at up to ~4 %), and a forecast of one seed of a run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import evaluate_curves, forecast_run, load_curves
from scalinglab.curves.evaluate import seed_spread
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law

TRUE = {"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.36}
SIZES = (1e8, 2e8, 4e8, 8e8, 1.6e9)
OFFSETS = (-0.02, 0.0, 0.025)  # per-seed multiplicative offsets, as seeds shift a whole curve


def _family(offsets=OFFSETS) -> pd.DataFrame:
    """Five model sizes × len(offsets) seeds; checkpoints on one D grid; tiny per-checkpoint noise."""
    rng = np.random.default_rng(0)
    d = np.geomspace(2e9, 5e10, 25)
    law = get_law("chinchilla")
    rows = []
    for n in SIZES:
        for s, off in enumerate(offsets):
            loss = law.predict(TRUE, N=np.full_like(d, n), D=d) * (1 + off) * np.exp(
                1e-4 * rng.standard_normal(d.size))
            rows.append(pd.DataFrame({"model": f"m{n:.0e}", "N": n, "D": d, "loss": loss, "seed": s}))
    return pd.concat(rows, ignore_index=True)


def _expected_spread(offsets) -> float:
    """Mean over seeds of |(1+o_s) − mean_t≠s (1+o_t)| / (1+o_s), in percent (exact for a shared D grid)."""
    o = 1 + np.asarray(offsets)
    return float(np.mean([abs(o[i] - np.delete(o, i).mean()) / o[i] for i in range(o.size)]) * 100)


def test_seed_spread_matches_the_offsets_it_was_built_from():
    fam = _family()
    tgt = fam[fam["N"] == SIZES[-1]]
    res = seed_spread(tgt)
    assert res["n_seeds"] == 3
    assert res["seed_are_percent"] == pytest.approx(_expected_spread(OFFSETS), rel=0.02)
    assert seed_spread(tgt[tgt["seed"] == 0]) is None


def test_evaluate_pools_seeds_and_reports_the_floor(tmp_path):
    curves = load_curves(_family())
    assert "seed" in curves.frame
    res = evaluate_curves(curves, 4, min_tokens=0.0, method="lsq")
    # seeds pooled: the law's ARE sits at the seed floor (a law cannot predict which seed is which)
    assert res["train"]["n_checkpoints"] == 4 * 3 * 24  # strict D < p·max drops each final checkpoint
    floor = res["seeds"]["seed_are_percent"]
    assert floor == pytest.approx(_expected_spread(OFFSETS), rel=0.02)
    assert 0.5 * floor < res["are_percent"] < 2.0 * floor


def test_cli_evaluate_prints_the_seed_floor(cli, tmp_path):
    path = tmp_path / "seeds.csv"
    _family().to_csv(path, index=False)
    out = cli("evaluate", path, "--min-tokens", "0", "--loss", "lsq", "--json", check=True)
    data = json.loads(out.stdout)
    assert data["seeds"]["n_seeds"] == 3
    text = cli("evaluate", path, "--min-tokens", "0", "--loss", "lsq", check=True).stdout
    assert "Seed spread of the target" in text


def test_forecast_needs_and_uses_run_seed(cli, tmp_path):
    fam = _family()
    live = fam[(fam["N"] == SIZES[2]) & (fam["seed"] == 2)]
    fam = pd.concat([fam.drop(live.index), live[live["D"] < 1.5e10]], ignore_index=True)
    fit = FitResult.from_params("chinchilla", TRUE)
    name = f"m{SIZES[2]:.0e}"
    with pytest.raises(Exception, match="`run_seed`"):
        forecast_run(load_curves(fam), fit, name, 5e10)
    res = forecast_run(load_curves(fam), fit, name, 5e10, run_seed=2)
    truth = get_law("chinchilla").predict(TRUE, N=SIZES[2], D=5e10) * (1 + OFFSETS[2])
    assert res["seed"] == 2 and res["forecast"] == pytest.approx(truth, rel=0.01)
    assert res["drift"]["source"].startswith("14 finished curves")  # 15 (model, seed) curves minus the run
    assert res["interval"][0] < truth < res["interval"][1]
    assert res["gate"]["status"] == "on_track"

    path, fit_path = tmp_path / "live.csv", tmp_path / "FIT.json"
    fam.to_csv(path, index=False)
    fit.save(fit_path)
    bad = cli("forecast", path, "--fit", fit_path, "--run", name, "--final-tokens", "5e10")
    assert bad.returncode == 2 and "--run-seed" in bad.stderr and "Traceback" not in bad.stderr
    missing = cli("forecast", path, "--fit", fit_path, "--run", name, "--final-tokens", "5e10", "--run-seed", "7")
    assert missing.returncode == 2 and "no seed 7" in missing.stderr
    ok = cli("forecast", path, "--fit", fit_path, "--run", name, "--final-tokens", "5e10", "--run-seed", "2",
             check=True)
    assert "(seed 2)" in ok.stdout
