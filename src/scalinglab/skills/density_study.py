"""The whole Densing analysis of a model table (what ``scalinglab density`` prints), as one library call.

:func:`density_study` loads the table, fits :class:`~scalinglab.skills.densing.DensityEstimator` on the
reference family (Xiao et al. 2024, Sec. 2: loss law, then score sigmoid), computes every model's
effective size and density, and fits the trend ``ln ρ = A·t + B`` to the density frontier (Sec. 3,
Fig. 1) of the models released since a date. The result is a :class:`DensityStudy`
(:class:`~scalinglab.results.Result`: ``to_dict`` is the ``--json`` shape, ``text`` the report;
:func:`scalinglab.report.skill_figures.density_study_figure` draws it).

Errors name parameters as `name` (the CLI shows its flags instead).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import InputError
from scalinglab.results import Result
from scalinglab.skills import densing
from scalinglab.skills import observational as obs

__all__ = ["DensityColumns", "DensityStudy", "density_study", "load_density_table"]

#: Rows of the text report's table (the rest are in to_dict()).
TEXT_ROWS = 30


@dataclass(frozen=True)
class DensityColumns:
    """Column names of a density table (sizes in billions, tokens in trillions)."""

    family: str = "Model Family"
    params: str = "Model Size (B)"
    tokens: str = "Pretraining Data Size (T)"
    date: str = "release_date"
    model: str = "Model"
    loss: str | None = None


def load_density_table(data: str, benchmarks: Sequence[str], cols: DensityColumns = DensityColumns()
                       ) -> pd.DataFrame:
    """Read and check a density table; adds ``_date`` (parsed) and ``_score`` (mean of benchmarks)."""
    from scalinglab.data import io, validate

    df = io.read_table(data)
    validate.check_columns(df, list(benchmarks), file=data, what="benchmark")
    obs.check_unit_interval(df, list(benchmarks), file=data)
    numeric = [cols.params, cols.tokens, *([cols.loss] if cols.loss else [])]
    for col in (cols.family, cols.date, *numeric):
        if col not in df.columns:
            raise InputError(f"column {col!r} not found", file=data, column=col)
    for col in numeric:
        df[col] = validate.numeric_column(df, col, file=data, positive=True)
    with warnings.catch_warnings():  # a column of names warned 'Could not infer format' before the error below
        warnings.simplefilter("ignore", UserWarning)
        dates = pd.to_datetime(df[cols.date], errors="coerce")
    bad = np.flatnonzero((dates.isna() & df[cols.date].notna()).to_numpy())
    if bad.size:
        raise InputError(f"{df[cols.date].iloc[bad[0]]!r} is not a date (YYYY-MM-DD)", file=data,
                         row=int(bad[0]) + 1, column=cols.date)
    df["_date"] = dates
    df["_score"] = df[list(benchmarks)].mean(axis=1, skipna=False)
    return df


def _reference_models(df: pd.DataFrame, data: str, family: str, bench: Sequence[str],
                      cols: DensityColumns, score_floor: float | None) -> pd.DataFrame:
    """The reference family's complete rows; it needs enough models to fit its score sigmoid."""
    if family not in set(df[cols.family]):
        raise InputError(f"unknown reference family {family!r}; available: "
                         + ", ".join(sorted(map(str, df[cols.family].dropna().unique()))),
                         file=data, column=cols.family)
    need = [cols.params, cols.tokens, "_score", *([cols.loss] if cols.loss else [])]
    ref = df[df[cols.family] == family].dropna(subset=need)
    n_min = 4 if score_floor is None or cols.loss else 3
    if len(ref) < n_min:
        raise InputError(f"reference family {family!r} has {len(ref)} model(s) with "
                         f"size, tokens and {'+'.join(bench)} scores; need at least {n_min}",
                         file=data, column=cols.family)
    return ref


