"""Test-time accuracy across model sizes and training tokens (Schaeffer, Levi, Miranda & Koyejo 2025):

    −log pass@k(N, D) = E(k) + A(k)·N^(−β(k)) + B(k)·D^(−γ(k)),

one Chinchilla-form law per k, fitted by the project's own fitter (``fitting.ScalingLawFit``, Huber on log
residuals) to the measured −log coverage of every (N, D) model, so the training law and the test-time law
meet on the same axes. Here ``alpha``/``beta`` of the fitted law are the paper's β(k)/γ(k). A k larger
than a model's samples, or a coverage of 0 (−log undefined), leaves that model out at that k (noted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.results import Result
from scalinglab.testtime.data import ProblemCounts
from scalinglab.testtime.passk import coverage

FORMAT = "scalinglab.test-time-sizes/1"


@dataclass
class SizeLaw(Result):
    """A Chinchilla-form law of −log pass@k in (N, D) for each fitted k (with bootstrap draws over models)."""

    fits: dict[int, Any]  # k → fitting.result.FitResult
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    def predict(self, N: float | np.ndarray, D: float | np.ndarray, k: int) -> np.ndarray:
        """pass@k (coverage) at (N, D) for a fitted k."""
        if k not in self.fits:
            raise InputError(f"k = {k} was not fitted (fitted: {', '.join(map(str, self.fits))})")
        return np.exp(-self.fits[k].predict(N=np.asarray(N, float), D=np.asarray(D, float)))

    def predict_draws(self, N: float | np.ndarray, D: float | np.ndarray, k: int) -> np.ndarray | None:
        """(B, ...) pass@k at (N, D) under every bootstrap draw of the fit at k, or None without draws."""
        self.predict(N, D, k)  # names an unfitted k
        draws = self.fits[k].predict_draws(N=np.asarray(N, float), D=np.asarray(D, float))
        return None if draws is None else np.exp(-draws)

    @property
    def ks(self) -> tuple[int, ...]:
        return tuple(sorted(self.fits))

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "law": "chinchilla of -log pass@k", "source": self.source,
                "notes": list(self.notes), "by_k": {str(k): f.to_dict() for k, f in self.fits.items()}}

    @classmethod
    def from_dict(cls, d: Any, source: str = "<dict>") -> SizeLaw:
        from scalinglab.fitting.result import FitResult

        if not isinstance(d, dict) or not isinstance(d.get("by_k"), dict) or not d["by_k"]:
            raise InputError("a size law needs 'by_k': {k: fit} (from `scalinglab test-time sizes --out`)",
                             file=source, key="by_k")
        fits = {}
        for k, v in d["by_k"].items():
            try:
                kk = int(k)
            except ValueError:
                kk = 0
            if kk < 1 or str(kk) != str(k).strip():
                raise InputError(f"k must be a positive whole number, got {k!r}", file=source, key="by_k")
            try:
                fits[kk] = FitResult.from_dict(v, source)
            except InputError as exc:
                raise InputError(exc.detail, file=source, key=f"by_k.{k}" + (f".{exc.key}" if exc.key else "")
                                 ) from None
            except ScalingLabError as exc:
                raise InputError(str(exc), file=source, key=f"by_k.{k}") from None
            if fits[kk].law.name != "chinchilla":
                raise InputError(f"the law at each k must be 'chinchilla', got {fits[kk].law.name!r}",
                                 file=source, key=f"by_k.{k}.law")
        return cls(fits, d.get("source"), [str(n) for n in d.get("notes") or []])

    def text(self) -> str:
        lines = ["-log pass@k = E(k) + A(k)/N^beta(k) + B(k)/D^gamma(k)   (Schaeffer, Levi, Miranda & Koyejo 2025)",
                 f"  {'k':>7} {'E':>10} {'A':>10} {'beta':>8} {'B':>10} {'gamma':>8} {'points':>7}"]
        for k, f in self.fits.items():
            p = f.params
            lines.append(f"  {k:>7,} {p['E']:>10.4g} {p['A']:>10.4g} {p['alpha']:>8.4f} {p['B']:>10.4g} "
                         f"{p['beta']:>8.4f} {f.n_points:>7}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def fit_sizes(counts: ProblemCounts, ks: tuple[int, ...] = (1, 10, 100), *, bootstrap: int = 0,
              seed: int | None = 0) -> SizeLaw:
    """Fit −log coverage(k) = E + A/N^β + B/D^γ over the models of ``counts`` (which need a D column).

    ``bootstrap`` resamples the models (the fit's points) for intervals, with the same ``seed`` at every k.
    """
    from scalinglab.data.runs import load_runs
    from scalinglab.fitting.estimator import ScalingLawFit

    if "D" not in counts.frame:
        raise InputError("the law across sizes needs training tokens: add a D (train_tokens) column",
                         file=counts.source, column="D")
    fits, notes = {}, []
    for k in ks:
        rows, left_out = [], 0
        for m in counts.models:
            g = counts.of(m)
            if int(g["n"].min()) < k:
                left_out += 1
                continue
            cov = float(coverage(g["n"].to_numpy(), g["c"].to_numpy(), [k])[0])
            if cov <= 0:
                left_out += 1
                continue
            rows.append({"model": m, "N": float(g["N"].iloc[0]), "D": float(g["D"].iloc[0]), "loss": -np.log(cov)})
        if not rows:  # it said 'no tokens column (D) ...' of an empty table, with k in all its digits
            shown = k if k < 1e15 else f"{k:.3g}"
            raise InputError(f"at k = {shown} no model has k samples per problem and a coverage above 0; give "
                             "smaller `ks`", file=counts.source)
        if left_out:
            notes.append(f"k = {k}: {left_out} model(s) left out (fewer than k samples or coverage 0)")
        runs = load_runs(pd.DataFrame(rows), name=f"{counts.source} (-log coverage at k = {k})")
        fits[int(k)] = ScalingLawFit(law="chinchilla", bootstrap=bootstrap, seed=seed).fit(runs).result_
    return SizeLaw(fits, counts.source, notes)
