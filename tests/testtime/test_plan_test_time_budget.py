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
    assert again.best.to_dict()["cost"] == plan.best.cost and "<pre>" in again._repr_html_()
