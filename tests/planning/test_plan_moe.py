"""Mixture-of-experts laws and the fine-grained MoE planner."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law
from scalinglab.planning.moe import active_params, flops_per_token, plan_moe


@pytest.fixture(scope="module")
def kraj() -> FitResult:
    get_law("moe-granularity")
    return FitResult.from_preset("krajewski2024")


def test_granularity_law_by_hand(kraj: FitResult) -> None:
    p = kraj.params
    N, D, G = 6.4e10, 1e11, 8.0
    expected = p["c"] + (p["g"] / G ** p["gamma"] + p["a"]) / N ** p["alpha"] + p["b"] / D ** p["beta"]
    assert float(kraj.predict(N=N, D=D, G=G)) == pytest.approx(expected, rel=1e-12)


def test_structural_flops_model() -> None:
    # E = 64: N_act = 12/(4 + 512) N; with no router (G → 0) the FLOPs per token are 6·N_act.
    assert float(active_params(516e9, 64)) == pytest.approx(12e9)
    assert float(flops_per_token(516e9, 64, 1e-12)) == pytest.approx(72e9, rel=1e-9)


def test_plan_moe(kraj: FitResult) -> None:
    plan = plan_moe(kraj, 1e22)
    b = plan.best
    assert b.flops_per_token * b.D == pytest.approx(1e22, rel=1e-9)  # spends exactly the budget
    assert 1 < b.G < 64  # router cost stops granularity from growing without bound
    assert plan.standard is not None and plan.standard.loss > b.loss
    d = plan.to_dict()
    assert d["loss_gain_vs_standard"] > 0 and 0 < d["sparsity"] < 1
    with pytest.raises(PlanningError):
        plan_moe(kraj, -1.0)
    with pytest.raises(PlanningError):
        plan_moe(FitResult.from_preset("hoffmann2022"), 1e22)


def test_routed_law_effective_parameter_count() -> None:
    law = get_law("moe-routed")
    params = {"a": -0.08, "b": -0.1, "c": 0.002, "d": 1.1, "E_start": 2.0, "E_max": 300.0}
    N = np.array([1e8, 1e9])
    # one expert is the dense model itself; more experts act like a bigger dense model
    assert np.allclose(law.effective_parameter_count(params, N, np.ones(2)), N, rtol=1e-9)
    epc = law.effective_parameter_count(params, N, np.full(2, 64.0))
    assert np.all(epc > N)
    assert np.allclose(law.predict(params, N=epc, experts=np.ones(2)), law.predict(params, N=N, experts=np.full(2, 64.0)))


def test_krajewski_preset_is_table1_moe_row(kraj: FitResult) -> None:
    """Krajewski et al. 2024, Table 1 'MoE' row (checked against the paper text)."""
    assert kraj.params == pytest.approx({"a": 18.1, "alpha": 0.115, "b": 30.8, "beta": 0.147, "g": 2.1,
                                         "gamma": 0.58, "c": 0.47})
    # Table 2, first row: 64 x 100M active, D = 4.37B, G = 8 -> loss 3.133. The rounded Table 1 row gives
    # 3.110 with N = N_act (8E + 4) / 12 (the paper's Sec. 6.1 parameter count): within 0.03.
    n_total = 100e6 * (8 * 64 + 4) / 12
    assert float(kraj.predict(N=n_total, D=4.37e9, G=8)) == pytest.approx(3.133, abs=0.03)


def test_sparsity_law_by_hand() -> None:
    """Abnar et al. 2025, Eq. 6, with A = 1 - S; illustrative constants (no published preset is wired in)."""
    law = get_law("moe-sparsity")
    p = {"e": 1.5, "a": 400.0, "alpha": 0.3, "b": 400.0, "beta": 0.3, "c": 0.1, "lambda": -0.2, "d": 5.0,
         "delta": 0.2, "gamma": 0.1}
    N, D, S = 1e10, 2e11, 0.875
    A = 1 - S
    want = (400 / N**0.3 + 400 / D**0.3 + 0.1 / A**-0.2 + 5.0 / (A**0.2 * N**0.1) + 1.5)
    assert float(law.predict(p, N=N, D=D, A=A)) == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(2.8867, abs=1e-3)  # 0.4 + 0.163 + 0.066 + 0.758 + 1.5
    # lambda < 0: at fixed N and D the c-term falls as sparsity rises; dense (A = 1) is the S = 0 limit
    q = p | {"d": 1e-12}
    assert law.predict(q, N=N, D=D, A=0.05) < law.predict(q, N=N, D=D, A=1.0)


# a made-up but Abnar-shaped moe-sparsity law (the paper's constants are not published): the sparsity term
# c/A^λ with λ < 0 rewards activating more, the interaction term d/(A^δ N^γ) penalises very sparse small models
SPARSE = {"e": 1.6, "a": 480.0, "alpha": 0.34, "b": 1800.0, "beta": 0.34, "c": 0.02, "lambda": -0.15,
          "d": 8.0, "delta": 0.3, "gamma": 0.22}


def test_plan_sparsity_matches_brute_force() -> None:
    from scalinglab.planning.moe import plan_sparsity

    fit = FitResult.from_params("moe-sparsity", SPARSE)
    C = 1e21
    plan = plan_sparsity(fit, C, sparsities=(0.0, 0.5, 0.75, 0.875, 0.9375))
    logn = np.linspace(np.log(1e6), np.log(1e13), 20001)
    for o in plan.options:
        A = 1 - o.S
        n = np.exp(logn)
        brute = fit.predict(N=n, D=C / (6 * n * A), A=np.full_like(n, A))
        assert float(brute.min()) - 1e-7 < o.loss <= float(brute.min()) + 1e-12  # the polish beats the grid
        assert o.N_total == pytest.approx(float(n[np.argmin(brute)]), rel=2e-3)
        assert 6 * o.N_active * o.D == pytest.approx(C, rel=1e-12)  # spends exactly the budget on active params
    assert plan.best.loss == min(o.loss for o in plan.options)
    d = plan.to_dict()
    assert d["dense"]["sparsity"] == 0 and d["loss_gain_vs_dense"] == pytest.approx(
        d["dense"]["loss"] - plan.best.loss)
    with pytest.raises(PlanningError, match="moe-sparsity"):
        plan_sparsity(FitResult.from_preset("krajewski2024"), C)
    with pytest.raises(PlanningError, match=r"\[0, 1\)"):
        plan_sparsity(fit, C, sparsities=(0.5, 1.0))


def test_plan_moe_cli_dispatches_on_the_fit_law(cli, tmp_path) -> None:
    import json

    path = tmp_path / "sparse.json"
    FitResult.from_params("moe-sparsity", SPARSE).save(path)
    out = cli("plan", "moe", "--fit", path, "--compute", "1e21", "--sparsities", "0,0.5,0.75", "--json", check=True)
    data = json.loads(out.stdout)
    assert data["law"] == "moe-sparsity" and [o["sparsity"] for o in data["options"]] == [0.0, 0.5, 0.75]
    text = cli("plan", "moe", "--fit", path, "--compute", "1e21", check=True).stdout
    assert "best: sparsity" in text
    bad = cli("plan", "moe", "--fit", path, "--compute", "1e21", "--sparsities", "0,x")
    assert bad.returncode == 2 and "--sparsities" in bad.stderr and "Traceback" not in bad.stderr


# -- bug hunt: options the granularity plan ignored or could not compute ----------------------------------
def test_sparsities_without_a_sparsity_fit_is_an_error_not_ignored(cli) -> None:
    proc = cli("plan", "moe", "--compute", "1e22", "--sparsities", "0.5")  # the granularity plan ignored it
    assert proc.returncode == 2, proc.stdout
    assert "--sparsities goes with a moe-sparsity fit" in proc.stderr, proc.stderr


@pytest.mark.parametrize(("value", "needle"), [("0", "--granularities must be positive"),
                                               ("1e308", "G = 1e+308 is outside the float range")])
def test_bad_granularity_names_the_flag(cli, value, needle) -> None:
    # 0 read "granularities must be positive" (no flag); 1e308 printed RuntimeWarnings and a row of loss nan
    proc = cli("plan", "moe", "--compute", "1e22", "--granularities", value)
    assert proc.returncode == 2, proc.stdout
    assert needle in proc.stderr and "Warning" not in proc.stderr and "nan" not in proc.stdout, proc.stderr
