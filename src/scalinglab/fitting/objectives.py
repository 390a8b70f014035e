"""Objectives on log residuals r = log L̂ − log L, summed over points (Hoffmann et al. 2022; Epoch 2024).

Each returns per-point values ρ(r), derivatives ψ(r) = ρ'(r) and curvatures ρ''(r), vectorised over any shape, so the
fitter can evaluate many parameter vectors at once and weight points (bootstrap multiplicities).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ScalingLabError


def huber(r: np.ndarray, delta: float, *, scaled: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The one Huber loss: values ρ(r) and derivatives ψ(r) of residuals ``r``.

    ``0.5 r²`` for ``|r| ≤ δ``, else ``δ(|r| − δ/2)``; ``scaled`` divides by δ (smooth-L1:
    ``0.5 r²/δ``, else ``|r| − δ/2``, which behaves like the absolute error away from 0).
    """
    a = np.abs(r)
    small = a <= delta
    if scaled:
        return np.where(small, 0.5 * r * r / delta, a - 0.5 * delta), np.clip(r / delta, -1.0, 1.0)
    with np.errstate(over="ignore"):  # the branch np.where drops overflows for a huge δ (observe --delta 1e308)
        return np.where(small, 0.5 * r * r, delta * (a - 0.5 * delta)), np.clip(r, -delta, delta)


@dataclass(frozen=True)
class Objective:
    """A robust or least-squares loss on log residuals."""

    name: str = "huber"
    delta: float = 1e-3  # Huber threshold (Hoffmann et al. App. D.2 use 1e-3)
    tau: float = 0.75  # asymmetric: weight of under-predictions (r < 0); over-predictions get 1 − tau

    def rho(self, r: np.ndarray) -> np.ndarray:
        if self.name == "huber":
            a = np.abs(r)
            c = np.minimum(a, self.delta)  # huber() without a branch or temporaries (the fitter's hot path)
            a -= 0.5 * c
            a *= c
            return a
        if self.name == "lsq":
            return r * r
        if self.name == "asymmetric":
            return np.where(r < 0, self.tau, 1.0 - self.tau) * r * r
        raise ScalingLabError(f"unknown objective {self.name!r}")

    def psi(self, r: np.ndarray) -> np.ndarray:
        if self.name == "huber":
            return np.clip(r, -self.delta, self.delta)  # huber()'s ψ
        if self.name == "lsq":
            return 2.0 * r
        if self.name == "asymmetric":
            return 2.0 * np.where(r < 0, self.tau, 1.0 - self.tau) * r
        raise ScalingLabError(f"unknown objective {self.name!r}")

    def curvature(self, r: np.ndarray) -> np.ndarray:
        """ρ''(r) (Huber: 1 inside the δ band, 0 outside; its kink at ±δ takes the inside value)."""
        if self.name == "huber":
            return (np.abs(r) <= self.delta).astype(float)
        if self.name == "lsq":
            return np.full_like(r, 2.0, dtype=float)
        if self.name == "asymmetric":
            return 2.0 * np.where(r < 0, self.tau, 1.0 - self.tau)
        raise ScalingLabError(f"unknown objective {self.name!r}")

    def describe(self) -> str:
        if self.name == "huber":
            return f"sum of Huber(delta={self.delta:g}) on log-loss residuals"
        if self.name == "lsq":
            return "sum of squared log-loss residuals"
        return f"sum of asymmetric squares (tau={self.tau:g}) on log-loss residuals"

    def to_dict(self) -> dict:
        out: dict = {"name": self.name}
        if self.name == "huber":
            out["delta"] = self.delta
        if self.name == "asymmetric":
            out["tau"] = self.tau
        return out


OBJECTIVES = ("huber", "lsq", "asymmetric")


def make_objective(name: str = "huber", delta: float = 1e-3, tau: float = 0.75) -> Objective:
    if name not in OBJECTIVES:
        raise ScalingLabError(f"unknown objective {name!r}; choose one of {', '.join(OBJECTIVES)}")
    if name == "huber" and not (delta > 0 and np.isfinite(delta)):  # inf was accepted (it is lsq in disguise)
        raise ScalingLabError(f"Huber `delta` must be a positive finite number, got {delta:g}")
    if name == "asymmetric" and not 0 < tau < 1:
        raise ScalingLabError(f"asymmetric `tau` must be in (0, 1), got {tau:g}")
    return Objective(name, delta, tau)
