"""Cost planner: FLOPs → GPU-hours → dollars and energy, with worked numbers."""

from __future__ import annotations

import json

import pytest

import scalinglab.planning  # noqa: F401  (registers sardana2024)
from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.planning.cost import CostSetup, get_accelerator, plan_cost
from scalinglab.planning.inference import plan_inference


@pytest.fixture(scope="module")
def fit() -> FitResult:
    return FitResult.from_preset("sardana2024")


def test_breakdown_worked_by_hand() -> None:
    # N = 1e9 trained on D = 2e10: 6ND = 1.2e20 FLOPs. H100 dense bf16 989e12 FLOP/s at MFU 0.5
    # → 1.2e20 / 4.945e14 = 242 669.4 s = 67.408 GPU-h; at $2/h = $134.82; at 700 W = 47.19 kWh.
    h100 = get_accelerator("h100", price_per_hour=2.0)
    setup = CostSetup(h100, h100, requests=0, input_tokens=0, output_tokens=0, mfu_train=0.5)
    b = setup.breakdown(1e9, 2e10)
    assert b.training_flops == pytest.approx(1.2e20)
    assert b.gpu_hours_train == pytest.approx(67.408, rel=1e-4)
    assert b.dollars == pytest.approx(134.82, rel=1e-4)
    assert b.energy_kwh == pytest.approx(47.19, rel=1e-3)
    # serving 1e6 requests × (1000 in + 100 out): prompt 2·1e9·1e9 = 2e18 FLOPs at MFU 0.5 → 1.1234 GPU-h,
    # generation 2·1e9·1e8 = 2e17 at MFU 0.1 → 0.5617 GPU-h; together 1.6852 GPU-h = $3.370.
    serve = CostSetup(h100, h100, requests=1e6, input_tokens=1000, output_tokens=100, mfu_train=0.5,
                      mfu_prompt=0.5, mfu_generate=0.1)
    s = serve.breakdown(1e9, 2e10)
    assert s.gpu_hours_inference == pytest.approx(1.6852, rel=1e-4)
    assert s.dollars_inference == pytest.approx(3.3704, rel=1e-4)


def test_equal_rates_reduce_to_flop_planning(fit: FitResult) -> None:
    # Same accelerator, price and MFU everywhere: dollars ∝ FLOPs, so the cost optimum is the FLOP optimum
    # with D_inf = requests × (input + output) tokens.
    a100 = get_accelerator("a100")
    setup = CostSetup(a100, a100, requests=1e9, input_tokens=800, output_tokens=200, mfu_train=0.4,
                      mfu_prompt=0.4, mfu_generate=0.4)
    cost = plan_cost(fit, setup, reference_params=13e9)
    flops = plan_inference(fit, inference_tokens=1e12, reference_params=13e9)
    assert cost.optimal.N == pytest.approx(flops.optimal.N, rel=1e-9)
    assert cost.saving("dollars") == pytest.approx(flops.flops_saving, rel=1e-9)


def test_slow_decoding_pushes_to_smaller_models(fit: FitResult) -> None:
    h100 = get_accelerator("h100")
    fast = CostSetup(h100, h100, 1e9, 500, 500, mfu_generate=0.5)
    slow = CostSetup(h100, h100, 1e9, 500, 500, mfu_generate=0.05)
    assert plan_cost(fit, slow, reference_params=7e9).optimal.N < plan_cost(fit, fast, reference_params=7e9).optimal.N
    # int8 serving halves the per-FLOP serving cost → a larger model is affordable
    int8 = CostSetup(h100, h100, 1e9, 500, 500, mfu_generate=0.05, inference_precision="int8")
    assert plan_cost(fit, int8, reference_params=7e9).optimal.N > plan_cost(fit, slow, reference_params=7e9).optimal.N


def test_cost_cli(cli) -> None:
    proc = cli("plan", "cost", "--preset", "sardana2024", "--reference-params", "30e9", "--requests", "1e10",
               "--input-tokens", "1000", "--output-tokens", "200", "--gpu", "h100", "--price", "2.0", "--json",
               check=True)
    d = json.loads(proc.stdout)
    o = d["optimal"]
    assert d["N"] < 30e9 and 0 < d["saving"]["dollars"] < 1
    # dollars are GPU-hours × the overridden price; energy is GPU-hours × 700 W
    assert d["dollars"] == pytest.approx(2.0 * d["gpu_hours"], rel=1e-12)
    assert d["energy_kwh"] == pytest.approx(0.7 * d["gpu_hours"], rel=1e-12)
    assert o["training_flops"] == pytest.approx(6 * d["N"] * d["D"], rel=1e-12)


@pytest.mark.parametrize("kwargs", [dict(mfu_train=0.0), dict(mfu_generate=1.5), dict(requests=-1)])
def test_bad_setup(kwargs) -> None:
    h100 = get_accelerator("h100")
    base = dict(requests=1e6, input_tokens=10, output_tokens=10) | kwargs
    with pytest.raises(PlanningError):
        CostSetup(h100, h100, **base)


def test_unknown_accelerator() -> None:
    with pytest.raises(PlanningError, match="known"):
        get_accelerator("tpu-v99")


def test_bad_inference_price_names_its_own_flag(cli) -> None:
    # bug hunt: --inference-price -1 said "--price must be positive" (the training price's flag)
    proc = cli("plan", "cost", "--input-tokens", "100", "--output-tokens", "100", "--requests", "1e9",
               "--target-loss", "2.5", "--preset", "epoch2024", "--inference-price", "-1")
    assert proc.returncode == 2, proc.stderr
    assert "--inference-price must be positive" in proc.stderr and "--price " not in proc.stderr, proc.stderr
