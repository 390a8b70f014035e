"""Approach 2 as Porian et al. (2024) do it, on their released IsoFLOP runs and on a known law."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.data.runs import load_runs
from scalinglab.fitting.approaches import ApproachResult, approach2

# The seed-to-seed loss noise Porian et al. use for each dataset's bootstrap (their released configs.py:
# RW_SEED_CONFIG noise_low = 0.002, OWT2_SEED_CONFIG noise_low = 0.01).
SEED_NOISE = {"rw": 0.002, "owt2": 0.01}
#: Hoffmann et al. 2022, Table 2, Approach 2: a = 0.49 with interval (0.462, 0.534). Porian et al. report
#: that with their three corrections (last-layer FLOPs, warmup, tuning) the exponent agrees with Hoffmann's.
HOFFMANN_A2 = (0.462, 0.534)


def porian(test_data, config: str, n_bootstrap: int = 400) -> ApproachResult:
    runs = load_runs(test_data / "external" / "porian2024" / "isoflop_runs.csv", require=("N", "D", "C", "loss"),
                     where=f"config == '{config}'")
    return approach2(runs, method="porian", seed_noise=SEED_NOISE[config.split("|")[0]],
                     n_bootstrap=n_bootstrap, seed=0, fit_loss=False)


@pytest.mark.parametrize("dataset", ["rw", "owt2"])
def test_corrected_setting_agrees_with_hoffmann(test_data, dataset: str) -> None:
    """Experiment 'optimizer tuning (no decay)' (tuned|short|const|standard|val), both datasets."""
    res = porian(test_data, f"{dataset}|tuned|short|const|standard|val")
    lo, hi = res.ci()["a"]
    assert HOFFMANN_A2[0] < res.a < HOFFMANN_A2[1]
    assert lo < 0.5 < hi  # Hoffmann's a = 0.5 lies inside our bootstrap interval
    assert lo < res.a < hi and hi - lo < 0.08
    assert len(res.points) == 12  # every budget 1.25e16 ... 2.56e19 has an interior minimum
    assert res.a + res.b == pytest.approx(1.0, abs=0.01)  # D = C / (FLOPs per token), FLOPs/token ∝ N


def test_each_correction_lowers_the_exponent(test_data) -> None:
    """Porian et al., Fig. 1 (RefinedWeb): reproducing Kaplan → last-layer FLOPs → warmup → tuning, a falls."""
    steps = ["rw|base|long|kaplan|kaplan|train", "rw|base|long|kaplan|standard|val",
             "rw|base|short|kaplan|standard|val", "rw|tuned|short|const|standard|val"]
    a = [porian(test_data, s, n_bootstrap=100).a for s in steps]
    assert a[0] > 0.8  # the Kaplan-like setting: N* grows much faster than C^0.5
    assert all(x > y for x, y in zip(a, a[1:], strict=False))


#: Porian et al. 2024, Table 1: the exponent a of N*(C) ∝ C^a with its 95 % bootstrap interval, per experiment
#: (the five steps of their Fig. 1 on each dataset; intervals printed to two decimals). The arXiv text was not
#: reachable from this project; these are the Table 1 entries as transcribed in public notes on the paper
#: (two separate transcriptions agree entry for entry, and the authors' paper_tables.py prints the interval
#: as the 2.5/97.5 % quantiles of the weighted fit's exponent over the bootstrap draws, as we do).
PORIAN_TABLE1 = {
    "rw|base|long|kaplan|kaplan|train": (0.835, 0.82, 0.85),      # reproducing Kaplan
    "rw|base|long|kaplan|standard|val": (0.706, 0.69, 0.72),      # + last-layer FLOPs
    "rw|base|short|kaplan|standard|val": (0.602, 0.59, 0.62),     # + warmup
    "rw|base|short|chinchilla|standard|val": (0.571, 0.56, 0.59), # + cosine decay
    "rw|tuned|short|const|standard|val": (0.497, 0.49, 0.50),     # + optimizer tuning, no decay
    "owt2|base|long|kaplan|kaplan|train": (0.864, 0.82, 0.90),
    "owt2|base|long|kaplan|standard|val": (0.699, 0.66, 0.72),
    "owt2|base|short|kaplan|standard|val": (0.603, 0.57, 0.63),
    "owt2|base|short|chinchilla|standard|val": (0.574, 0.54, 0.61),
    "owt2|tuned|short|const|standard|val": (0.518, 0.49, 0.54),
}


@pytest.mark.parametrize("config", list(PORIAN_TABLE1))
def test_exponent_within_porian_table1_interval(test_data, config: str) -> None:
    """All ten experiments of Porian et al.'s Table 1 (RefinedWeb and OpenWebText2 × five steps), 1000 draws:
    our a lies in their published 95 % interval, is their point estimate to within 0.006, and our interval's
    ends are theirs to within 0.01 (their two-decimal rounding plus Monte-Carlo error)."""
    a_pub, lo_pub, hi_pub = PORIAN_TABLE1[config]
    res = porian(test_data, config, n_bootstrap=1000)
    lo, hi = res.ci()["a"]
    assert lo_pub <= res.a <= hi_pub
    assert res.a == pytest.approx(a_pub, abs=0.006)
    assert lo == pytest.approx(lo_pub, abs=0.01) and hi == pytest.approx(hi_pub, abs=0.01)


def synthetic_isoflops(a_true: float, sizes_per_budget: int = 9, edge_budget: bool = False) -> pd.DataFrame:
    """IsoFLOP runs of the Chinchilla law (epoch2024 constants) under C = 6ND."""
    E, A, B, alpha, beta = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    rows = []
    for C in np.geomspace(1e18, 1e21, 7):
        n_opt = G * (C / 6) ** (beta / (alpha + beta))
        centre = n_opt * (30 if edge_budget and C == 1e21 else 1)
        for N in centre * np.geomspace(1 / 8, 8, sizes_per_budget):
            D = C / (6 * N)
            rows.append({"C": C, "N": N, "D": D, "loss": E + A / N ** alpha + B / D ** beta})
    return pd.DataFrame(rows)


def test_recovers_a_known_exponent() -> None:
    a_true = 0.3658 / (0.3478 + 0.3658)
    res = approach2(load_runs(synthetic_isoflops(a_true), require=("N", "D", "C", "loss")), method="porian",
                    seed_noise=0.002, n_bootstrap=200, seed=3, fit_loss=False)
    assert res.a == pytest.approx(a_true, abs=0.01)
    assert res.ci()["a"][0] < a_true < res.ci()["a"][1]


def test_budget_with_minimum_on_the_edge_is_dropped() -> None:
    runs = load_runs(synthetic_isoflops(0.5, edge_budget=True), require=("N", "D", "C", "loss"))
    res = approach2(runs, method="porian", seed_noise=0.002, n_bootstrap=100, seed=0, fit_loss=False)
    assert len(res.points) == 6 and max(p["C"] for p in res.points) < 1e21


def test_seeded_and_serialisable(tmp_path) -> None:
    runs = load_runs(synthetic_isoflops(0.5), require=("N", "D", "C", "loss"))
    r1 = approach2(runs, method="porian", n_bootstrap=50, seed=5)
    r2 = approach2(runs, method="porian", n_bootstrap=50, seed=5)
    assert np.array_equal(r1.draws, r2.draws)
    path = tmp_path / "a.json"
    r1.save(path)
    again = ApproachResult.load(path)
    assert again.ci() == r1.ci()
    assert again.optimal(1e22)["N"] == pytest.approx(r1.optimal(1e22)["N"], rel=1e-12)
    assert float(again.predict_loss(1e22)) == pytest.approx(float(r1.predict_loss(1e22)), rel=1e-12)
