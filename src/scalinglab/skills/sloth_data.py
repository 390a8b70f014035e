"""Score tables for Sloth: loading, validating and selecting benchmark suites.

A *score table* is one row per LLM with its family, its size ``S`` (parameters, billions), its
pre-training data ``T`` (tokens, trillions) and one column per benchmark holding a score in
[0, 1]. This is the layout of the Sloth paper's ``data_v2.csv`` (Maia Polo et al. 2025,
arXiv:2412.06540), built from the Hugging Face Open LLM Leaderboard v1 and v2.

Every problem with the input becomes one :class:`scalinglab.errors.InputError` that names the
file, the 1-based data row and the column, so the CLI can print a single line and exit with 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.io import read_table
from scalinglab.data.validate import numeric_column
from scalinglab.errors import InputError

__all__ = [
    "CHANCE_FLOORS",
    "PARAMS_COLUMN",
    "SUITES",
    "TOKENS_COLUMN",
    "ScoreTable",
    "load_scores",
    "resolve_benchmarks",
]

PARAMS_COLUMN = "#Params (B)"
TOKENS_COLUMN = "Pretraining Data Size (T)"

#: Benchmarks of each suite, in the paper's order (``sloth/definitions.py``).
SUITES: dict[str, tuple[str, ...]] = {
    "v1": ("MMLU", "ARC", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K"),
    "v2": ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"),
}
SUITES["all"] = SUITES["v1"] + SUITES["v2"]

#: Chance-level floor c_j of each benchmark, as in the paper: 1/#choices; for BBH and MuSR the
#: average of 1/#choices over their subtasks weighted by subtask size; TruthfulQA uses the 1st
#: percentile of leaderboard scores (0.31); free-form answers (GSM8K, IFEval, MATH) have floor 0.
CHANCE_FLOORS: dict[str, float] = {
    "MMLU": 0.25,
    "ARC": 0.25,
    "HellaSwag": 0.25,
    "Winogrande": 0.5,
    "TruthfulQA": 0.31,
    "GSM8K": 0.0,
    "IFEval": 0.0,
    "BBH": 0.2885036095206113,
    "MATH Lvl 5": 0.0,
    "GPQA": 0.25,
    "MUSR": 0.34329805996472657,
    "MMLU-PRO": 0.10,
}


@dataclass(frozen=True)
class ScoreTable:
    """Complete rows of a score table for a fixed list of benchmarks.

    Rows are sorted by family, then by size (stable, so ties keep file order): "the k smallest
    models of a family" is then simply its first k rows.
    """

    models: np.ndarray        #: model names (str), shape (n,)
    families: np.ndarray      #: family of each model (str), shape (n,)
    params_b: np.ndarray      #: parameters in billions, shape (n,)
    tokens_t: np.ndarray      #: pre-training tokens in trillions, shape (n,)
    scores: np.ndarray        #: benchmark scores in [0, 1], shape (n, J)
    benchmarks: tuple[str, ...]
    floors: np.ndarray        #: chance floor of each benchmark, shape (J,)
    source: str = "<table>"
    n_dropped: int = 0        #: rows left out because a needed value was missing

    def __len__(self) -> int:
        return len(self.models)

    def family_counts(self) -> dict[str, int]:
        fams, counts = np.unique(self.families, return_counts=True)
        return {str(f): int(c) for f, c in zip(fams, counts, strict=True)}

    def subset(self, mask: np.ndarray) -> ScoreTable:
        """The rows where ``mask`` is true (boolean array or index array)."""
        return ScoreTable(self.models[mask], self.families[mask], self.params_b[mask],
                          self.tokens_t[mask], self.scores[mask], self.benchmarks, self.floors,
                          self.source, self.n_dropped)

    def with_min_models(self, min_models: int) -> ScoreTable:
        """Drop families with fewer than ``min_models`` complete rows (the paper's filter)."""
        counts = self.family_counts()
        keep = np.array([counts[str(f)] >= min_models for f in self.families], dtype=bool)
        return self.subset(keep)


def resolve_benchmarks(suite: str | None = None, benchmarks: Sequence[str] | str | None = None,
                       ) -> tuple[str, ...]:
    """The benchmark list from ``--suite`` (v1, v2, all) or an explicit comma-separated list."""
    if benchmarks:
        names = benchmarks.split(",") if isinstance(benchmarks, str) else list(benchmarks)
        names = [b.strip() for b in names if b.strip()]
        if not names:
            raise InputError("`benchmarks` is an empty list (no benchmark named)")
        return tuple(dict.fromkeys(names))
    suite = suite or "v2"
    if suite not in SUITES:
        raise InputError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}")
    return SUITES[suite]


def _family_column(df: pd.DataFrame, family_column: str | None, file: str) -> str:
    if family_column is not None:
        if family_column not in df.columns:
            raise InputError("family column not found", file=file, column=family_column)
        return family_column
    for col in ("Family2", "Family", "family"):
        if col in df.columns:
            return col
    raise InputError("no family column (expected 'Family2' or 'Family'); name one with "
                     "`family_column`", file=file)


def load_scores(path: str | Path, benchmarks: Sequence[str], *, family_column: str | None = None,
                floors: dict[str, float] | None = None) -> ScoreTable:
    """Read and validate a score table.

    ``benchmarks`` must be columns of the file; every score given must lie in [0, 1]; sizes and
    token counts must be positive. Rows missing any needed value are left out (the paper does the
    same) and counted in ``n_dropped``. ``floors`` overrides the chance floors; benchmarks with no
    known floor get 0.
    """
    file = str(path)
    df = read_table(path)
    fam_col = _family_column(df, family_column, file)
    for col in (PARAMS_COLUMN, TOKENS_COLUMN):
        if col not in df.columns:
            raise InputError("required column missing", file=file, column=col)
    for b in benchmarks:
        if b not in df.columns:
            known = [b2 for b2 in CHANCE_FLOORS if b2 in df.columns]
            hint = f"; known benchmarks here: {', '.join(known)}" if known else ""
            raise InputError(f"unknown benchmark{hint}", file=file, column=b)

    params = numeric_column(df, PARAMS_COLUMN, file=file, positive=True, what="size")
    tokens = numeric_column(df, TOKENS_COLUMN, file=file, positive=True, what="token count")
    scores = (np.column_stack([numeric_column(df, b, file=file, unit=True, what="score",
                                              hint=" (scores are fractions, not percentages)")
                               for b in benchmarks]) if benchmarks else np.empty((len(df), 0)))
    families = df[fam_col]
    complete = (~np.isnan(params) & ~np.isnan(tokens) & ~np.isnan(scores).any(axis=1)
                & families.notna().to_numpy())
    models = (df["Model"].astype(str).to_numpy() if "Model" in df.columns
              else np.array([f"row {i + 1}" for i in range(len(df))]))
    fam = families.astype(str).to_numpy()
    idx = np.flatnonzero(complete)
    # stable sort by (family, size): the k smallest models of a family are its first k rows
    order = idx[np.lexsort((params[idx], fam[idx]))]
    floor_map = {**CHANCE_FLOORS, **(floors or {})}
    fl = np.array([float(floor_map.get(b, 0.0)) for b in benchmarks])
    if np.any((fl < 0) | (fl >= 1)):
        raise InputError("chance floors must lie in [0, 1)")
    return ScoreTable(models[order], fam[order], params[order], tokens[order], scores[order],
                      tuple(benchmarks), fl, file, int((~complete).sum()))
