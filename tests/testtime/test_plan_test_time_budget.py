"""`plan test-time` with a fitted test-time law: lifetime cost = 6ND + Q·2N·(P + k·T) (+ verifier), checked
by hand on a two-model case; dollars through `plan cost`'s catalogue; intervals from paired draws."""

from __future__ import annotations

import json
from math import exp, lgamma

import numpy as np
import pytest

from scalinglab.errors import PlanningError
from scalinglab.planning.cost import CostSetup, get_accelerator
from scalinglab.planning.test_time_budget import Workload, plan_test_time
from scalinglab.results import Result
from scalinglab.testtime.result import TestTimeFit

SMALL = {"model": "small", "N": 1e9, "D": 2e10, "params": {"alpha": 0.3, "beta": 3.0},
         "draws": [[0.3, 3.0], [0.25, 3.5], [0.35, 2.5]]}
BIG = {"model": "big", "N": 4e9, "D": 8e10, "params": {"alpha": 0.4, "beta": 2.0},
       "draws": [[0.4, 2.0], [0.45, 2.2], [0.3, 1.8]]}
Q, P, T = 1e6, 100.0, 50.0
KS = (1, 4, 16)


def fit() -> TestTimeFit:
    return TestTimeFit.from_dict({"law": "beta", "models": [SMALL, BIG]})


def acc(a: float, b: float, k: int) -> float:
    """1 − B(α, β + k)/B(α, β), by lgamma."""
    lb = lambda x, y: lgamma(x) + lgamma(y) - lgamma(x + y)  # noqa: E731
    return 1 - exp(lb(a, b + k) - lb(a, b))


def flops(m: dict, k: int, V: float = 0.0) -> float:
    return 6 * m["N"] * m["D"] + Q * 2 * m["N"] * (P + k * T) + Q * k * 2 * V * (P + T)


def test_costs_by_hand() -> None:
    # small, k = 4: 6·1e9·2e10 + 1e6·2e9·(100 + 4·50) = 1.2e20 + 6e17 = 1.206e20
    assert flops(SMALL, 4) == pytest.approx(1.206e20)
    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1.925e21, ks=KS)
    by = {(c.model, c.k): c for c in plan.candidates}
    assert by[("small", 4)].cost == pytest.approx(1.206e20, rel=1e-12)
    assert by[("big", 16)].cost == pytest.approx(1.92e21 + 8e17 + 6.4e18, rel=1e-12)
    assert by[("big", 16)].accuracy == pytest.approx(acc(0.4, 2.0, 16), rel=1e-12)


def test_budget_choice_runner_up_and_gap() -> None:
    # Budget 1.925e21: big fits with k = 1 (1.9212e21) and k = 4 (1.9224e21), not k = 16 (1.9272e21);
    # small fits at every k. Best = most accurate feasible; runner-up = best feasible of the other model.
    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1.925e21, ks=KS)
    feasible = [(m, k) for m in (SMALL, BIG) for k in KS if flops(m, k) <= 1.925e21]
    assert {(m["model"], k) for m, k in feasible} == {("small", 1), ("small", 4), ("small", 16), ("big", 1),
                                                      ("big", 4)}
    best = max(feasible, key=lambda mk: acc(*mk[0]["params"].values(), mk[1]))
    # acc(small, 16) = 0.4422 > acc(big, 4) = 0.3811: 16 samples of the small model beat 4 of the big one
    assert (plan.best.model, plan.best.k) == (best[0]["model"], best[1]) == ("small", 16)
    assert (plan.runner_up.model, plan.runner_up.k) == ("big", 4)
    assert plan.gap["accuracy"] == pytest.approx(acc(0.3, 3.0, 16) - acc(0.4, 2.0, 4), rel=1e-12)
    assert plan.gap["cost"] == pytest.approx(flops(BIG, 4) - flops(SMALL, 16), rel=1e-12)
    # paired draws: the gap's interval is over draw-by-draw differences
    diffs = [acc(*s, 16) - acc(*b, 4) for b, s in zip(BIG["draws"], SMALL["draws"], strict=True)]
    assert plan.gap["accuracy_interval"] == pytest.approx(list(np.percentile(diffs, [2.5, 97.5])), rel=1e-10)
    assert plan.gap["best_ahead_share"] == pytest.approx(np.mean(np.array(diffs) > 0))
    assert "more samples from the smaller model wins" in plan.text()


