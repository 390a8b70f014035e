"""Inputs of the test-time laws: per-problem sample counts, or aggregate accuracy-vs-k curves.

Counts: one row per model × problem, ``model, N, [D], problem, n, c, [prompt_tokens, output_tokens]``
(n samples drawn, c of them correct). Curves: ``model, N, [D], method, k, accuracy`` (e.g. majority vote
or best-of-N with a reward model, where per-problem counts are missing). Columns are found by common names
(``n_samples``/``n_correct``/``problem_idx``/``params_nominal`` as in Brown et al.'s and Schaeffer et
al.'s releases). Every bad value stops with one line naming the file, the 1-based data row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.io import read_table
from scalinglab.errors import InputError

COUNT_ALIASES: dict[str, tuple[str, ...]] = {
    "model": ("model", "model_name", "name", "run"),
    "N": ("N", "params", "params_nominal", "parameters", "num_params", "n_params"),
    "D": ("D", "tokens", "train_tokens", "train_tokens_nominal", "training_tokens"),
    "problem": ("problem", "problem_idx", "problem_id", "task", "question", "item"),
    "n": ("n", "n_samples", "samples", "num_samples", "attempts"),
    "c": ("c", "n_correct", "correct", "num_correct", "successes"),
    "prompt_tokens": ("prompt_tokens", "input_tokens"),
    "output_tokens": ("output_tokens", "generated_tokens", "completion_tokens"),
}
CURVE_ALIASES: dict[str, tuple[str, ...]] = {
    "model": COUNT_ALIASES["model"], "N": COUNT_ALIASES["N"], "D": COUNT_ALIASES["D"],
    "method": ("method", "aggregation", "strategy"),
    "k": ("k", "samples", "n_samples", "num_samples"),
    "accuracy": ("accuracy", "acc", "score", "coverage", "pass_at_k"),
}
COUNT_REQUIRED = ("model", "N", "problem", "n", "c")
CURVE_REQUIRED = ("model", "N", "k", "accuracy")


def _find(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    """The first alias present: exact names first, then case-insensitive (never for one-letter names,
    since ``N`` (parameters) and ``n`` (samples) differ only in case)."""
    exact = {str(c).strip(): c for c in frame.columns}
    hit = next((exact[a] for a in aliases if a in exact), None)
    if hit is not None:
        return hit
    lower = {str(c).strip().lower(): c for c in frame.columns}
    return next((lower[a.lower()] for a in aliases if len(a) > 1 and a.lower() in lower), None)


def _columns(frame: pd.DataFrame, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...],
             source: str) -> dict[str, str]:
    found = {key: col for key, names in aliases.items() if (col := _find(frame, names)) is not None}
    for key in required:
        if key not in found:
            raise InputError(f"missing column {key!r} (looked for {', '.join(aliases[key])})", file=source,
                             column=key)
    return found


def _numeric(frame: pd.DataFrame, col: str, source: str, *, integer: bool = False, positive: bool = False,
             lo: float | None = None, hi: float | None = None) -> np.ndarray:
    raw = frame[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    checks = [(raw.isna().to_numpy(), "value is missing or NaN"),
              (np.isnan(values) & ~raw.isna().to_numpy(), "is not a number"),
              (np.isinf(values), "is infinite")]
    with np.errstate(invalid="ignore"):
        if integer:
            checks.append((np.isfinite(values) & (values != np.round(values)), "must be a whole number"))
        if positive:
            checks.append((np.isfinite(values) & (values <= 0), "must be positive"))
        if lo is not None:
            checks.append((np.isfinite(values) & (values < lo), f"must be >= {lo:g}"))
        if hi is not None:
            checks.append((np.isfinite(values) & (values > hi), f"must be <= {hi:g}"))
    for mask, what in checks:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            text = what if what.startswith("value is") else f"value {raw.iloc[i]!r} {what}"
            raise InputError(text, file=source, row=i + 1, column=str(col))
    return values


@dataclass
class ProblemCounts:
    """Validated per-problem counts: one row per model × problem (``model, N, D, problem, n, c``)."""

    frame: pd.DataFrame
    source: str = "<table>"
    columns_used: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        """Model names in order of first appearance."""
        return list(dict.fromkeys(self.frame["model"]))

    def of(self, model: str) -> pd.DataFrame:
        return self.frame[self.frame["model"] == model]

    def subsample(self, n_samples: int, seed: int | None = 0) -> ProblemCounts:
        """The first ``n_samples`` of each problem's samples: c' ~ Hypergeometric(n, c, n'), seeded."""
        n, c = self.frame["n"].to_numpy(np.int64), self.frame["c"].to_numpy(np.int64)
        if np.any(n < n_samples):
            raise InputError(f"cannot subsample {n_samples} samples: some problems have only {int(n.min())}",
                             file=self.source, column="n")
        rng = np.random.default_rng(seed)
        frame = self.frame.copy()
        frame["c"] = rng.hypergeometric(c, n - c, n_samples)
        frame["n"] = n_samples
        return ProblemCounts(frame, f"{self.source} (first {n_samples} samples)", self.columns_used)


def load_counts(source: str | Path | pd.DataFrame, *, name: str | None = None) -> ProblemCounts:
    """Read and validate a per-problem counts table (CSV/TSV/Parquet/JSONL or a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        raw, src = source.reset_index(drop=True), name or "<table>"
    else:
        raw, src = read_table(source), name or str(source)
    cols = _columns(raw, COUNT_ALIASES, COUNT_REQUIRED, src)
    out = pd.DataFrame({"model": raw[cols["model"]].astype(str), "problem": raw[cols["problem"]].astype(str)})
    out["N"] = _numeric(raw, cols["N"], src, positive=True)
    if "D" in cols:
        out["D"] = _numeric(raw, cols["D"], src, positive=True)
    n = _numeric(raw, cols["n"], src, integer=True, lo=1)
    c = _numeric(raw, cols["c"], src, integer=True, lo=0)
    over = np.flatnonzero(c > n)
    if over.size:
        i = int(over[0])
        raise InputError(f"{int(c[i])} correct out of {int(n[i])} samples: c must be <= n", file=src, row=i + 1,
                         column=str(cols["c"]))
    out["n"], out["c"] = n.astype(np.int64), c.astype(np.int64)
    for key in ("prompt_tokens", "output_tokens"):
        if key in cols:
            out[key] = _numeric(raw, cols[key], src, lo=0)
    dup = out.duplicated(["model", "problem"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"problem {out['problem'].iloc[i]!r} appears twice for model {out['model'].iloc[i]!r}",
                         file=src, row=i + 1, column=str(cols["problem"]))
    sizes = out.groupby("model", sort=False)["N"].nunique()
    if (sizes > 1).any():
        bad = str(sizes[sizes > 1].index[0])
        raise InputError(f"model {bad!r} has more than one N", file=src, column=str(cols["N"]))
    return ProblemCounts(out, src, cols)


@dataclass
class AccuracyCurves:
    """Validated aggregate curves: ``model, N, D, method, k, accuracy`` rows."""

    frame: pd.DataFrame
    source: str = "<table>"

    @property
    def groups(self) -> list[tuple[str, str]]:
        """(model, method) pairs in order of first appearance."""
        return list(dict.fromkeys(zip(self.frame["model"], self.frame["method"], strict=True)))


def load_curves(source: str | Path | pd.DataFrame, *, name: str | None = None) -> AccuracyCurves:
    """Read and validate an aggregate accuracy-vs-k table."""
    if isinstance(source, pd.DataFrame):
        raw, src = source.reset_index(drop=True), name or "<table>"
    else:
        raw, src = read_table(source), name or str(source)
    cols = _columns(raw, CURVE_ALIASES, CURVE_REQUIRED, src)
    out = pd.DataFrame({"model": raw[cols["model"]].astype(str)})
    out["method"] = raw[cols["method"]].astype(str) if "method" in cols else "aggregate"
    out["N"] = _numeric(raw, cols["N"], src, positive=True)
    if "D" in cols:
        out["D"] = _numeric(raw, cols["D"], src, positive=True)
    out["k"] = _numeric(raw, cols["k"], src, integer=True, lo=1)
    out["accuracy"] = _numeric(raw, cols["accuracy"], src, lo=0, hi=1)
    return AccuracyCurves(out, src)


def is_counts_table(source: str | Path) -> bool:
    """True when a table has per-problem count columns (else it is read as aggregate curves)."""
    raw = read_table(source)
    return all(_find(raw, COUNT_ALIASES[k]) is not None for k in ("problem", "c"))
