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
    assert np.allclose(law.predict(params, N=epc, E=np.ones(2)), law.predict(params, N=N, E=np.full(2, 64.0)))
