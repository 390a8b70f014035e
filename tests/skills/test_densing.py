"""The Densing law (Xiao et al. 2024, arXiv:2412.04315): inversions, density, trend arithmetic."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.skills.densing import (
    CHINCHILLA_LOSS,
    PAPER_A_PER_DAY,
    DensityEstimator,
    DensityTrend,
    LossLaw,
    LossToScore,
    doubling_time_days,
    frontier_mask,
)


def test_paper_trend_arithmetic():
    """Sec. 3 / Fig. 1 of the paper: ln ρ_max = A·t + B with A ≈ 0.0073 per day, i.e. density
    doubles about every 95 days (≈ 3.1 months)."""
    assert doubling_time_days(PAPER_A_PER_DAY) == pytest.approx(95.0, abs=0.5)
    assert doubling_time_days(PAPER_A_PER_DAY) / (365.25 / 12) == pytest.approx(3.1, abs=0.05)
    assert doubling_time_days(0.0) == math.inf


def test_trend_fit_recovers_slope_and_doubling_time():
    rng = np.random.default_rng(0)
    days = np.sort(rng.uniform(0, 600, 40))
    dates = pd.Timestamp("2023-02-01") + pd.to_timedelta(days.round(), unit="D")
    rho = np.exp(PAPER_A_PER_DAY * days.round() - 1.0 + 0.05 * rng.normal(size=40))
    trend, used = DensityTrend.fit(dates, rho, frontier_only=False)
    assert trend.slope_per_day == pytest.approx(PAPER_A_PER_DAY, rel=0.03)
    assert trend.doubling_days == pytest.approx(95, rel=0.04)
    assert used.all() and trend.r2 > 0.95
    frontier, used_f = DensityTrend.fit(dates, rho)
    assert 2 <= used_f.sum() < 40
    assert frontier.slope_per_day == pytest.approx(PAPER_A_PER_DAY, rel=0.15)


def test_frontier_mask_is_running_maximum():
    mask = frontier_mask(np.array([0, 10, 20, 30, 30]), np.array([1.0, 0.5, 2.0, 3.0, 4.0]))
    assert mask.tolist() == [True, False, True, False, True]


def test_loss_law_inverse_round_trip():
    law = LossLaw.from_constants(**CHINCHILLA_LOSS)
    N = np.array([1e8, 7e9, 7e10])
    D = 2e12
    np.testing.assert_allclose(law.effective_params(law.predict(N, D), tokens=D), N, rtol=1e-9)
    np.testing.assert_allclose(law.effective_params(law.predict(N, 20 * N), tokens_per_param=20),
                               N, rtol=1e-8)
    assert law.effective_params(CHINCHILLA_LOSS["E"] - 0.01, tokens=D)[0] == np.inf


def test_loss_law_fit_recovers_paper_form():
    truth = LossLaw.from_constants(a=300.0, alpha=0.3, b=500.0, beta=0.25)
    N = np.geomspace(5e6, 1e9, 6).repeat(3)
    D = np.tile([1e9, 1e10, 1e11], 6)
    fit = LossLaw().fit(N, D, truth.predict(N, D))
    assert (fit.alpha_, fit.beta_) == pytest.approx((0.3, 0.25), rel=1e-3)


def test_loss_to_score_round_trip():
    rng = np.random.default_rng(2)
    L = np.linspace(1.8, 3.2, 12)
    true = LossToScore()
    true.c_, true.gamma_, true.l_, true.d_ = 0.7, 5.0, 2.4, 0.25
    fit = LossToScore().fit(L, true.predict(L) + 0.002 * rng.normal(size=12))
    assert fit.c_ + fit.d_ <= 1.0 + 1e-12
    np.testing.assert_allclose(fit.inverse(fit.predict(L)), L, atol=1e-8)
    assert np.isnan(fit.inverse(np.array([fit.d_ - 0.01, fit.c_ + fit.d_ + 0.01]))).all()


def test_effective_params_round_trip_on_real_family(test_data):
    """Two-step fit on a real family (Qwen1.5 from the ObsScaling table, Chinchilla proxy loss):
    the chain N → L → S → L → N̂ must return N; with a fixed-data policy equal to a reference
    model's own tokens, the density of its fitted score is exactly 1, and the sigmoid fits the
    family's real MMLU scores to within 0.02."""
    df = pd.read_csv(test_data / "obsscaling" / "base_llm_benchmark_eval.csv")
    ref = df[df["Model Family"] == "Qwen1.5"].dropna(subset=["Pretraining Data Size (T)"])
    N, D = ref["Model Size (B)"].to_numpy() * 1e9, ref["Pretraining Data Size (T)"].to_numpy() * 1e12
    S = ref["MMLU"].to_numpy()
    est = DensityEstimator(tokens_per_param=20).fit(N, D, S)
    grid = np.geomspace(1e9, 1e11, 7)
    np.testing.assert_allclose(est.effective_params(est.score_of_params(grid)), grid, rtol=1e-6)
    est4 = DensityEstimator(tokens=4e12).fit(N, D, S)
    sel = D == 4e12
    rho = est4.density(est4.score_law_.predict(est4.reference_loss_[sel]), N[sel])
    np.testing.assert_allclose(rho, 1.0, rtol=1e-6)
    assert est4.score_law_.rmse_ < 0.02
    assert np.isnan(est.effective_params(np.array([0.1])))[0]  # below the sigmoid floor


