"""Brown et al. (2024, "Large Language Monkeys", §3.1, Eq. 2–3): log coverage = a · k^b.

Fitted as their App. C.1 does: ``scipy.optimize.curve_fit`` of a·k^b to the log of the measured coverage
at 40 log-spaced k from 1 to the samples drawn per problem (rounded to integers, duplicates dropped).
On all 10,000 samples of Pythia on MATH this gives b = −0.184 (70M) … −0.352 (12B), a = −7.67 … −3.98
(tests/data/external/test_time/SOURCE.md). k with zero measured coverage (log undefined) are left out.
``brown-upper`` is the same law fitted on the upper two decades of k only (k ≥ n/100).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.errors import InputError
from scalinglab.laws.base import Parameter
from scalinglab.testtime.base import Samples, TestTimeLaw, problem_weights
from scalinglab.testtime.passk import log_spaced_ks, pass_at_k


class BrownPowerLaw(TestTimeLaw):
    """log coverage(k) = a · k^b, a < 0, b < 0 (an exponentiated power law)."""

    name = "brown"
    title = "Brown et al. 2024 (Large Language Monkeys)"
    formula = "log coverage = a * k^b"
    parameters = (Parameter("a", -50.0, 0.0, description="log coverage at k = 1"),
                  Parameter("b", -5.0, 0.0, description="power-law exponent of -log coverage"))
    n_ks = 40
    #: Fit only k ≥ this share of the samples per problem (0: every k from 1, as Brown et al. do).
    k_from_share = 0.0

    def fit(self, data: Samples, weights: np.ndarray | None = None,
            start: Mapping[str, float] | None = None) -> dict[str, float]:
        from scipy.optimize import curve_fit

        self.check(data)
        w = problem_weights(weights, data.n_problems)
        ks = log_spaced_ks(int(data.n.min()), self.n_ks)
        ks = ks[ks >= self.k_from_share * int(data.n.min())]
        cov = np.array([np.average(pass_at_k(data.n, data.c, int(k)), weights=w) for k in ks])
        keep = cov > 0
        if keep.sum() < 2:
            raise InputError("coverage is zero at every k but one: no problem was solved, so log coverage "
                             "cannot be fitted")
        y = np.log(cov[keep])
        p0 = [start["a"], start["b"]] if start else [float(y[0]), -0.3]
        (a, b), _ = curve_fit(lambda k, a, b: a * k ** b, ks[keep].astype(float), y, p0=p0, maxfev=20000)
        return {"a": float(a), "b": float(b)}

    def coverage(self, params: Mapping[str, float], k: np.ndarray | float) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        return np.exp(params["a"] * k ** params["b"])

    def exponent(self, params: Mapping[str, float]) -> float | None:
        return -float(params["b"])

    def nothing_solved(self) -> dict[str, float]:
        """a at its lower bound and b = 0: coverage e^a ≈ 0 at every k (the fit's limit a → −∞)."""
        return {"a": float(self.parameters[0].lower), "b": 0.0}



class BrownUpperDecades(BrownPowerLaw):
    """Brown et al.'s law fitted on the upper two decades of k only (k from n/100 to n), the range nearest
    the extrapolation, where −log coverage is closest to a power law for models that solve few problems."""

    name = "brown-upper"
    title = "Brown et al. 2024, fitted on k in [n/100, n]"
    k_from_share = 0.01


#: The laws this module declares; ``registry`` builds the catalogue from them.
TEST_TIME_LAWS = (BrownPowerLaw, BrownUpperDecades)
