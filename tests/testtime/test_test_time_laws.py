"""Test-time laws: Brown et al. 2024's power law, Schaeffer et al. 2025's Beta-binomial family, the
saturating law for aggregate curves; each against reference values or synthetic data with known truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln

from scalinglab.errors import InputError
from scalinglab.testtime.base import Samples
from scalinglab.testtime.data import load_counts
from scalinglab.testtime.registry import DEFAULT_LAW, available_test_time_laws, get_test_time_law

MONKEYS = "external/test_time/monkeys_pythia_math_10k.csv"


@pytest.fixture(scope="module")
def counts(test_data):
    return load_counts(test_data / MONKEYS)


def samples(table, model: str) -> Samples:
    g = table.of(model)
    return Samples(n=g["n"].to_numpy(), c=g["c"].to_numpy())


def test_registry_lists_every_law_and_the_default() -> None:
    names = available_test_time_laws()
    assert {"brown", "brown-upper", "beta", "beta-zero", "scaled-beta", "scaled-beta-zero", "saturating"} <= set(names)
    assert DEFAULT_LAW in names


def test_brown_fit_reproduces_the_app_c1_regression(counts) -> None:
    # SOURCE.md: curve_fit of log c = a·k^b on 40 log-spaced k in [1, 1e4] gives, on all 10,000 samples,
    # a = −7.67, b = −0.184 for Pythia 70M and a = −3.98, b = −0.352 for 12B.
    law = get_test_time_law("brown")
    p70 = law.fit(samples(counts, "Pythia 70M"))
    p12 = law.fit(samples(counts, "Pythia 12B"))
    assert (round(p70["a"], 2), round(p70["b"], 3)) == (-7.67, -0.184)
    assert (round(p12["a"], 2), round(p12["b"], 3)) == (-3.98, -0.352)


def test_brown_upper_fits_only_the_upper_two_decades(counts) -> None:
    # brown-upper: the same least squares of log coverage = a·k^b, on the App. C.1 grid's k ≥ n/100 only.
    from scipy.optimize import curve_fit

    from scalinglab.testtime.passk import coverage, log_spaced_ks

    data = samples(counts, "Pythia 70M")
    ks = log_spaced_ks(10000, 40)
    ks = ks[ks >= 100]
    y = np.log(coverage(data.n, data.c, ks))
    (a, b), _ = curve_fit(lambda k, a, b: a * k ** b, ks.astype(float), y, p0=[-5.0, -0.2], maxfev=20000)
    got = get_test_time_law("brown-upper").fit(data)
    assert got == pytest.approx({"a": a, "b": b}, rel=1e-5)
    # on 70M the upper decades are steeper than the whole range (b = −0.184 from k = 1)
    assert got["b"] < get_test_time_law("brown").fit(data)["b"] - 0.01


def test_beta_binomial_mle_reproduces_source_alphas(counts) -> None:
    # SOURCE.md: 2-parameter Beta-binomial MLE α = 0.065 (70M) … 0.296 (12B) on all 10,000 samples.
    law = get_test_time_law("beta")
    want = {"Pythia 70M": 0.065, "Pythia 160M": 0.176, "Pythia 1B": 0.216, "Pythia 12B": 0.296}
    for model, alpha in want.items():
        assert law.fit(samples(counts, model))["alpha"] == pytest.approx(alpha, abs=6e-4), model


def test_beta_coverage_is_the_beta_expectation() -> None:
    # E[1 − (1 − p)^k] for p ~ Beta(α, β), by quadrature of the density, equals 1 − B(α, β+k)/B(α, β).
    law = get_test_time_law("beta")
    a, b, k = 0.7, 3.0, 25.0
    p = np.linspace(0, 1, 400001)[1:-1]
    dens = np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p) - betaln(a, b))
    want = np.trapezoid(dens * (1 - (1 - p) ** k), p)
    assert law.coverage({"alpha": a, "beta": b}, k) == pytest.approx(want, rel=2e-3)


@pytest.mark.parametrize(("a", "b"), [(0.06, 2.0), (0.3, 10.0), (2.0, 0.5)])
def test_scaled_beta_quadrature_reduces_to_the_closed_form(a: float, b: float) -> None:
    scaled, plain = get_test_time_law("scaled-beta"), get_test_time_law("beta")
    ks = np.array([1.0, 100.0, 10000.0])
    got = scaled.coverage({"alpha": a, "beta": b, "scale": 1.0}, ks)
    assert got == pytest.approx(plain.coverage({"alpha": a, "beta": b}, ks), rel=2e-3)


def test_beta_zero_recovers_synthetic_parameters() -> None:
    rng = np.random.default_rng(5)
    m, n = 4000, 500
    p = np.where(rng.random(m) < 0.3, 0.0, rng.beta(0.4, 6.0, m))
    data = Samples(n=np.full(m, n), c=rng.binomial(n, p))
    fit = get_test_time_law("beta-zero").fit(data)
    assert fit["zero_mass"] == pytest.approx(0.3, abs=0.04)
    assert fit["alpha"] == pytest.approx(0.4, rel=0.15)
    assert fit["beta"] == pytest.approx(6.0, rel=0.3)


def test_scaled_beta_recovers_the_scale() -> None:
    rng = np.random.default_rng(8)
    m, n = 1500, 300
    p = 0.4 * rng.beta(1.5, 2.0, m)
    fit = get_test_time_law("scaled-beta").fit(Samples(n=np.full(m, n), c=rng.binomial(n, p)))
    assert fit["scale"] == pytest.approx(0.4, rel=0.1)


def test_saturating_law_recovers_a_curve_below_one() -> None:
    law = get_test_time_law("saturating")
    k = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256], dtype=float)
    acc = 0.62 - 0.3 * k ** -0.55
    fit = law.fit(Samples(k=k, accuracy=acc))
    assert fit["L"] == pytest.approx(0.62, abs=1e-4) and fit["gamma"] == pytest.approx(0.55, rel=1e-3)
    assert law.coverage(fit, 1e6) < 0.62


def test_laws_refuse_the_wrong_kind_of_data() -> None:
    with pytest.raises(InputError):
        get_test_time_law("beta").fit(Samples(k=np.arange(1.0, 9.0), accuracy=np.linspace(0.1, 0.5, 8)))
    with pytest.raises(InputError):
        get_test_time_law("saturating").fit(Samples(n=np.full(5, 10), c=np.arange(5)))
