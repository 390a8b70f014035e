"""Test-time accuracy across model sizes and training tokens (Schaeffer, Levi, Miranda & Koyejo 2025):

    −log pass@k(N, D) = E(k) + A(k)·N^(−β(k)) + B(k)·D^(−γ(k)),

one Chinchilla-form law per k, fitted by the project's own fitter (``fitting.ScalingLawFit``, Huber on log
residuals) to the measured −log coverage of every (N, D) model, so the training law and the test-time law
meet on the same axes. Here ``alpha``/``beta`` of the fitted law are the paper's β(k)/γ(k). A k larger
than a model's samples, or a coverage of 0 (−log undefined), leaves that model out at that k (noted).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import InputError
from scalinglab.serialize import dumps, write_text_atomic
from scalinglab.testtime.data import ProblemCounts
from scalinglab.testtime.passk import coverage


@dataclass
class SizeLaw:
    """A Chinchilla-form law of −log pass@k in (N, D) for each fitted k."""

    fits: dict[int, Any]  # k → fitting.result.FitResult
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    def predict(self, N: float | np.ndarray, D: float | np.ndarray, k: int) -> np.ndarray:
        """pass@k (coverage) at (N, D) for a fitted k."""
        if k not in self.fits:
            raise InputError(f"k = {k} was not fitted (fitted: {', '.join(map(str, self.fits))})")
        return np.exp(-self.fits[k].predict(N=np.asarray(N, float), D=np.asarray(D, float)))

    def to_dict(self) -> dict[str, Any]:
        return {"law": "chinchilla of -log pass@k", "source": self.source, "notes": list(self.notes),
                "by_k": {str(k): f.to_dict(include_draws=False) for k, f in self.fits.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> SizeLaw:
        from scalinglab.fitting.result import FitResult

        if not isinstance(d, dict) or not isinstance(d.get("by_k"), dict):
            raise InputError("a size law needs 'by_k': {k: fit}", file=source)
        return cls({int(k): FitResult.from_dict(v, source) for k, v in d["by_k"].items()}, d.get("source"),
                   list(d.get("notes") or []))

    @classmethod
    def load(cls, path: str | Path) -> SizeLaw:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()), str(path))
        except FileNotFoundError:
            raise InputError("no such file", file=str(path)) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", file=str(path)) from None

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, dumps(self.to_dict()) + "\n")

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

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text())}</pre>"


def fit_sizes(counts: ProblemCounts, ks: tuple[int, ...] = (1, 10, 100)) -> SizeLaw:
    """Fit −log coverage(k) = E + A/N^β + B/D^γ over the models of ``counts`` (which need a D column)."""
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
        if left_out:
            notes.append(f"k = {k}: {left_out} model(s) left out (fewer than k samples or coverage 0)")
        runs = load_runs(pd.DataFrame(rows), name=f"{counts.source} (-log coverage at k = {k})")
        fits[int(k)] = ScalingLawFit(law="chinchilla").fit(runs).result_
    return SizeLaw(fits, counts.source, notes)
