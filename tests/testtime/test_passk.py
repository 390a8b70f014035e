"""Chen et al. (2021, Eq. 1) unbiased pass@k and Brown et al. (2024, Eq. 1) coverage."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from scalinglab.errors import InputError
from scalinglab.testtime.data import load_counts
from scalinglab.testtime.passk import coverage, log_spaced_ks, pass_at_k


def closed_form(n: int, c: int, k: int) -> Fraction:
    """1 − C(n−c, k)/C(n, k) in exact rational arithmetic (C(m, k) = 0 for m < k)."""
    return 1 - Fraction(comb(n - c, k), comb(n, k))


def test_matches_closed_form_on_random_cases() -> None:
    rng = np.random.default_rng(17)
    cases = []
    for _ in range(400):
        n = int(rng.integers(1, 400))
        c = int(rng.integers(0, n + 1))
        k = int(rng.integers(1, n + 1))
        cases.append((n, c, k))
    # edge cases: nothing correct, everything correct, k = n, k = 1, n − c = k and n − c = k − 1
    cases += [(50, 0, 7), (50, 50, 7), (50, 3, 50), (50, 0, 50), (50, 17, 1), (1, 0, 1), (1, 1, 1),
              (40, 30, 10), (40, 31, 10), (10000, 1, 10000), (10000, 2, 9999), (10000, 9999, 1)]
    for n, c, k in cases:
        assert pass_at_k(n, c, k) == pytest.approx(float(closed_form(n, c, k)), rel=1e-12, abs=1e-15), (n, c, k)


def test_vectorised_equals_elementwise() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(20, 300, size=60)
    c = np.array([rng.integers(0, m + 1) for m in n])
    got = pass_at_k(n, c, 20)
    want = [float(closed_form(int(a), int(b), 20)) for a, b in zip(n, c, strict=True)]
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("args", [(10, 2, 11), (10, 2, 0), (10, 11, 3), (10, -1, 3)])
def test_invalid_requests_are_errors(args) -> None:
    with pytest.raises(InputError):
        pass_at_k(*args)


def test_pythia_12b_coverage_is_the_mean_of_per_problem_estimates(test_data) -> None:
    counts = load_counts(test_data / "external/test_time/monkeys_pythia_math_10k.csv")
    g = counts.of("Pythia 12B")
    n, c = g["n"].to_numpy(), g["c"].to_numpy()
    ks = [1, 10, 100, 1000, 10000]
    got = coverage(n, c, ks)
    for j, k in enumerate(ks):
        mean = sum(closed_form(int(a), int(b), k) for a, b in zip(n, c, strict=True)) / len(n)
        assert got[j] == pytest.approx(float(mean), rel=1e-12)
    # SOURCE.md's table (values computed by the data's curator), to its 4 printed decimals
    assert np.round(got, 4) == pytest.approx([0.0232, 0.1568, 0.4834, 0.7233, 0.8750], abs=1e-12)


def test_log_spaced_ks() -> None:
    ks = log_spaced_ks(10000)
    assert ks[0] == 1 and ks[-1] == 10000 and np.all(np.diff(ks) > 0) and len(ks) <= 40