def test_target_accuracy_picks_the_cheapest() -> None:
    target = 0.45
    plan = plan_test_time(fit(), Workload(Q, P, T), target_accuracy=target, ks=KS)
    ok = [(m, k) for m in (SMALL, BIG) for k in KS if acc(*m["params"].values(), k) >= target]
    cheapest = min(ok, key=lambda mk: flops(*mk))
    assert (plan.best.model, plan.best.k) == (cheapest[0]["model"], cheapest[1])
    assert plan.best.cost == pytest.approx(flops(*cheapest), rel=1e-12)


def test_verifier_flops() -> None:
    V = 1e8  # verifier reads prompt + sample: Q·k·2V·(P + T) = 1e6·16·2e8·150 = 4.8e17 at k = 16
    plan = plan_test_time(fit(), Workload(Q, P, T, V), budget=1e22, ks=KS)
    c = next(c for c in plan.candidates if (c.model, c.k) == ("small", 16))
    assert c.verifier_flops == pytest.approx(4.8e17) and c.cost == pytest.approx(flops(SMALL, 16, V))


def test_dollars_through_the_accelerator_catalogue() -> None:
    h100 = get_accelerator("h100", 2.0)
    setup = CostSetup(h100, h100, Q, P, T, 0.4, 0.5, 0.1)
    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1e6, setup=setup, ks=KS)
    c = next(c for c in plan.candidates if (c.model, c.k) == ("small", 4))
    per_s = 2.0 / 3600  # $ per GPU-second
    want = (6 * 1e9 * 2e10 / (989e12 * 0.4) + Q * 2e9 * P / (989e12 * 0.5) + Q * 2e9 * 4 * T / (989e12 * 0.1)) * per_s
    assert c.cost == pytest.approx(want, rel=1e-12) and plan.unit == "USD"


def test_training_law_sets_tokens() -> None:
    from scalinglab.fitting.result import FitResult
    from scalinglab.laws.presets import available_presets

    available_presets()
    law = FitResult.from_preset("hoffmann2022")
    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1e24, training_law=law, ks=KS)
    p = law.params  # compute-optimal D for N: βB·D^−β = αA·N^−α
    D = (p["beta"] * p["B"] / (p["alpha"] * p["A"]) * 1e9 ** p["alpha"]) ** (1 / p["beta"])
    c = next(c for c in plan.candidates if c.model == "small")
    assert c.D == pytest.approx(D, rel=1e-12)


@pytest.mark.parametrize("kwargs", [{"budget": 1e10}, {"target_accuracy": 0.99}, {},
                                    {"budget": 1e22, "target_accuracy": 0.5}])
def test_impossible_requests(kwargs) -> None:
    with pytest.raises(PlanningError):
        plan_test_time(fit(), Workload(Q, P, T), ks=KS, **kwargs)


def test_plan_round_trips() -> None:
    from scalinglab.planning.test_time_budget import TestTimePlan

    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1.925e21, ks=KS)
    d = json.loads(json.dumps(plan.to_dict()))
    again = TestTimePlan.from_dict(d)
    assert again.best.to_dict()["cost"] == plan.best.cost and "<pre" in again._repr_html_()


# -- the law across sizes: candidate sizes that were never measured ------------------------------------------
def _chinchilla(E: float, A: float, B: float, draws: list[list[float]]) -> dict:
    return {"law": "chinchilla", "params": {"E": E, "A": A, "alpha": 0.3, "B": B, "beta": 0.3},
            "bootstrap": {"draws": draws}}


# draws are parameter vectors in the law's order (E, A, B, alpha, beta)
SIZE_LAW = {"by_k": {"1": _chinchilla(0.1, 1000.0, 1000.0, [[0.1, 1000.0, 1000.0, 0.3, 0.3],
                                                            [0.2, 900.0, 1100.0, 0.3, 0.3]]),
                     "16": _chinchilla(0.05, 300.0, 300.0, [[0.05, 300.0, 300.0, 0.3, 0.3],
                                                           [0.1, 250.0, 350.0, 0.28, 0.3]])}}


def pass_k(p: dict, N: float, D: float) -> float:
    """exp(−(E + A/N^α + B/D^β)): −log pass@k = E(k) + A(k)·N^−β(k) + B(k)·D^−γ(k)."""
    return exp(-(p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]))


