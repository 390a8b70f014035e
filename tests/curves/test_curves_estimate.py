"""Curves tables, checkpoint selection (the guide's options), the fixed-parameter law, kaplan-ns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import FixedLaw, Selection, fit_curves, load_curves, parse_fixed, select
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import available_laws, get_law

TRUE = {"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.36}


def synthetic_curves(noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Five model sizes, 40 checkpoints each from 1e9 tokens to 20 tokens/param, on a known law."""
    rng = np.random.default_rng(seed)
    law = get_law("chinchilla")
    rows = []
    for n in (5e7, 1e8, 2e8, 4e8, 8e8):
        d = np.geomspace(1e9, 20 * n * 4, 40)
        loss = law.predict(TRUE, N=np.full_like(d, n), D=d) * np.exp(noise * rng.standard_normal(d.size))
        rows.append(pd.DataFrame({"run_name": f"m{n:.0e}", "params": n, "tokens": d, "loss": loss}))
    return pd.concat(rows, ignore_index=True)


def test_load_curves_uses_runs_validation(tmp_path):
    df = synthetic_curves()
    table = load_curves(df, model_col="run_name")
    assert list(table.frame["model"].unique())[:1] == ["m5e+07"]
    bad = df.copy()
    bad.loc[3, "loss"] = -1
    path = tmp_path / "c.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(InputError) as exc:
        load_curves(path, model_col="run_name")
    assert "row 4" in str(exc.value) and "loss" in str(exc.value)
    no_model = load_curves(df.drop(columns="run_name"))
    assert no_model.frame["model"].nunique() == 5  # one curve per N


def test_selection_follows_the_guide():
    curves = load_curves(synthetic_curves(), model_col="run_name")
    train, test, info = select(curves, Selection(train_models=2, min_tokens=2e9, train_fraction=0.5))
    assert info["target"] == "m8e+08" and info["train_models"] == ["m5e+07", "m1e+08"]
    assert train["D"].min() > 2e9
    assert train["D"].max() < 0.5 * info["train_max_tokens"]
    full_target = curves.frame[curves.frame["model"] == "m8e+08"]
    assert test["D"].min() >= 0.7 * full_target["D"].max()
    with pytest.raises(InputError):
        select(curves, Selection(train_models=9))
    with pytest.raises(InputError):
        select(curves, Selection(train_fraction=1.5))


@pytest.mark.parametrize("method", ["curve_fit", "lsq", "huber"])
def test_fit_recovers_known_law(method):
    curves = load_curves(synthetic_curves(), model_col="run_name")
    fit = fit_curves(curves.frame, method=method)
    pred = fit.predict(N=8e8, D=6.4e10)
    truth = get_law("chinchilla").predict(TRUE, N=8e8, D=6.4e10)
    assert pred == pytest.approx(truth, rel=2e-3)


def test_fixed_law_holds_parameters():
    base = get_law("chinchilla")
    law = FixedLaw(base, {"alpha": 0.34, "beta": 0.36})
    assert law.param_names == ("E", "A", "B")
    theta = law.to_internal({"E": 1.8, "A": 400.0, "B": 2000.0})
    F = base.features({"N": np.array([1e8, 1e9]), "D": np.array([1e10, 2e10])})
    full = base.to_internal(TRUE)
    np.testing.assert_allclose(law.log_predict(theta, F), base.log_predict(full, F))
    _, J = law.log_predict(theta[None, :], F, jac=True)
    assert J.shape == (1, 2, 3)
    eps = 1e-6
    num = (law.log_predict(theta + [eps, 0, 0], F) - law.log_predict(theta - [eps, 0, 0], F)) / (2 * eps)
    np.testing.assert_allclose(J[0, :, 0], num[0], rtol=1e-5)
    curves = load_curves(synthetic_curves(noise=0.002), model_col="run_name")
    for method in ("huber", "curve_fit"):
        fit = fit_curves(curves.frame, method=method, fixed={"alpha": 0.34, "beta": 0.36})
        assert fit.params["alpha"] == 0.34 and fit.params["beta"] == 0.36
        assert fit.params["E"] == pytest.approx(1.8, rel=0.02)
    with pytest.raises(ScalingLabError):
        FixedLaw(base, {"gamma": 1.0})


def test_parse_fixed():
    assert parse_fixed(["alpha=0.3", "beta=0.2,E=1.5"]) == {"alpha": 0.3, "beta": 0.2, "E": 1.5}
    with pytest.raises(InputError):
        parse_fixed(["alpha"])
    with pytest.raises(InputError):
        parse_fixed(["alpha=x"])


def test_model_weighting_runs():
    curves = load_curves(synthetic_curves(noise=0.002), model_col="run_name")
    fit = fit_curves(curves.frame, method="huber", weighting="model")
    assert fit.objective_spec["weighting"] == "model"
    assert fit.params["alpha"] == pytest.approx(0.34, abs=0.05)


def test_kaplan_ns_law_and_preset():
    """Kaplan et al. 2020 Eq. 1.6: L(N, S) = (N_c/N)^α_N + (S_c/S)^α_S with the Table 2 constants."""
    import scalinglab.curves  # noqa: F401  (registers the preset)

    assert "kaplan-ns" in available_laws()
    fit = FitResult.from_preset("kaplan2020-ns")
    N, S = np.array([1e8, 1e9]), np.array([1e4, 1e5])
    expected = (6.4e13 / N) ** 0.076 + (2.1e3 / S) ** 0.76
    np.testing.assert_allclose(fit.predict(N=N, S=S), expected, rtol=1e-12)
    law = get_law("kaplan-ns")
    theta = law.to_internal(fit.params)
    F = law.features({"N": N, "S": S})
    _, J = law.log_predict(theta[None, :], F, jac=True)
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        num = (law.log_predict(theta + e, F) - law.log_predict(theta - e, F))[0] / 2e-6
        np.testing.assert_allclose(J[0, :, j], num, rtol=1e-5, atol=1e-9)