def test_too_few_reference_models():
    with pytest.raises(InputError, match="needs 4"):
        DensityEstimator().fit([1e9, 2e9, 3e9], [1e12] * 3, [0.3, 0.4, 0.5])


# ------------------------------------------------------------------------------------- CLI ---

def test_cli_density_json(cli):
    proc = cli("density", "bundled:densing_models", "--reference-family", "Qwen1.5", "--json", check=True)
    out = json.loads(proc.stdout)
    trend = out["trend"]
    assert trend["doubling_days"] == pytest.approx(math.log(2) / trend["A_per_day"])
    assert trend["A_per_day"] > 0 and trend["n_models"] >= 2
    assert out["paper"]["doubling_days"] == pytest.approx(95, abs=0.5)
    finite = [m for m in out["models"] if m["density"] is not None]
    assert len(finite) > 20
    assert any(m["in_trend_fit"] for m in finite)


def test_cli_density_readable(cli):
    proc = cli("density", "bundled:densing_models", "-r", "Qwen1.5", check=True)
    assert "doubling time" in proc.stdout and "Capability density" in proc.stdout


def test_cli_density_errors(cli, tmp_path):
    proc = cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--benchmarks", "MMLU,BBH")
    assert proc.returncode == 2 and "unknown benchmark 'BBH'" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    proc = cli("density", "bundled:densing_models", "-r", "Llama-2")
    assert proc.returncode == 2 and "need at least 4" in proc.stderr
    from scalinglab.datasets import bundled_path

    df = pd.read_csv(bundled_path("densing_models"))
    df.loc[2, "MMLU"] = -0.2
    bad = tmp_path / "bad.csv"
    df.to_csv(bad, index=False)
    proc = cli("density", str(bad), "-r", "Qwen1.5")
    assert proc.returncode == 2 and "row 3" in proc.stderr and "outside [0, 1]" in proc.stderr


def test_loss_law_is_fitted_by_the_project_fitter():
    """Issue 16: the paper's loss law is the Chinchilla law with E fixed at 0, fitted by
    scalinglab.fitting (the multi-start scan and Newton polish), not a private optimiser."""
    truth = LossLaw.from_constants(a=300.0, alpha=0.3, b=500.0, beta=0.25)
    N = np.geomspace(5e6, 1e9, 6).repeat(3)
    D = np.tile([1e9, 1e10, 1e11], 6)
    fit = LossLaw().fit(N, D, truth.predict(N, D) * np.exp(0.01 * np.random.default_rng(0).normal(size=18)))
    assert fit.law().param_names == ("A", "B", "alpha", "beta") and fit.E_ == 0.0
    assert fit.fit_info_.success and fit.fit_info_.n_scanned > 0
    assert (fit.alpha_, fit.beta_) == pytest.approx((0.3, 0.25), rel=0.05)
