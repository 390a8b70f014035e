"""Hoffmann et al. (2022) Approaches 1 and 2: compute-optimal exponents without a parametric loss law.

Approach 1 takes the lower envelope of loss vs compute and fits N_opt ∝ C^a, D_opt ∝ C^b on the runs
that form it. Approach 2 groups runs into IsoFLOP profiles, fits a parabola of loss in log N per budget,
takes its minimum as N_opt(C), and fits the same power laws (Hoffmann et al. 2022, Sec. 3.1–3.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.errors import InputError
from scalinglab.results import Result


@dataclass
class ApproachResult(Result):
    """Exponents a (N_opt ∝ C^a), b (D_opt ∝ C^b), their prefactors, and the points they came from."""

    approach: int
    a: float
    b: float
    log10_kN: float
    log10_kD: float
    points: list[dict] = field(default_factory=list)

    def optimal(self, C: float) -> dict[str, float]:
        N = 10 ** self.log10_kN * C ** self.a
        D = 10 ** self.log10_kD * C ** self.b
        return {"N": N, "D": D, "tokens_per_param": D / N}

    def to_dict(self) -> dict:
        return {"approach": self.approach, "a": self.a, "b": self.b, "log10_kN": self.log10_kN,
                "log10_kD": self.log10_kD, "points": self.points}

    def text(self) -> str:
        """Exponents, prefactors and how many points they came from."""
        return (f"Approach {self.approach}: N_opt = 10^{self.log10_kN:.3f} · C^{self.a:.4f}, "
                f"D_opt = 10^{self.log10_kD:.3f} · C^{self.b:.4f} (from {len(self.points)} points)")


def _power_fit(C: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.log10(C), np.log10(Y), 1)
    return float(slope), float(intercept)


def approach1(runs: RunsTable) -> ApproachResult:
    """Lower envelope: runs whose loss is below every run of smaller compute."""
    order = np.argsort(runs.C)
    C, N, D, L = runs.C[order], runs.N[order], runs.D[order], runs.loss[order]
    keep, best = [], np.inf
    for i in range(len(C)):
        if L[i] < best:
            keep.append(i)
            best = L[i]
    if len(keep) < 3:
        raise InputError("approach 1 needs at least 3 runs on the loss-vs-compute envelope", file=runs.source)
    k = np.array(keep)
    a, ia = _power_fit(C[k], N[k])
    b, ib = _power_fit(C[k], D[k])
    pts = [{"C": float(C[i]), "N": float(N[i]), "D": float(D[i]), "loss": float(L[i])} for i in k]
    return ApproachResult(1, a, b, ia, ib, pts)


def isoflop_groups(C: np.ndarray, tolerance_dex: float = 0.05) -> np.ndarray:
    """Label runs by IsoFLOP budget: sorted log10 C split where consecutive values differ > tolerance."""
    lc = np.log10(C)
    order = np.argsort(lc)
    labels = np.empty(len(C), dtype=int)
    label = 0
    for j, i in enumerate(order):
        if j and lc[i] - lc[order[j - 1]] > tolerance_dex:
            label += 1
        labels[i] = label
    return labels


def approach2(runs: RunsTable, tolerance_dex: float = 0.05, min_points: int = 4) -> ApproachResult:
    """IsoFLOP profiles: per budget, a parabola of loss in log N; its vertex is N_opt(C)."""
    labels = isoflop_groups(runs.C, tolerance_dex)
    pts = []
    for g in np.unique(labels):
        m = labels == g
        if m.sum() < min_points:
            continue
        x, y = np.log10(runs.N[m]), runs.loss[m]
        c2, c1, _ = np.polyfit(x, y, 2)
        if c2 <= 0:
            continue  # no minimum inside this profile
        x_opt = -c1 / (2 * c2)
        if not (x.min() <= x_opt <= x.max()):
            continue  # the minimum lies outside the sizes tried: an extrapolation, not a measurement
        C = float(np.exp(np.mean(np.log(runs.C[m]))))
        N_opt = 10 ** x_opt
        pts.append({"C": C, "N": N_opt, "D": C / (6 * N_opt), "n_runs": int(m.sum()),
                    "loss": float(np.polyval([c2, c1, _], x_opt))})
    if len(pts) < 2:
        raise InputError(f"approach 2 needs at least 2 IsoFLOP profiles with ≥{min_points} runs and an "
                         "interior minimum", file=runs.source)
    C = np.array([p["C"] for p in pts])
    a, ia = _power_fit(C, np.array([p["N"] for p in pts]))
    b, ib = _power_fit(C, np.array([p["D"] for p in pts]))
    return ApproachResult(2, a, b, ia, ib, pts)
