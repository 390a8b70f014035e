"""Shared pieces of the planners: the Chinchilla terms of a fit and exact iso-loss allocations.

For L(N, D) = E + A/N^α + B/D^β every planner here minimises a cost that is linear in N·D and N,

    cost = 6·N·D + 2·N·D_inf      (training FLOPs + inference FLOPs; D_inf may be a cost-weighted count)

subject to L(N, D) = ℓ. With the Lagrange conditions 6D + 2D_inf = λ αA N^(−α−1) and 6N = λ βB D^(−β−1),
and A N^(−α) = ℓ − E − B D^(−β) on the iso-loss curve, the optimum is the root in D of

    h(D) = (6D + 2D_inf) · βB · D^(−β−1) − 6α (ℓ − E − B D^(−β)),

which is positive at the smallest feasible D (where A N^(−α) → 0), strictly decreasing, and tends to
−6α(ℓ − E) as D → ∞, so it has exactly one root (Sardana et al. 2024, Sec. 2; with D_inf = 0 it reduces to
Chinchilla's βB D^(−β) = αA N^(−α)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from scalinglab.errors import PlanningError

CHINCHILLA_TERMS = ("E", "A", "B", "alpha", "beta")


def _chinchilla():
    from scalinglab.laws.chinchilla import ChinchillaLaw

    return ChinchillaLaw()


@dataclass(frozen=True)
class ChinchillaTerms:
    """E + A/N^α + B/D^β in raw units: the planners' typed view of a fit of the Chinchilla form.

    The model itself (loss and closed-form compute-optimal allocation) is the one Chinchilla law,
    :class:`scalinglab.laws.chinchilla.ChinchillaLaw`; this class adds the iso-loss allocations.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float

    @classmethod
    def from_params(cls, params: Mapping[str, float], law_name: str = "") -> ChinchillaTerms:
        missing = [k for k in CHINCHILLA_TERMS if k not in params]
        if missing:
            raise PlanningError(f"planning needs a law of the form E + A/N^alpha + B/D^beta (e.g. chinchilla); "
                                f"law {law_name!r} has no {', '.join(missing)}")
        t = cls(*(float(params[k]) for k in CHINCHILLA_TERMS))
        if min(t.A, t.B, t.alpha, t.beta) <= 0:
            raise PlanningError("A, B, alpha and beta must be positive to plan")
        return t

    @property
    def params(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in CHINCHILLA_TERMS}

    def loss(self, N: float | np.ndarray, D: float | np.ndarray) -> np.ndarray:
        """L(N, D) of the Chinchilla law."""
        return _chinchilla().predict(self.params, N=N, D=D)

    def compute_optimal(self, C: float | np.ndarray) -> dict[str, np.ndarray]:
        """N_opt, D_opt and loss under C = 6ND (the Chinchilla law's closed form, Hoffmann et al. Eq. 4)."""
        return _chinchilla().optimal(self.params, C)

    def compute_optimal_tokens(self, N: float) -> float:
        """D of the compute-optimal model of size N (βB D^−β = αA N^−α, Hoffmann et al. Eq. 4)."""
        return float((self.beta * self.B / (self.alpha * self.A) * N ** self.alpha) ** (1.0 / self.beta))

    def check_reachable(self, target_loss: float) -> None:
        if not np.isfinite(target_loss):
            raise PlanningError("the target loss must be a finite number")
        if target_loss <= self.E:
            raise PlanningError(f"target loss {target_loss:g} is unreachable: the law's irreducible loss is "
                                f"E = {self.E:.4g}, and any finite model stays above it")

    def iso_loss_allocation(self, target_loss: float, inference_tokens: float = 0.0) -> tuple[float, float]:
        """(N, D) minimising 6ND + 2N·D_inf on the curve L(N, D) = target (exact 1-D root-find)."""
        self.check_reachable(target_loss)
        if not inference_tokens >= 0 or not np.isfinite(inference_tokens):
            raise PlanningError(f"inference tokens must be a non-negative number, got {inference_tokens:g}")
        gap = target_loss - self.E
        a, b, A, B = self.alpha, self.beta, self.A, self.B
        log_dmin = np.log(B / gap) / b  # below this D the data term alone exceeds the gap

        def h(log_d: float) -> float:
            D = np.exp(log_d)
            # divided by D^(−β) to keep the scale moderate: (6D + 2D_inf)·βB/D − 6α(gap·D^β − B)
            return (6.0 + 2.0 * inference_tokens / D) * b * B - 6.0 * a * (gap * np.exp(b * log_d) - B)

        lo = log_dmin + 1e-12
        hi = log_dmin + 1.0
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # extreme targets: an error below
            while not h(hi) <= 0:
                hi += 2.0
                if hi > log_dmin + 400:
                    raise PlanningError(f"could not bracket the optimum for target loss {target_loss:g} "
                                        "(extreme inputs)")
            log_d = brentq(h, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
        D = float(np.exp(log_d))
        n_term = gap - B * D ** -b
        if n_term <= 0:
            raise PlanningError("numerical failure: the optimum sits on the data-only asymptote")
        N = float((A / n_term) ** (1.0 / a))
        return N, D


def lifetime_flops(N: float, D: float, inference_tokens: float) -> dict[str, float]:
    """Training (6ND), inference (2N per token) and total FLOPs."""
    train = 6.0 * N * D
    infer = 2.0 * N * inference_tokens
    return {"training_flops": train, "inference_flops": infer, "flops": train + infer}


def positive(value: float | None, flag: str, allow_zero: bool = False) -> float:
    """Validate a planning input; raise a one-line PlanningError naming the parameter (`name`, the CLI shows its flag)."""
    if value is None:
        raise PlanningError(f"{flag} is required")
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and np.isfinite(value)):
        raise PlanningError(f"{flag} must be {'non-negative' if allow_zero else 'positive'}, got {value:g}")
    return float(value)


def fmt(x: float) -> str:
    """Human-readable count: 6.00B, 1.4T, 3.2e+23."""
    ax = abs(x)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if ax >= scale and ax < scale * 1e3:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"
