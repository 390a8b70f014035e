"""Data-constrained scaling (Muennighoff et al. 2023): the law, the R_D*/R_N* refit, and the planner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import PlanningError, ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law
from scalinglab.planning.data_constrained import fit_repetition, plan_data_constrained


@pytest.fixture(scope="module")
def preset() -> FitResult:
    get_law("data-constrained")  # registers the law and its preset
    return FitResult.from_preset("data-constrained")


def test_readme_example_through_predict(cli) -> None:
    """datablations README / Muennighoff et al. 2023: L(N=6.34e9, D=242e9, U=25e9) = 2.2256441 on C4."""
    proc = cli("predict", "--law", "data-constrained", "--params", "6.34e9", "--tokens", "242e9",
               "--unique-tokens", "25e9", "--json", check=True)
    assert json.loads(proc.stdout)["loss"] == pytest.approx(2.2256441, abs=1e-7)


def test_second_readme_example(preset: FitResult) -> None:
    """datablations README: L(8.67e9, 178e9, U=25e9) = 2.2269634."""
    assert float(preset.predict(N=8.67e9, D=178e9, U=25e9)) == pytest.approx(2.2269634, abs=1e-7)


def test_single_epoch_matches_chinchilla_form(preset: FitResult) -> None:
    # U = D and N below the unique-data budget: no discount, the plain E + A/N^α + B/D^β.
    p = preset.params
    N, D = 1e8, 1e11
    assert float(preset.predict(N=N, D=D, U=D)) == pytest.approx(
        p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"], rel=1e-12)
    # more unique data never hurts
    assert float(preset.predict(N=1e9, D=1e11, U=1e10)) > float(preset.predict(N=1e9, D=1e11, U=5e10))


def test_refit_repetition_constants_on_182_runs(test_data) -> None:
    """Muennighoff et al. 2023 (C4 fit, datablations notebook): R_D* = 15.387756, R_N* = 5.309743, within 1 %."""
    df = pd.read_csv(test_data / "datablations" / "parametric_fit_runs_182.csv")
    res = fit_repetition(df.params_N, df.tokens_D, df.unique_tokens_U, df.final_val_loss)
    assert res.n_points == 182
    assert res.result.params["R_D_star"] == pytest.approx(15.387756, rel=0.01)
    assert res.result.params["R_N_star"] == pytest.approx(5.309743, rel=0.01)
    assert res.objective == pytest.approx(0.0158259, rel=1e-3)  # the notebook's printed objective


def test_plan_data_constrained_cli(cli) -> None:
    proc = cli("plan", "data-constrained", "--compute", "1e22", "--unique-tokens", "25e9", "--json", check=True)
    d = json.loads(proc.stdout)
    assert 6 * d["N"] * d["D"] == pytest.approx(1e22, rel=1e-9)
    assert d["epochs"] == pytest.approx(d["D"] / 25e9)
    # repeated data is worth less: worse than unlimited data, better than the Chinchilla split on U tokens
    assert d["unconstrained"]["loss"] < d["loss"] < d["chinchilla_allocation_loss"]


def test_planner_finds_the_minimum(preset: FitResult) -> None:
    plan = plan_data_constrained(preset, 1e23, 1e10)
    for f in (0.97, 1.03):
        n = plan.N * f
        assert float(preset.predict(N=n, D=1e23 / (6 * n), U=1e10)) > plan.loss
    # with plenty of unique data the plan is the Chinchilla optimum
    rich = plan_data_constrained(preset, 1e21, 1e14)
    assert rich.N == pytest.approx(rich.unconstrained["N"], rel=1e-3)


def test_bad_inputs(preset: FitResult) -> None:
    with pytest.raises(PlanningError):
        plan_data_constrained(preset, -1e21, 1e10)
    with pytest.raises(PlanningError):
        plan_data_constrained(preset, 1e21, 0)
    with pytest.raises(ScalingLabError, match="exceed"):
        preset.predict(N=1e9, D=1e10, U=2e10)


def test_u_larger_than_d_is_exit_2(cli) -> None:
    proc = cli("predict", "--law", "data-constrained", "--params", "1e9", "--tokens", "1e10",
               "--unique-tokens", "2e10")
    assert proc.returncode == 2 and "exceed" in proc.stderr and "Traceback" not in proc.stderr


def test_jacobian_matches_finite_differences(preset: FitResult) -> None:
    law = preset.law
    F = law.features({"N": np.array([1e8, 2e9]), "D": np.array([1e10, 3e11]), "U": np.array([1e9, 2e10])})
    theta = law.to_internal(preset.params)[None, :]
    _, J = law.log_predict(theta, F, jac=True)
    h = 1e-4
    for j in range(theta.shape[1]):
        up, dn = theta.copy(), theta.copy()
        up[0, j] += h
        dn[0, j] -= h
        fd = (law.log_predict(up, F) - law.log_predict(dn, F)) / (2 * h)
        assert np.allclose(J[0, :, j], fd[0], rtol=1e-5, atol=1e-7)
