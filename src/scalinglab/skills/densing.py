"""The Densing law of LLMs (Xiao et al. 2024, arXiv:2412.04315): capability density over time.

*Capability density* of a model with ``N`` parameters and benchmark score ``S`` is
``ρ = N̂(S) / N``, where the *effective parameter count* ``N̂(S)`` is the size a model of a fixed
*reference* recipe would need to reach ``S``. The paper estimates ``N̂`` in two steps fitted on the
reference models:

1. loss law  ``L(N, D) = a·N^(−α) + b·D^(−β)``  (here with an optional irreducible term ``E``);
2. score law ``S(L) = c / (1 + exp(γ·(L − l))) + d`` (a decreasing sigmoid in the loss);

and inverts both: ``S → L = l + ln(c / (S − d) − 1) / γ → N̂`` solving ``L(N̂, D(N̂)) = L`` under a
data policy ``D(N)`` (a fixed token count, or a fixed tokens-per-parameter ratio). The density
trend is then ``ln ρ_max(t) = A·t + B`` over release dates ``t`` (days), with doubling time
``ln 2 / A`` (the paper reports A ≈ 0.0073 per day, ≈ 95 days, i.e. about 3.3 months).

The paper's reference-model losses are not public. When a reference family has no measured
losses, :class:`DensityEstimator` replaces step 1 by a *loss proxy*: a published parametric law
(default: Hoffmann et al. 2022, Approach 3: ``1.69 + 406.4 N^−0.34 + 410.7 D^−0.28``) evaluated at
each reference model's ``(N, D)``; step 2 is then fitted from that proxy loss to the family's
scores. This keeps the paper's two-step structure (loss is a monotone summary of ``(N, D)``
that the sigmoid maps to scores) while needing only sizes, token counts and scores.

Estimators follow scikit-learn conventions: configuration in ``__init__``, ``fit`` returns
``self``, learned values end in ``_``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares

from scalinglab.errors import InputError
from scalinglab.fitting.links import best_of, sigmoid_with_floor
from scalinglab.fitting.objectives import make_objective
from scalinglab.fitting.optimize import Problem, minimise
from scalinglab.laws import Law, fix_parameters, get_law
from scalinglab.results import Result

__all__ = [
    "CHINCHILLA_LOSS",
    "PAPER_A_PER_DAY",
    "DensityEstimator",
    "DensityTrend",
    "LossLaw",
    "LossToScore",
    "doubling_time_days",
    "frontier_mask",
]

#: Hoffmann et al. (2022) Approach-3 fit, L = E + A/N^α + B/D^β (N params, D tokens).
CHINCHILLA_LOSS = {"E": 1.69, "a": 406.4, "alpha": 0.34, "b": 410.7, "beta": 0.28}
#: The Densing-law slope of ln ρ_max per day reported by Xiao et al. (2024).
PAPER_A_PER_DAY = 0.0073

_N_LO, _N_HI = 1e3, 1e16  # search bracket for effective parameter counts


def doubling_time_days(slope_per_day: float) -> float:
    """Doubling time ``ln 2 / A`` of a log-linear trend (``inf`` for a non-positive slope)."""
    return math.log(2.0) / slope_per_day if slope_per_day > 0 else math.inf


# ----------------------------------------------------------------------------------------------
# Step 1: loss law
# ----------------------------------------------------------------------------------------------

class LossLaw:
    """``L(N, D) = E + a·N^(−α) + b·D^(−β)`` and its inverse in ``N`` for a given data policy.

    ``fit_irreducible=False`` gives the paper's form (``E = 0``): the project's Chinchilla law with ``E``
    fixed at 0 (:func:`scalinglab.laws.fix_parameters`). Either form is fitted by the project's fitter
    (:func:`scalinglab.fitting.optimize.minimise`: the multi-start scan, then the exact-Hessian Newton
    polish) with least squares on the log-loss, the objective the paper's two-step fit uses.
    """

    def __init__(self, *, fit_irreducible: bool = False) -> None:
        self.fit_irreducible = fit_irreducible

    @classmethod
    def from_constants(cls, *, a: float, alpha: float, b: float, beta: float,
                       E: float = 0.0) -> LossLaw:  # noqa: N803 - conventional symbol
        """A law with given constants (e.g. :data:`CHINCHILLA_LOSS`), no fitting needed."""
        law = cls(fit_irreducible=E != 0.0)
        law.a_, law.alpha_, law.b_, law.beta_, law.E_ = a, alpha, b, beta, E
        return law

    def law(self) -> Law:
        """The project law this fits: Chinchilla, with ``E`` fixed at 0 unless ``fit_irreducible``."""
        chinchilla = get_law("chinchilla")
        return chinchilla if self.fit_irreducible else fix_parameters(chinchilla, E=0.0)

    def fit(self, params: np.ndarray, tokens: np.ndarray, loss: np.ndarray) -> LossLaw:
        N, D, L = (np.asarray(x, float) for x in (params, tokens, loss))
        n_par = 5 if self.fit_irreducible else 4
        if len(L) < n_par:
            raise InputError(f"{len(L)} models with a loss; the loss law needs at least {n_par}")
        law = self.law()
        info = minimise(Problem(law, make_objective("lsq"), law.features({"N": N, "D": D}), np.log(L)))
        p = law.to_raw(info.theta)
        self.a_, self.alpha_, self.b_, self.beta_ = p["A"], p["alpha"], p["B"], p["beta"]
        self.E_ = p.get("E", 0.0)
        self.fit_info_ = info
        return self

    def predict(self, params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        N, D = np.asarray(params, float), np.asarray(tokens, float)
        return self.E_ + self.a_ * N ** -self.alpha_ + self.b_ * D ** -self.beta_

    def effective_params(self, loss: np.ndarray, *, tokens: float | None = None,
                         tokens_per_param: float | None = None) -> np.ndarray:
        """``N̂`` with ``L(N̂, D) = loss``, where ``D = tokens`` or ``D = tokens_per_param · N̂``.

        Returns ``inf`` for losses at or below what infinitely many parameters could reach under
        the policy, ``nan`` for non-finite inputs.
        """
        if (tokens is None) == (tokens_per_param is None):
            raise ValueError("give exactly one of tokens or tokens_per_param")
        L = np.atleast_1d(np.asarray(loss, float))
        out = np.full(L.shape, np.nan)
        for i, li in enumerate(L):
            if not np.isfinite(li):
                continue
            if tokens is not None:
                rest = li - self.E_ - self.b_ * tokens ** -self.beta_
                out[i] = (self.a_ / rest) ** (1.0 / self.alpha_) if rest > 0 else np.inf
                continue
            if li <= self.E_:
                out[i] = np.inf
                continue

            def g(logn: float, li: float = li) -> float:
                n = math.exp(logn)
                return float(self.predict(n, tokens_per_param * n)) - li

            lo, hi = math.log(_N_LO), math.log(_N_HI)
            if g(hi) > 0:
                out[i] = np.inf
            elif g(lo) < 0:
                out[i] = _N_LO
            else:
                out[i] = math.exp(brentq(g, lo, hi, xtol=1e-12))
        return out


# ----------------------------------------------------------------------------------------------
# Step 2: loss → score sigmoid
# ----------------------------------------------------------------------------------------------

class LossToScore:
    """``S(L) = c / (1 + exp(γ·(L − l))) + d`` with ``γ > 0`` (lower loss, higher score).

    ``d`` (floor, e.g. a benchmark's random-guess rate) and the ceiling ``c + d`` are kept in
    [0, 1].
    Pass ``floor`` to fix ``d`` (more stable with few reference models).
    """

    def __init__(self, *, floor: float | None = None) -> None:
        if floor is not None and not 0 <= floor < 1:  # nan was a scipy traceback, 1 a division by zero
            raise InputError(f"`score_floor` (the sigmoid floor d) must be in [0, 1), got {floor:g}")
        self.floor = floor

    def fit(self, loss: np.ndarray, score: np.ndarray) -> LossToScore:
        L, S = np.asarray(loss, float), np.asarray(score, float)
        n_par = 3 if self.floor is not None else 4
        if len(S) < n_par:
            raise InputError(f"{len(S)} reference models; the score sigmoid needs {n_par}")
        if np.ptp(L) == 0:
            raise InputError("all reference models have the same loss; cannot fit the sigmoid")

        def unpack(p: np.ndarray) -> tuple[float, float, float, float]:
            # c = (1 - d)·u with u in [0, 1] keeps the ceiling c + d at or below 1.
            d = self.floor if self.floor is not None else p[3]
            return (1.0 - d) * p[0], p[1], p[2], d

        def resid(p: np.ndarray) -> np.ndarray:
            c, g, l0, d = unpack(p)
            return sigmoid_with_floor(-g * (L - l0), d, c) - S

        spread = np.ptp(L)
        d0 = self.floor if self.floor is not None else max(min(S.min() * 0.9, 0.9), 0.0)
        lo = [0.0, 1e-6, L.min() - 10 * spread] + ([0.0] if self.floor is None else [])
        hi = [1.0, np.inf, L.max() + 10 * spread] + ([0.99] if self.floor is None else [])
        starts = [[min(max(S.max() - d0, 0.05) * 1.1 / (1.0 - d0), 1.0), g0, l0] + ([d0] if self.floor is None else [])
                  for g0 in (1.0 / spread, 4.0 / spread, 10.0 / spread) for l0 in np.quantile(L, [0.25, 0.5, 0.75])]
        best = best_of(starts, lambda p0: least_squares(resid, p0, bounds=(lo, hi)), lambda r: r.cost)
        self.c_, self.gamma_, self.l_, self.d_ = (float(v) for v in unpack(best.x))
        self.rmse_ = float(np.sqrt(np.mean(resid(best.x) ** 2)))
        return self

    def predict(self, loss: np.ndarray) -> np.ndarray:
        return sigmoid_with_floor(-self.gamma_ * (np.asarray(loss, float) - self.l_), self.d_, self.c_)

    def inverse(self, score: np.ndarray) -> np.ndarray:
        """Loss giving ``score``; NaN outside the open range ``(d, c + d)``."""
        S = np.asarray(score, float)
        u = (S - self.d_) / self.c_
        with np.errstate(divide="ignore", invalid="ignore"):
            L = self.l_ + np.log(1.0 / u - 1.0) / self.gamma_
        return np.where((u > 0) & (u < 1), L, np.nan)


# ----------------------------------------------------------------------------------------------
# Effective parameters and density
# ----------------------------------------------------------------------------------------------

class DensityEstimator:
    """Effective parameter count ``N̂(S)`` and density ``N̂/N`` from a reference family.

    ``loss_law``: a fitted/constant :class:`LossLaw`, or ``"chinchilla"`` for the proxy
    :data:`CHINCHILLA_LOSS` (used when ``fit`` gets no measured losses). The data policy for the
    hypothetical reference model of size ``N̂`` is ``tokens`` (fixed count) or ``tokens_per_param``
    (default 20, the compute-optimal ratio of the proxy law).
    """

    def __init__(self, *, loss_law: LossLaw | str = "chinchilla", tokens: float | None = None,
                 tokens_per_param: float | None = 20.0, score_floor: float | None = None) -> None:
        self.loss_law = loss_law
        self.tokens = tokens
        self.tokens_per_param = tokens_per_param
        self.score_floor = score_floor

    def fit(self, params: np.ndarray, tokens: np.ndarray, scores: np.ndarray,
            losses: np.ndarray | None = None) -> DensityEstimator:
        """Fit both steps on reference models (params and tokens in absolute units)."""
        N, D, S = (np.asarray(x, float) for x in (params, tokens, scores))
        if losses is not None:
            self.loss_law_ = LossLaw(fit_irreducible=False).fit(N, D, losses)
            self.loss_source_ = "measured"
            ref_loss = np.asarray(losses, float)
        else:
            if isinstance(self.loss_law, LossLaw):
                self.loss_law_ = self.loss_law
                self.loss_source_ = "given law"
            elif self.loss_law == "chinchilla":
                self.loss_law_ = LossLaw.from_constants(**CHINCHILLA_LOSS)
                self.loss_source_ = "proxy: Hoffmann et al. 2022 approach-3 law"
            else:
                raise InputError(f"unknown loss law {self.loss_law!r}; use 'chinchilla'")
            ref_loss = self.loss_law_.predict(N, D)
        self.score_law_ = LossToScore(floor=self.score_floor).fit(ref_loss, S)
        self.reference_loss_ = ref_loss
        self.reference_params_ = N
        return self

    def _policy(self) -> dict[str, float]:
        if self.tokens is not None:
            return {"tokens": self.tokens}
        if self.tokens_per_param is None:
            raise ValueError("set tokens or tokens_per_param")
        return {"tokens_per_param": self.tokens_per_param}

    def effective_params(self, scores: np.ndarray) -> np.ndarray:
        """``N̂(S)``: NaN where ``S`` is outside the reference sigmoid's range."""
        loss = self.score_law_.inverse(scores)
        return self.loss_law_.effective_params(loss, **self._policy())

    def score_of_params(self, params: np.ndarray) -> np.ndarray:
        """Forward map ``N → S`` for a reference-recipe model (the inverse of the above)."""
        N = np.asarray(params, float)
        D = self.tokens if self.tokens is not None else self.tokens_per_param * N
        return self.score_law_.predict(self.loss_law_.predict(N, D))

    def density(self, scores: np.ndarray, params: np.ndarray) -> np.ndarray:
        return self.effective_params(scores) / np.asarray(params, float)


# ----------------------------------------------------------------------------------------------
# Density trend
# ----------------------------------------------------------------------------------------------

def frontier_mask(days: np.ndarray, density: np.ndarray) -> np.ndarray:
    """Models that set a new maximum density when released (ties in date share the max)."""
    t, rho = np.asarray(days, float), np.asarray(density, float)
    mask = np.zeros(len(t), bool)
    best = -np.inf
    for day in np.unique(t[np.isfinite(t)]):
        idx = np.flatnonzero(t == day)
        idx = idx[np.isfinite(rho[idx])]
        if idx.size == 0:
            continue
        top = idx[np.argmax(rho[idx])]
        if rho[top] > best:
            mask[top] = True
            best = rho[top]
    return mask


@dataclass
class DensityTrend(Result):
    """``ln ρ = A·t + B`` with ``t`` in days since ``origin``; ``doubling_days = ln 2 / A``."""

    slope_per_day: float
    intercept: float
    r2: float
    n_models: int
    origin: pd.Timestamp

    @property
    def doubling_days(self) -> float:
        return doubling_time_days(self.slope_per_day)

    def to_dict(self) -> dict[str, Any]:
        return {"A_per_day": self.slope_per_day, "B": self.intercept, "r2": self.r2,
                "origin": self.origin.date().isoformat(), "n_models": self.n_models,
                "doubling_days": self.doubling_days}

    def text(self) -> str:
        return (f"ln ρ = {self.slope_per_day:.5f}·t {self.intercept:+.3f} (R² {self.r2:.2f}, {self.n_models} "
                f"models); doubling time {self.doubling_days:.0f} days")

    @classmethod
    def fit(cls, dates: Sequence | pd.Series, density: np.ndarray, *,
            frontier_only: bool = True) -> tuple[DensityTrend, np.ndarray]:
        """OLS of ``ln ρ`` on release day; returns the trend and the mask of models used."""
        when = pd.to_datetime(pd.Series(dates), errors="coerce")
        rho = np.asarray(density, float)
        ok = when.notna().to_numpy() & np.isfinite(rho) & (rho > 0)
        if ok.sum() < 2:
            raise InputError(f"{int(ok.sum())} model(s) have a release date and a finite "
                             "density; the trend needs at least 2")
        origin = when[ok].min()
        days = ((when - origin).dt.days).to_numpy(float)
        use = ok.copy()
        if frontier_only:
            use = np.zeros_like(ok)
            use[np.flatnonzero(ok)[frontier_mask(days[ok], rho[ok])]] = True
            if use.sum() < 2:
                raise InputError("fewer than 2 frontier models; use all models for the trend")
        x, y = days[use], np.log(rho[use])
        if np.ptp(x) == 0:
            raise InputError("all models used for the trend share one release date")
        A, B = np.polyfit(x, y, 1)
        ss = np.sum((y - y.mean()) ** 2)
        r2 = float(1 - np.sum((y - (A * x + B)) ** 2) / ss) if ss > 0 else 1.0
        return cls(float(A), float(B), r2, int(use.sum()), origin), use
