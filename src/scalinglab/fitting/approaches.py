"""Hoffmann et al. (2022) Approaches 1 and 2: compute-optimal exponents without a parametric loss law.

Approach 1 takes the lower envelope of loss vs compute and fits N_opt ∝ C^a, D_opt ∝ C^b on the runs
that form it. Approach 2 groups runs into IsoFLOP profiles, fits a parabola of loss in log N per budget,
takes its minimum as N_opt(C), and fits the same power laws (Hoffmann et al. 2022, Sec. 3.1–3.2); or, as
Porian et al. (2024) do it, interpolates each IsoFLOP curve, bootstraps its minimum under seed noise and
fits the power laws weighted by the minima's precision (``scalinglab.fitting.isoflop``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.results import Result, readable
from scalinglab.seeding import make_rng
from scalinglab.serialize import dumps, read_json, write_text_atomic


@dataclass
class ApproachResult(Result):
    """Exponents a (N_opt ∝ C^a), b (D_opt ∝ C^b), their prefactors, and the points they came from.

    ``draws`` (K, 4) holds bootstrap draws of (a, log10 k_N, b, log10 k_D) where the method has them;
    ``loss_fit`` is a compute law L*(C) fitted to the per-budget optimal losses (what ``predict`` uses).
    """

    approach: int
    a: float
    b: float
    log10_kN: float
    log10_kD: float
    points: list[dict] = field(default_factory=list)
    method: str = ""
    draws: np.ndarray | None = None
    loss_fit: Any = None
    source: str | None = None
    n_points: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    convention: str = "6nd"

    kind = "allocation"

    @property
    def size(self) -> str:
        """What N*(C) counts: "N" parameters, or "M" non-embedding FLOPs per token (DeepSeek)."""
        return str(self.settings.get("size", "N"))

    def optimal(self, C: float | np.ndarray, level: float = 0.95) -> dict[str, Any]:
        """N_opt, D_opt (and the compute law's loss) at budgets C, with percentile intervals from draws."""
        C = check_budgets(C)
        N = 10 ** self.log10_kN * C ** self.a
        D = 10 ** self.log10_kD * C ** self.b
        out: dict[str, Any] = {"C": C, "N": N, "D": D, "tokens_per_param": D / N}
        if self.size == "M":  # DeepSeek's model scale: FLOPs per token, not parameters
            out = {"C": C, "M": N, "D": D}
        if self.loss_fit is not None:
            out["loss"] = self.loss_fit.predict(C=C)
        if self.draws is not None:
            q = 100 * (1 - level) / 2
            lc = np.log10(C)[None, ...]
            for key, (ja, jk) in ((self.size, (0, 1)), ("D", (2, 3))):
                vals = 10 ** (self.draws[:, jk, None] + self.draws[:, ja, None] * lc.reshape(1, -1))
                lo, hi = np.percentile(vals, q, axis=0), np.percentile(vals, 100 - q, axis=0)
                out[f"{key}_interval"] = [lo.reshape(C.shape), hi.reshape(C.shape)]
        return out

    def ci(self, level: float = 0.95) -> dict[str, list[float]] | None:
        """Percentile intervals of a and b from the bootstrap draws."""
        if self.draws is None:
            return None
        q = 100 * (1 - level) / 2
        return {k: [float(np.percentile(self.draws[:, j], q)), float(np.percentile(self.draws[:, j], 100 - q))]
                for k, j in (("a", 0), ("b", 2))}

    def predict_loss(self, C: float | np.ndarray) -> np.ndarray:
        """Loss of the compute-optimal model at budget C (from the fitted L*(C))."""
        if self.loss_fit is None:
            raise ScalingLabError("this allocation fit has no loss law L*(C) (too few budgets to fit one)")
        return self.loss_fit.predict(C=check_budgets(C))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "approach": self.approach, "method": self.method,
                             "a": self.a, "b": self.b, "log10_kN": self.log10_kN, "log10_kD": self.log10_kD,
                             "convention": self.convention, "points": self.points}
        ci = self.ci()
        if ci is not None:
            d["ci"] = ci
            d["bootstrap"] = {"n": int(self.draws.shape[0]), "columns": ["a", "log10_kN", "b", "log10_kD"],
                              "draws": self.draws.tolist()}
        if self.settings:
            d["settings"] = self.settings
        if self.loss_fit is not None:
            d["loss_fit"] = self.loss_fit.to_dict()
        for key in ("n_points", "source"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> ApproachResult:
        """Rebuild from ``to_dict()`` (the JSON ``fit --approach 1|2 --out`` writes)."""
        from scalinglab.fitting.schema import check_allocation_fields

        draws = check_allocation_fields(d, source)
        loss_fit = None
        if d.get("loss_fit"):
            from scalinglab.fitting.result import FitResult

            loss_fit = FitResult.from_dict(d["loss_fit"], source=source)
        return cls(int(d["approach"]), float(d["a"]), float(d["b"]), float(d["log10_kN"]),
                   float(d["log10_kD"]), list(d.get("points") or []), str(d.get("method", "")), draws,
                   loss_fit, d.get("source", source), d.get("n_points"), dict(d.get("settings") or {}),
                   str(d.get("convention", "6nd")))

    @classmethod
    def load(cls, path: str | Path) -> ApproachResult:
        return cls.from_dict(read_json(path), source=str(path))

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, dumps(self.to_dict()) + "\n")

    def text(self, budgets: tuple[float, ...] = (1e21, 1e22, 1e23, 5.88e23, 1e24, 1e25)) -> str:
        """The readable report: exponents with intervals, the per-budget optima, the allocation table."""
        name = {"porian": "interpolated IsoFLOP minima (Porian et al. 2024)",
                "parabola": "IsoFLOP parabolas (Hoffmann et al. 2022)",
                "envelope": "lower envelope (Hoffmann et al. 2022)"}.get(self.method, self.method)
        if self.approach == 0:
            lines = [f"Published allocation law ({self.source}); compute convention {self.convention}"]
        else:
            lines = [f"Chinchilla approach {self.approach}, {name}" + (f" on {self.source}" if self.source else "")
                     + (f" ({self.n_points} runs)" if self.n_points else "")]
        ci = self.ci()
        lines.append(f"{self.size}_opt ∝ C^{self.a:.4f}, D_opt ∝ C^{self.b:.4f}" + (
            f"  (95%: a in ({ci['a'][0]:.3f}, {ci['a'][1]:.3f}), b in ({ci['b'][0]:.3f}, {ci['b'][1]:.3f}))"
            if ci else ""))
        lines.append("")
        lines.extend(allocation_rows(self.optimal(np.array(budgets)), self.size))
        return "\n".join(lines)

