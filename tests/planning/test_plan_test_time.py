"""Test-time compute multiplier (Snell et al. 2024, Sec. 7): K = M + 3(M − 1)/R."""

from __future__ import annotations

import json

import pytest

from scalinglab.errors import PlanningError
from scalinglab.planning.test_time import test_time_tradeoff as tradeoff


def test_worked_numbers() -> None:
    # M = 2, R = 1: K = 2 + 3·1/1 = 5.  M = 14, R = 0.16: K = 14 + 3·13/0.16 = 14 + 243.75 = 257.75.
    assert tradeoff(2, 1).K == pytest.approx(5.0)
    assert tradeoff(14, 0.16).K == pytest.approx(257.75)
    # R = 22 (Snell's inference-heavy setting): K = 14 + 39/22 ≈ 15.773, close to M.
    assert tradeoff(14, 22).K == pytest.approx(14 + 39 / 22)
    # M = 1 needs no extra compute whatever R is.
    assert tradeoff(1, 0.01).K == pytest.approx(1.0)


def test_flop_matching_identity() -> None:
    # X + K·Y = M(X + Y) with X = 6ND, Y = 2N·D_inf, for a concrete model.
    N, D, D_inf, M = 1e9, 2e10, 5e9, 4.0
    t = tradeoff(M, pretrain_tokens=D, inference_tokens=D_inf)
    X, Y = 6 * N * D, 2 * N * D_inf
    assert X + t.K * Y == pytest.approx(M * (X + Y), rel=1e-12)


def test_regimes() -> None:
    assert tradeoff(4, 0.1).regime == "test-time"
    assert tradeoff(4, 10).regime == "pretraining"


def test_cli_json(cli) -> None:
    d = json.loads(cli("plan", "test-time", "--size-ratio", "14", "--inference-ratio", "0.16", "--json",
                       check=True).stdout)
    assert d["K"] == pytest.approx(257.75) and d["regime"] == "test-time" and "easy" in d["explanation"]


@pytest.mark.parametrize("args", [(2, -1.0), (2, 0.0), (0.5, 1.0)])
def test_bad_inputs(args) -> None:
    with pytest.raises(PlanningError):
        tradeoff(*args)
