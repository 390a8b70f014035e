"""Snell et al. 2024's difficulty bins (quintiles of estimated pass@1) with samples allocated per bin:
a hand-checked small case, and the gain over uniform sampling on Pythia's MATH samples."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.testtime.bins import allocate_by_difficulty
from scalinglab.testtime.data import load_counts

MONKEYS = "external/test_time/monkeys_pythia_math_10k.csv"


def test_two_bins_by_hand() -> None:
    # 4 problems, 4 samples each, c = 0, 0, 2, 4: the hard bin {a, b} can never be solved; the easy bin {c, d}
    # has pass@1 = (1/2 + 1)/2 = 0.75, pass@2 = (1 − C(2,2)/C(4,2) + 1)/2 = (5/6 + 1)/2, pass@3 = 1.
    # Budget: 2 samples per problem on average = 8. Best: 0 to the hard bin, 3 to the easy one (6 ≤ 8; k = 4
    # gains nothing more, so the smaller k is kept) → coverage (0 + 0 + 1 + 1)/4 = 0.5; uniform k = 2 →
    # (0 + 0 + 5/6 + 1)/4 = 11/24.
    table = load_counts(pd.DataFrame({"model": "m", "N": 1e9, "problem": list("abcd"), "n": 4, "c": [0, 0, 2, 4]}))
    r = allocate_by_difficulty(table, 2, n_bins=2)
    m = r.models[0]
    assert m.problems == [["a", "b"], ["c", "d"]] and m.k == [0, 3]
    assert m.coverage == pytest.approx(0.5) and m.uniform_coverage == pytest.approx(11 / 24)
    assert m.gain == pytest.approx(1 / 24)
    assert json.loads(r.to_json())["models"][0]["bins"][1] == {"problems": 2, "pass1_range": [0.5, 1.0], "k": 3}


def test_pythia_gain_out_of_sample(test_data) -> None:
    # Bins and allocation from the first 1,000 samples; coverage measured on all 10,000.
    counts = load_counts(test_data / MONKEYS)
    r = allocate_by_difficulty(counts.subsample(1000, seed=0), 100, evaluate_on=counts,)
    for m in r.models:
        assert sum(len(p) * k for p, k in zip(m.problems, m.k, strict=True)) <= 100 * 128
        assert m.gain > 0, m.model  # never worse than uniform: uniform is a feasible allocation
    assert "binned" in r.text() and r.evaluated_on == counts.source


def test_bad_requests(test_data) -> None:
    counts = load_counts(test_data / MONKEYS).subsample(100, seed=0)
    with pytest.raises(InputError, match="more than the 100"):
        allocate_by_difficulty(counts, 200)
    with pytest.raises(InputError, match="positive whole number"):
        allocate_by_difficulty(counts, 0)


def test_cli_bins(cli, test_data) -> None:
    d = json.loads(cli("test-time", "bins", test_data / MONKEYS, "--samples-per-problem", "10", "--pilot", "1000",
                       "--json", check=True).stdout)
    assert d["samples_per_problem"] == 10 and len(d["models"]) == 7 and "first 1000" in d["source"]
    proc = cli("test-time", "bins", test_data / MONKEYS, "--samples-per-problem", "20000")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