def allocation_rows(opt: dict[str, Any], size: str = "N") -> list[str]:
    """Table lines of an allocation: C, N_opt (or M_opt), D_opt, D/N, loss and intervals where present."""
    head = f"  {'C (FLOPs)':>10} {size + '_opt':>11} {'D_opt':>11}" + (f" {'D/N':>7}" if size == "N" else "")
    lines = [head + ("    loss" if "loss" in opt else "")]
    for i, c in enumerate(np.atleast_1d(opt["C"])):
        row = f"  {c:>10.3g} {np.atleast_1d(opt[size])[i]:>11.4g} {np.atleast_1d(opt['D'])[i]:>11.4g}"
        if size == "N":
            row += f" {np.atleast_1d(opt['tokens_per_param'])[i]:>7.1f}"
        if "loss" in opt:
            loss = np.atleast_1d(opt["loss"])[i]  # C = 1e-308: a 46-digit loss, now 3.602e+45
            row += " " + readable(loss, ">7.4f", ">7.4g")
        if f"{size}_interval" in opt:
            lo, hi = (np.atleast_1d(v) for v in opt[f"{size}_interval"])
            row += f"   95%: {size} in ({lo[i]:.3g}, {hi[i]:.3g})"
        lines.append(row)
    return lines


def allocation_table(result: ApproachResult, budgets: list[float]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """An allocation law's optimum at each budget: JSON rows (C, N or M, D, loss, intervals) and the solution."""
    sol = result.optimal(np.array(budgets, dtype=float))
    rows = [{k: (float(v[i]) if np.ndim(v) else float(v)) if not k.endswith("_interval")
             else [float(v[0][i]), float(v[1][i])] for k, v in sol.items()} for i in range(len(budgets))]
    return rows, sol


def check_budgets(C: float | np.ndarray) -> np.ndarray:
    """Budgets as a float array, each a positive finite number of FLOPs."""
    C = np.asarray(C, dtype=float)
    if np.any(~np.isfinite(C)) or np.any(C <= 0):
        raise ScalingLabError("compute budget must be a positive number of FLOPs")
    return C


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
    return ApproachResult(1, a, b, ia, ib, pts, method="envelope", source=runs.source, n_points=len(runs),
                          loss_fit=optimum_loss_fit(pts))


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


def approach2(runs: RunsTable, tolerance_dex: float = 0.05, min_points: int = 4, method: str = "parabola",
              seed_noise: float = 0.005, n_bootstrap: int = 1000, seed: int | None = 0,
              fit_loss: bool = True) -> ApproachResult:
    """IsoFLOP profiles → N_opt(C): Hoffmann's per-budget parabola (``method="parabola"``) or Porian et al.'s
    interpolated, seed-noise-bootstrapped minima with a weighted fit (``method="porian"``); ``fit_loss``
    also fits L*(C) to the optimal losses (what ``predict`` uses)."""
    if method == "porian":
        return approach2_porian(runs, tolerance_dex, seed_noise, n_bootstrap, seed, fit_loss)
    if method != "parabola":
        raise ScalingLabError(f"IsoFLOP method must be 'porian' or 'parabola', got {method!r}")
    return _approach2_parabola(runs, tolerance_dex, min_points)


def _approach2_parabola(runs: RunsTable, tolerance_dex: float, min_points: int) -> ApproachResult:
    """Per budget, a parabola of loss in log N; its vertex is N_opt(C) (Hoffmann et al. 2022, Sec. 3.2)."""
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
    res = ApproachResult(2, a, b, ia, ib, pts, method="parabola", source=runs.source, n_points=len(runs),
                         settings={"tolerance_dex": tolerance_dex, "min_points": min_points})
    res.loss_fit = optimum_loss_fit(pts)
    return res


def approach2_porian(runs: RunsTable, tolerance_dex: float = 0.05, seed_noise: float = 0.005,
                     n_bootstrap: int = 1000, seed: int | None = 0, fit_loss: bool = True) -> ApproachResult:
    """Porian et al. (2024): interpolated IsoFLOP minima, seed-noise bootstrap, 1/std²-weighted power laws."""
    from scalinglab.fitting.isoflop import budget_optimum, exponent_draws, weighted_power_fit

    if not (seed_noise > 0 and np.isfinite(seed_noise)):
        raise ScalingLabError(f"the IsoFLOP bootstrap needs a positive `seed_noise`, got {seed_noise:g}")
    if n_bootstrap < 10:
        raise ScalingLabError(f"the IsoFLOP bootstrap needs at least 10 draws, got {n_bootstrap}")
    rng = make_rng(seed)
    labels = isoflop_groups(runs.C, tolerance_dex)
    budgets = []
    for g in np.unique(labels):
        m = labels == g
        C = float(np.exp(np.mean(np.log(runs.C[m]))))
        b = budget_optimum(runs.N[m], runs.D[m], runs.loss[m], C, seed_noise, n_bootstrap, rng)
        if b is not None:
            budgets.append(b)
    if len(budgets) < 3:
        raise InputError("approach 2 (Porian et al.) needs at least 3 IsoFLOP budgets with 3 or more sizes and "
                         "an interior minimum", file=runs.source)
    log_C = np.log([b.C for b in budgets])
    a, ln_kn = weighted_power_fit(log_C, np.array([b.log_N for b in budgets]), np.array([b.log_std_N for b in budgets]))
    bb, ln_kd = weighted_power_fit(log_C, np.array([b.log_D for b in budgets]), np.array([b.log_std_D for b in budgets]))
    draws = exponent_draws(budgets)
    draws[:, [1, 3]] /= np.log(10)
    pts = [b.to_dict() for b in budgets]
    settings = {"tolerance_dex": tolerance_dex, "seed_noise": seed_noise, "n_bootstrap": n_bootstrap, "seed": seed}
    return ApproachResult(2, a, bb, ln_kn / np.log(10), ln_kd / np.log(10), pts, "porian", draws,
                          optimum_loss_fit(pts) if fit_loss else None, runs.source, len(runs), settings)


def optimum_loss_fit(points: list[dict]):
    """The compute law L*(C) = E + A/C^alpha fitted to the per-budget optimal losses (None below 4 budgets)."""
    if len(points) < 4:
        return None
    import pandas as pd

    from scalinglab.data.runs import load_runs
    from scalinglab.fitting.estimator import ScalingLawFit

    frame = pd.DataFrame({"C": [p["C"] for p in points], "loss": [p["loss"] for p in points]})
    table = load_runs(frame, require=("C", "loss"), name="IsoFLOP optima")
    return ScalingLawFit(law="compute", top_k=2).fit(table).result_