@dataclass
class DensityStudy(Result):
    """Effective sizes, densities and the density trend of a table's models (see the module docstring)."""

    data: str
    benchmarks: list[str]
    reference_family: str
    n_reference_models: int
    estimator: densing.DensityEstimator
    trend: densing.DensityTrend
    rows: pd.DataFrame          # models with a size and a score: n_eff_b, density, in_trend_fit
    columns: DensityColumns
    tokens: float | None        # fixed data policy (trillions), or None for tokens_per_param
    tokens_per_param: float
    since: str
    frontier_only: bool

    def models(self) -> list[dict[str, Any]]:
        """One record per model: name, family, release date, size, score, N̂, density, in the trend fit."""
        c, r = self.columns, self.rows
        return [{"model": str(row[c.model]) if c.model in r else str(i), "family": str(row[c.family]),
                 "release_date": None if pd.isna(row["_date"]) else row["_date"].date().isoformat(),
                 "params_b": float(row[c.params]), "score": float(row["_score"]),
                 "effective_params_b": float(row["n_eff_b"]), "density": float(row["density"]),
                 "in_trend_fit": bool(row["in_trend_fit"])} for i, row in r.iterrows()]

    @property
    def n_out_of_range(self) -> int:
        """Models whose score lies outside the reference sigmoid's range (no finite N̂)."""
        return int((~np.isfinite(self.rows["density"])).sum())

    def to_dict(self) -> dict[str, Any]:
        sl, ll, t = self.estimator.score_law_, self.estimator.loss_law_, self.trend
        return {
            "data": self.data, "benchmarks": self.benchmarks, "reference_family": self.reference_family,
            "n_reference_models": self.n_reference_models,
            "loss_law": {"source": self.estimator.loss_source_, "form": "L = E + a*N^-alpha + b*D^-beta",
                         "a": ll.a_, "alpha": ll.alpha_, "b": ll.b_, "beta": ll.beta_, "E": ll.E_},
            "score_law": {"form": "S = c / (1 + exp(gamma*(L - l))) + d", "c": sl.c_,
                          "gamma": sl.gamma_, "l": sl.l_, "d": sl.d_, "rmse": sl.rmse_},
            "data_policy": ({"tokens": self.tokens * 1e12} if self.tokens is not None
                            else {"tokens_per_param": self.tokens_per_param}),
            "trend": {"form": "ln(rho) = A*t + B, t in days since origin",
                      "A_per_day": t.slope_per_day, "B": t.intercept, "r2": t.r2,
                      "origin": t.origin.date().isoformat(), "n_models": t.n_models,
                      "frontier_only": self.frontier_only, "since": self.since,
                      "doubling_days": t.doubling_days, "doubling_months": t.doubling_days / (365.25 / 12)},
            "paper": {"A_per_day": densing.PAPER_A_PER_DAY,
                      "doubling_days": densing.doubling_time_days(densing.PAPER_A_PER_DAY)},
            "n_out_of_range": self.n_out_of_range,
            "models": self.models(),
        }

    def _table(self) -> list[str]:
        c = self.columns
        head = (f"{'model':<34} {'released':<10} {'N (B)':>8} {'score':>6} {'N̂ (B)':>12} "
                f"{'density':>8} trend")
        lines = ["Capability density ρ = N̂/N (highest first)", head]
        shown = self.rows.sort_values("density", ascending=False, na_position="last")
        for _, r in shown.head(TEXT_ROWS).iterrows():
            n_eff = "out of range" if not np.isfinite(r["n_eff_b"]) else f"{r['n_eff_b']:.3g}"
            rho = "" if not np.isfinite(r["density"]) else f"{r['density']:.3g}"
            date = "" if pd.isna(r["_date"]) else str(r["_date"].date())
            lines.append(f"{str(r.get(c.model, '')):<34} {date:<10} {r[c.params]:>8g} {r['_score']:>6.3f} "
                         f"{n_eff:>12} {rho:>8} {'●' if r['in_trend_fit'] else ''}")
        if len(self.rows) > TEXT_ROWS:
            lines.append(f"... {len(self.rows) - TEXT_ROWS} more (use --json)")
        return lines

    def text(self) -> str:
        sl, est, t = self.estimator.score_law_, self.estimator, self.trend
        policy = (f"D = {self.tokens:g}T tokens" if self.tokens is not None
                  else f"D = {self.tokens_per_param:g}·N̂")
        lines = [f"Reference family {self.reference_family} ({self.n_reference_models} models), score = "
                 f"mean of {', '.join(self.benchmarks)}; loss: {est.loss_source_}",
                 f"  S(L) = {sl.c_:.3f} / (1 + exp({sl.gamma_:.2f}·(L − {sl.l_:.3f}))) + "
                 f"{sl.d_:.3f}   (RMSE {sl.rmse_:.3f})",
                 f"  effective size N̂: reference recipe with {policy}", *self._table()]
        if self.n_out_of_range:
            lines.append(f"{self.n_out_of_range} model(s) score outside the reference sigmoid's range "
                         f"({sl.d_:.3f}, {sl.c_ + sl.d_:.3f}): no finite N̂")
        which = "density-frontier models" if self.frontier_only else "all models"
        lines += ["", f"Trend over {t.n_models} {which} released since {self.since}: "
                      f"ln ρ = {t.slope_per_day:.5f}·t {t.intercept:+.3f} (R² {t.r2:.2f})",
                  f"doubling time ln2/A = {t.doubling_days:.0f} days "
                  f"({t.doubling_days / (365.25 / 12):.1f} months); paper: "
                  f"A = {densing.PAPER_A_PER_DAY} /day → {math.log(2) / densing.PAPER_A_PER_DAY:.0f} days"]
        return "\n".join(lines)


