"""Cluster bootstrap over train models (`evaluate --bootstrap K`): parameter intervals, a band on the
target's loss, draws carried in FIT.json to `forecast` as the family's parameter uncertainty."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import evaluate_curves, load_curves
from scalinglab.curves.estimate import bootstrap_curves
from scalinglab.errors import InputError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law

TRUE = {"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.36}
SIZES = (5e7, 1e8, 2e8, 4e8, 8e8, 1.6e9)


def _family(noise: float = 0.004) -> pd.DataFrame:
    """Six sizes; each curve carries its own persistent offset (as runs do) plus checkpoint noise."""
    rng = np.random.default_rng(3)
    d = np.geomspace(2e9, 4e10, 20)
    rows = []
    for n in SIZES:
        off = np.exp(noise * rng.standard_normal())
        loss = get_law("chinchilla").predict(TRUE, N=np.full_like(d, n), D=d) * off * np.exp(
            1e-3 * rng.standard_normal(d.size))
        rows.append(pd.DataFrame({"model": f"m{n:.0e}", "N": n, "D": d, "loss": loss}))
    return pd.concat(rows, ignore_index=True)


def test_bootstrap_is_seeded_and_covers_the_truth():
    curves = load_curves(_family())
    res = evaluate_curves(curves, 5, min_tokens=0.0, bootstrap=40, seed=7)
    again = evaluate_curves(curves, 5, min_tokens=0.0, bootstrap=40, seed=7)
    b = res["bootstrap"]
    assert np.array(b["draws"]).shape == (40, 5)
    assert b["draws"] == again["bootstrap"]["draws"]  # deterministic given the seed
    other = evaluate_curves(curves, 5, min_tokens=0.0, bootstrap=40, seed=8)
    assert other["bootstrap"]["draws"] != b["draws"]
    # alpha is set by differences between models, which the resampling varies; beta by each curve's own
    # D-trend, shared by every model, so its interval is narrow but not empty
    lo, hi = b["intervals"]["alpha"]
    assert lo <= TRUE["alpha"] <= hi
    assert b["intervals"]["beta"][1] > b["intervals"]["beta"][0]
    lo, hi = b["mean_predicted_interval"]
    assert lo < res["target"]["mean_predicted"] < hi
    assert b["covers_mean_loss"] == (lo <= res["target"]["mean_loss"] <= hi)


def test_bootstrap_resamples_models_not_checkpoints():
    """Whole models are resampled (the per-curve offsets make alpha vary between resamples), and a train
    set with a single model size is refused: no resample could identify the law."""
    train = _family()
    train = train[train["N"] < SIZES[-1]]
    draws = bootstrap_curves(train, 30, seed=0)
    assert draws.shape == (30, 5) and np.all(np.isfinite(draws))
    assert np.std(draws[:, 3]) > 1e-3
    with pytest.raises(InputError, match="two model sizes"):
        bootstrap_curves(train[train["N"] == SIZES[0]], 5)


def test_cli_bootstrap_writes_draws_that_forecast_uses(cli, tmp_path):
    path, fit_path = tmp_path / "curves.csv", tmp_path / "FIT.json"
    fam = _family()
    live = fam[fam["N"] == SIZES[3]]
    fam.loc[live.index, "model"] = "live"
    fam = fam.drop(live.index[live["D"] > 1e10])
    fam.to_csv(path, index=False)
    out = cli("evaluate", path, "--min-tokens", "0", "--bootstrap", "30", "--out", fit_path,
              "--json", check=True)
    data = json.loads(out.stdout)
    assert data["bootstrap"]["n"] == 30 and "draws" not in data["bootstrap"]
    saved = FitResult.load(fit_path)
    assert saved.draws is not None and saved.draws.shape == (30, 5)
    fc = json.loads(cli("forecast", path, "--fit", fit_path, "--run", "live", "--final-tokens", "4e10",
                        "--json", check=True).stdout)
    assert fc["interval_source"] == "checkpoints × family draws + gap drift"
    text = cli("evaluate", path, "--min-tokens", "0", "--bootstrap", "10", check=True).stdout
    assert "Bootstrap over train models (10 refits)" in text
    bad = cli("evaluate", path, "--grid", "--bootstrap", "5")
    assert bad.returncode == 2 and "--grid" in bad.stderr and "Traceback" not in bad.stderr


def test_every_resample_has_two_model_sizes(monkeypatch):
    """Two models of one size (e.g. two seeds named apart) must not pass for two sizes: the check follows
    the models' own order, not an alphabetical one."""
    import scalinglab.curves.estimate as est

    d = np.geomspace(2e9, 2e10, 8)
    law = get_law("chinchilla")
    rows = [pd.DataFrame({"model": name, "N": n, "D": d, "loss": law.predict(TRUE, N=np.full_like(d, n), D=d)})
            for name, n in (("b1", 1e8), ("c1", 1e8), ("a2", 2e8))]
    train = load_curves(pd.concat(rows, ignore_index=True)).frame
    seen = []
    real = est.fit_curves

    def spy(sample, *args, **kwargs):
        seen.append(sample["N"].nunique())
        return real(sample, *args, **kwargs)

    monkeypatch.setattr(est, "fit_curves", spy)
    bootstrap_curves(train, 40, seed=0)
    assert len(seen) >= 40 and min(seen) == 2