def test_size_law_plans_sizes_never_measured(tmp_path) -> None:
    from scalinglab.testtime.sizes import SizeLaw

    law = SizeLaw.from_dict(SIZE_LAW)
    path = tmp_path / "sizes.json"
    law.save(path)
    law = SizeLaw.load(path)  # the --out file reads back, draws included
    D = 2e10
    # by hand, N = 1e9, k = 16: N^0.3 = 501.19, D^0.3 = 1230.3 → −log pass = 0.05 + 0.5986 + 0.2438 = 0.8924
    assert pass_k(SIZE_LAW["by_k"]["16"]["params"], 1e9, D) == pytest.approx(exp(-0.8924), rel=1e-3)
    sizes = (1e9, 2.5e9, 4e9)
    budget = 6.2e20
    plan = plan_test_time(law, Workload(Q, P, T), budget=budget, train_tokens=D, sizes=sizes)
    by = {(c.N, c.k): c for c in plan.candidates}
    assert set(by) == {(N, k) for N in sizes for k in (1, 16)}
    for (N, k), c in by.items():
        assert c.accuracy == pytest.approx(pass_k(SIZE_LAW["by_k"][str(k)]["params"], N, D), rel=1e-12)
        assert c.cost == pytest.approx(6 * N * D + Q * 2 * N * (P + k * T), rel=1e-12)
    # 2.5e9 at k = 16: 6·2.5e9·2e10 + 1e6·5e9·(100 + 800) = 3e20 + 4.5e18 = 3.045e20 ≤ budget;
    # 4e9 at k = 1 costs 4.8e20 + 1.2e18 = 4.812e20 and k = 16 costs 4.8e20 + 7.2e18 = 4.872e20: both fit
    feasible = [(N, k) for N in sizes for k in (1, 16) if 6 * N * D + Q * 2 * N * (P + k * T) <= budget]
    best = max(feasible, key=lambda nk: pass_k(SIZE_LAW["by_k"][str(nk[1])]["params"], *[nk[0], D]))
    assert (plan.best.N, plan.best.k) == best == (4e9, 16)
    assert plan.runner_up.N == 2.5e9 and plan.runner_up.k == 16  # the best of another size
    # paired intervals: draw b of every size comes from the same resample
    dk = SIZE_LAW["by_k"]["16"]["bootstrap"]["draws"]
    names = ("E", "A", "B", "alpha", "beta")
    diffs = [pass_k(dict(zip(names, r, strict=True)), 4e9, D) - pass_k(dict(zip(names, r, strict=True)), 2.5e9, D)
             for r in dk]
    assert plan.gap["accuracy_interval"] == pytest.approx(list(np.percentile(diffs, [2.5, 97.5])), rel=1e-10)
    assert plan.law == "sizes" and "N = 4B" in plan.text()


def test_size_law_needs_sizes_tokens_and_fitted_ks() -> None:
    from scalinglab.testtime.sizes import SizeLaw

    law = SizeLaw.from_dict(SIZE_LAW)
    with pytest.raises(PlanningError, match="sizes"):
        plan_test_time(law, Workload(Q, P, T), budget=1e21, train_tokens=2e10)
    with pytest.raises(PlanningError, match="training tokens"):
        plan_test_time(law, Workload(Q, P, T), budget=1e21, sizes=(1e9,))
    with pytest.raises(PlanningError, match="k = 4"):
        plan_test_time(law, Workload(Q, P, T), budget=1e21, train_tokens=2e10, sizes=(1e9,), ks=(1, 4))


def test_plan_file_reads_back_and_bad_files_name_the_key(tmp_path) -> None:
    from scalinglab.errors import InputError
    from scalinglab.planning.test_time_budget import TestTimePlan

    plan = plan_test_time(fit(), Workload(Q, P, T), budget=1.925e21, ks=KS)
    path = tmp_path / "plan.json"
    plan.save(path)
    again = TestTimePlan.load(path)
    assert isinstance(again, Result)
    assert again.to_dict() == json.loads(path.read_text())  # intervals survive without the draws
    d = json.loads(path.read_text())
    d["best"]["cost"] = "cheap"
    path.write_text(json.dumps(d))
    with pytest.raises(InputError, match=r"plan.json, key 'best.cost'"):
        TestTimePlan.load(path)