def density_study(data: str, reference_family: str, *, benchmarks: Sequence[str] = ("MMLU",),
                  tokens_per_param: float = 20.0, tokens: float | None = None,
                  score_floor: float | None = None, since: str = "2023-01-01", frontier_only: bool = True,
                  columns: DensityColumns = DensityColumns()) -> DensityStudy:
    """Fit the reference family, compute every model's density and fit the density trend.

    ``tokens`` (trillions) fixes the reference recipe's data; otherwise ``D = tokens_per_param · N̂``.
    ``columns.loss`` names measured losses of the reference models (else the Chinchilla proxy).
    """
    bench = [b.strip() for b in benchmarks if b.strip()]
    if not bench:
        raise InputError("`benchmarks` is empty")
    def bad(x: float) -> bool:
        return not (x > 0 and math.isfinite(x))

    if bad(tokens_per_param) or (tokens is not None and bad(tokens)):  # nan/inf were accepted
        raise InputError("`tokens_per_param` and `tokens` must be positive")
    if score_floor is not None:
        densing.LossToScore(floor=score_floor)  # checked before the table is read
    df = load_density_table(data, bench, columns)
    ref = _reference_models(df, data, reference_family, bench, columns, score_floor)
    since_ts = None
    if since:
        try:
            since_ts = pd.Timestamp(since)
        except ValueError:
            raise InputError(f"`since` {since!r} is not a date (YYYY-MM-DD)") from None
    est = densing.DensityEstimator(tokens=None if tokens is None else tokens * 1e12,
                                   tokens_per_param=tokens_per_param, score_floor=score_floor)
    est.fit(ref[columns.params].to_numpy(float) * 1e9, ref[columns.tokens].to_numpy(float) * 1e12,
            ref["_score"].to_numpy(float),
            losses=ref[columns.loss].to_numpy(float) if columns.loss else None)
    rows = df.dropna(subset=[columns.params, "_score"]).copy()
    rows["n_eff_b"] = est.effective_params(rows["_score"].to_numpy(float)) / 1e9
    rows["density"] = rows["n_eff_b"] / rows[columns.params]
    in_trend = rows["_date"].notna() & np.isfinite(rows["density"]) & (rows["density"] > 0)
    if since_ts is not None:
        in_trend &= rows["_date"] >= since_ts
    trend, used = densing.DensityTrend.fit(rows.loc[in_trend, "_date"],
                                           rows.loc[in_trend, "density"].to_numpy(float),
                                           frontier_only=frontier_only)
    rows["in_trend_fit"] = False
    rows.loc[rows.index[in_trend.to_numpy()][used], "in_trend_fit"] = True
    return DensityStudy(data, bench, reference_family, len(ref), est, trend, rows, columns, tokens,
                        tokens_per_param, since, frontier_only)
