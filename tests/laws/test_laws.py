"""Law library: gradients, recovery of known parameters, presets, identifiability warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab import FitResult, ScalingLawFit, available_laws, get_law, load_runs
from scalinglab.errors import ScalingLabError
from scalinglab.laws import PRESETS


@pytest.mark.parametrize("name", available_laws())
def test_analytic_jacobian_matches_finite_differences(name: str) -> None:
    law = get_law(name)
    rng = np.random.default_rng(1)
    F = law.features(law.example_inputs(15, seed=1))
    theta = np.array([[rng.uniform(max(p.lower, 0.1), min(p.upper, 0.6)) if not p.log else rng.uniform(2, 8)
                       for p in law.parameters]])
    value, J = law.log_predict(theta, F, jac=True)
    for j in range(theta.shape[1]):
        step = np.zeros_like(theta)
        step[0, j] = 1e-6
        numeric = (law.log_predict(theta + step, F) - law.log_predict(theta - step, F)) / 2e-6
        assert np.allclose(J[..., j], numeric, atol=1e-6, rtol=1e-5), (name, j)


@pytest.mark.parametrize(("law", "preset"), [("kaplan", "kaplan2020"), ("kaplan-n", "kaplan2020-n"),
                                            ("kaplan-c", "kaplan2020-c"), ("chinchilla", "hoffmann2022")])
def test_recovers_preset_parameters_from_synthetic_runs(law: str, preset: str) -> None:
    truth = FitResult.from_preset(preset)
    rng = np.random.default_rng(0)
    n = 60
    X = {"N": 10 ** rng.uniform(7, 11, n), "D": 10 ** rng.uniform(9, 12, n)}
    X["C"] = 6 * X["N"] * X["D"]
    loss = truth.predict(**{k: X[k] for k in truth.law.inputs}) * np.exp(rng.normal(0, 0.002, n))
    runs = load_runs(pd.DataFrame({**X, "loss": loss}))
    fit = ScalingLawFit(law=law, loss="lsq").fit(runs).result_
    for k, v in truth.params.items():
        assert fit.params[k] == pytest.approx(v, rel=0.12), (k, fit.params[k], v)


def test_compute_law_fit_on_fixed_ratio_suite_and_warning() -> None:
    """A fixed 20-tokens-per-parameter suite: the Chinchilla law is warned about; the compute law fits."""
    N = np.geomspace(1e7, 1e10, 12)
    D = 20 * N
    loss = FitResult.from_preset("hoffmann2022").predict(N=N, D=D)
    runs = load_runs(pd.DataFrame({"N": N, "D": D, "loss": loss}))
    chin = ScalingLawFit().fit(runs).result_
    assert any("collinear" in w and "--law compute" in w for w in chin.warnings)
    comp = ScalingLawFit(law="compute").fit(load_runs(pd.DataFrame({"N": N, "D": D, "loss": loss}),
                                                      require=("C", "loss"))).result_
    pred = comp.predict(C=6 * N * D)
    assert np.max(np.abs(pred / loss - 1)) < 5e-3
    assert not any("collinear" in w for w in comp.warnings)


def test_objectives_differ_and_are_validated() -> None:
    rng = np.random.default_rng(3)
    N, D = 10 ** rng.uniform(7, 10, 40), 10 ** rng.uniform(9, 11, 40)
    loss = FitResult.from_preset("hoffmann2022").predict(N=N, D=D) * np.exp(rng.normal(0, 0.01, 40))
    loss[:3] *= 1.3  # outliers: the robust objective should shrug them off
    runs = load_runs(pd.DataFrame({"N": N, "D": D, "loss": loss}))
    huber = ScalingLawFit(loss="huber").fit(runs).result_
    lsq = ScalingLawFit(loss="lsq").fit(runs).result_
    asym = ScalingLawFit(loss="asymmetric", tau=0.9).fit(runs).result_
    truth = 1.69
    assert abs(huber.params["E"] - truth) < abs(lsq.params["E"] - truth)
    assert asym.params != lsq.params
    with pytest.raises(ScalingLabError):
        ScalingLawFit(loss="cubic").fit(runs)


def test_registry_and_presets() -> None:
    assert {"chinchilla", "kaplan", "compute"} <= set(available_laws())
    with pytest.raises(ScalingLabError, match="unknown law"):
        get_law("nope")
    for name, preset in PRESETS.items():
        FitResult.from_preset(name)  # every preset names a registered law with all its parameters
        assert preset.source


def test_html_repr_escapes() -> None:
    res = FitResult.from_preset("epoch2024")
    res.warnings.append("<script>alert(1)</script>")
    html = res._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
