"""Inputs of the test-time laws: per-problem sample counts, or aggregate accuracy-vs-k curves.

Counts: one row per model × problem, ``model, N, [D], problem, n, c, [prompt_tokens, output_tokens]``
(n samples drawn, c of them correct). Curves: ``model, N, [D], method, k, accuracy`` (e.g. majority vote
or best-of-N with a reward model, where per-problem counts are missing). Columns are found by common names
(``n_samples``/``n_correct``/``problem_idx``/``params_nominal`` as in Brown et al.'s and Schaeffer et
al.'s releases). Every bad value stops with one line naming the file, the 1-based data row and the column
(the checks are ``scalinglab.data.validate``'s ``alias_columns`` and ``checked_numbers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.io import read_table
from scalinglab.data.validate import alias_columns, checked_numbers, find_alias
from scalinglab.errors import InputError
from scalinglab.seeding import check_whole, make_rng

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
        check_whole(n_samples, "samples", 1, "a positive whole number")
        if np.any(n < n_samples):
            raise InputError(f"cannot subsample {n_samples} samples: some problems have only {int(n.min())}",
                             file=self.source, column="n")
        rng = make_rng(seed)
        frame = self.frame.copy()
        frame["c"] = rng.hypergeometric(c, n - c, n_samples)
        frame["n"] = n_samples
        return ProblemCounts(frame, f"{self.source} (first {n_samples} samples)", self.columns_used)


def _raw_table(source: str | Path | pd.DataFrame, name: str | None, aliases: dict, required: tuple
               ) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """The raw table, its name for errors, and the column each canonical input maps to."""
    if isinstance(source, pd.DataFrame):
        raw, src = source.reset_index(drop=True), name or "<table>"
    else:
        raw, src = read_table(source), name or str(source)
    return raw, src, alias_columns(raw, aliases, required, src)


def load_counts(source: str | Path | pd.DataFrame, *, name: str | None = None) -> ProblemCounts:
    """Read and validate a per-problem counts table (CSV/TSV/Parquet/JSONL or a DataFrame)."""
    raw, src, cols = _raw_table(source, name, COUNT_ALIASES, COUNT_REQUIRED)
    out = pd.DataFrame({"model": raw[cols["model"]].astype(str), "problem": raw[cols["problem"]].astype(str)})
    out["N"] = checked_numbers(raw, cols["N"], src, positive=True)
    if "D" in cols:
        out["D"] = checked_numbers(raw, cols["D"], src, positive=True)
    n = checked_numbers(raw, cols["n"], src, integer=True, lo=1)
    c = checked_numbers(raw, cols["c"], src, integer=True, lo=0)
    over = np.flatnonzero(c > n)
    if over.size:
        i = int(over[0])
        raise InputError(f"{int(c[i])} correct out of {int(n[i])} samples: c must be <= n", file=src, row=i + 1,
                         column=str(cols["c"]))
    out["n"], out["c"] = n.astype(np.int64), c.astype(np.int64)
    for key in ("prompt_tokens", "output_tokens"):
        if key in cols:
            out[key] = checked_numbers(raw, cols[key], src, lo=0)
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
    raw, src, cols = _raw_table(source, name, CURVE_ALIASES, CURVE_REQUIRED)
    out = pd.DataFrame({"model": raw[cols["model"]].astype(str)})
    out["method"] = raw[cols["method"]].astype(str) if "method" in cols else "aggregate"
    out["N"] = checked_numbers(raw, cols["N"], src, positive=True)
    if "D" in cols:
        out["D"] = checked_numbers(raw, cols["D"], src, positive=True)
    out["k"] = checked_numbers(raw, cols["k"], src, integer=True, lo=1)
    out["accuracy"] = checked_numbers(raw, cols["accuracy"], src, lo=0, hi=1)
    return AccuracyCurves(out, src)


def is_counts_table(source: str | Path) -> bool:
    """True when a table has per-problem count columns (else it is read as aggregate curves)."""
    raw = read_table(source)
    return all(find_alias(raw, COUNT_ALIASES[k]) is not None for k in ("problem", "c"))
