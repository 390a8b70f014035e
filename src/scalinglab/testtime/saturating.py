"""A saturating law for aggregate curves (majority vote, best-of-N with a reward model): accuracy rises
with k toward a limit below 1 (Wu et al. 2024, "Inference Scaling Laws", Sec. 4: majority voting and
weighted voting converge as k grows, to an accuracy set by the model and the reward model, not to 1).

    acc(k) = L − B · k^(−γ),   0 < L ≤ 1, B ≥ 0, γ > 0,

fitted by least squares on (k, accuracy) with the bounds held. For curves without per-problem counts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.laws.base import Parameter
from scalinglab.testtime.base import Samples, TestTimeLaw


class SaturatingLaw(TestTimeLaw):
    """acc(k) = L − B·k^(−γ): a power-law approach to the limit L < 1."""

    name = "saturating"
    title = "Saturating accuracy (majority vote / best-of-N, Wu et al. 2024)"
    formula = "acc(k) = L - B * k^(-gamma)"
    data_kind = "curves"
    parameters = (Parameter("L", 0.0, 1.0, description="limit of the accuracy as k → ∞"),
                  Parameter("B", 0.0, 1.0, description="gap to the limit at k = 1"),
                  Parameter("gamma", 1e-4, 5.0, description="rate of approach"))

    def fit(self, data: Samples, weights: np.ndarray | None = None,
            start: Mapping[str, float] | None = None) -> dict[str, float]:
        from scipy.optimize import least_squares

        self.check(data)
        k, acc = np.asarray(data.k, dtype=float), np.asarray(data.accuracy, dtype=float)
        w = np.ones_like(k) if weights is None else np.sqrt(np.asarray(weights, dtype=float))
        lo, hi = zip(*[(p.lower, p.upper) for p in self.parameters], strict=True)

        def resid(theta: np.ndarray) -> np.ndarray:
            return w * (theta[0] - theta[1] * k ** (-theta[2]) - acc)

        top = float(acc.max())
        starts = [np.array([start["L"], start["B"], start["gamma"]])] if start else [
            np.array([min(top + d, 1.0), max(min(top + d, 1.0) - acc[np.argmin(k)], 1e-3), g])
            for d in (0.0, 0.05) for g in (0.2, 1.0)]
        best = min((least_squares(resid, np.clip(s, lo, hi), bounds=(lo, hi)) for s in starts),
                   key=lambda r: r.cost)
        return dict(zip(self.param_names, map(float, best.x), strict=True))

    def coverage(self, params: Mapping[str, float], k: np.ndarray | float) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        return params["L"] - params["B"] * k ** (-params["gamma"])

    def exponent(self, params: Mapping[str, float]) -> float | None:
        return float(params["gamma"])

#: The laws this module declares; ``registry`` builds the catalogue from them.
TEST_TIME_LAWS = (SaturatingLaw,)
