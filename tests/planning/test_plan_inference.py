"""Inference-aware allocation (Sardana et al. 2024, "Beyond Chinchilla-Optimal")."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.planning.compute_optimal import ChinchillaTerms
from scalinglab.planning.inference import plan_inference


@pytest.fixture(scope="module")
def sardana() -> FitResult:
    import scalinglab.planning  # noqa: F401  (registers the sardana2024 preset)

    return FitResult.from_preset("sardana2024")


def test_sardana_7b_reference_with_1e11_inference_tokens(cli) -> None:
    """Sardana et al. 2024, Sec. 2 text: a 7B-quality model serving 1e11 tokens → ~6.0B params on 1.18× data."""
    proc = cli("plan", "inference", "--preset", "sardana2024", "--reference-params", "7e9",
               "--inference-tokens", "1e11", "--json", check=True)
    d = json.loads(proc.stdout)
    assert d["reference"]["N"] == pytest.approx(7e9, rel=1e-9)
    assert d["N"] == pytest.approx(6.0e9, rel=0.01)
    assert d["D"] / d["reference"]["D"] == pytest.approx(1.18, abs=0.005)
    assert d["flops"] == pytest.approx(6 * d["N"] * d["D"] + 2 * d["N"] * 1e11, rel=1e-12)
    assert 0 < d["flops_saving"] < 0.02  # a small saving at low inference demand


def test_sardana_30b_reference_with_1e13_inference_tokens(sardana: FitResult) -> None:
    """Sardana et al. 2024, Sec. 2 text: 30B-quality, 1e13 inference tokens → 13.6B params, 2.84× data, 28 % fewer FLOPs."""
    d = plan_inference(sardana, inference_tokens=1e13, reference_params=30e9).to_dict()
    assert d["N"] == pytest.approx(13.6e9, rel=0.01)
    assert d["token_ratio"] == pytest.approx(2.84, abs=0.01)
    assert d["flops_saving"] == pytest.approx(0.28, abs=0.005)


def test_optimum_is_a_minimum_on_the_iso_loss_curve(sardana: FitResult) -> None:
    terms = ChinchillaTerms.from_params(sardana.params)
    plan = plan_inference(sardana, inference_tokens=2e12, target_loss=2.0)
    N, D = plan.optimal.N, plan.optimal.D
    assert float(terms.loss(N, D)) == pytest.approx(2.0, rel=1e-10)

    def cost_at(n: float) -> float:  # stay on the curve: solve D for L(n, D) = 2.0
        d = (terms.B / (2.0 - terms.E - terms.A * n ** -terms.alpha)) ** (1 / terms.beta)
        return 6 * n * d + 2 * n * 2e12

    assert cost_at(N) < cost_at(N * 1.01) and cost_at(N) < cost_at(N * 0.99)


def test_zero_inference_reduces_to_chinchilla_closed_form(sardana: FitResult) -> None:
    opt = sardana.optimal(1e23)
    plan = plan_inference(sardana, inference_tokens=0, target_loss=float(opt["loss"]))
    assert plan.optimal.N == pytest.approx(float(opt["N"]), rel=1e-8)
    assert plan.optimal.D == pytest.approx(float(opt["D"]), rel=1e-8)
    assert plan.flops_saving == pytest.approx(0.0, abs=1e-12)


def test_more_inference_means_smaller_models(sardana: FitResult) -> None:
    sizes = [plan_inference(sardana, inference_tokens=t, reference_params=13e9).optimal.N
             for t in (0, 1e11, 1e12, 1e13, 1e14)]
    assert np.all(np.diff(sizes) < 0)


@pytest.mark.parametrize("kwargs", [dict(target_loss=1.69), dict(target_loss=1.0), dict(reference_params=-5.0),
                                    dict(target_loss=2.0, reference_params=7e9), dict()])
def test_impossible_requests_raise(sardana: FitResult, kwargs) -> None:
    with pytest.raises(PlanningError):
        plan_inference(sardana, inference_tokens=1e11, **kwargs)


def test_unreachable_loss_is_one_line_exit_2(cli) -> None:
    proc = cli("plan", "inference", "--preset", "sardana2024", "--target-loss", "1.5", "--inference-tokens", "1e11")
    assert proc.returncode == 2
    assert "unreachable" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
