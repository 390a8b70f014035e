"""``scalinglab density``: capability density and its doubling time (the Densing law)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scalinglab.cli.common import LazyModule, echo_json, handle_errors
from scalinglab.errors import InputError

np = LazyModule("numpy")
pd = LazyModule("pandas")
densing = LazyModule("scalinglab.skills.densing")
_obs = LazyModule("scalinglab.skills.observational")

_console = Console(soft_wrap=True, width=120)


def _load(data: str, benchmarks: list[str], family_col: str, params_col: str, tokens_col: str,
          date_col: str, loss_col: str | None) -> pd.DataFrame:
    from scalinglab.data import io, validate

    df = io.read_table(data)
    validate.check_columns(df, benchmarks, file=data, what="benchmark")
    _obs.check_unit_interval(df, benchmarks, file=data)
    for col in (family_col, params_col, tokens_col, date_col, *([loss_col] if loss_col else [])):
        if col not in df.columns:
            raise InputError(f"column {col!r} not found", file=data, column=col)
    for col in (params_col, tokens_col, *([loss_col] if loss_col else [])):
        df[col] = validate.numeric_column(df, col, file=data, positive=True)
    dates = pd.to_datetime(df[date_col], errors="coerce")
    bad = np.flatnonzero((dates.isna() & df[date_col].notna()).to_numpy())
    if bad.size:
        raise InputError(f"{df[date_col].iloc[bad[0]]!r} is not a date (YYYY-MM-DD)", file=data,
                         row=int(bad[0]) + 1, column=date_col)
    df["_date"] = dates
    df["_score"] = df[benchmarks].mean(axis=1, skipna=False)
    return df


def density(
    data: Annotated[str, typer.Argument(
        help="CSV with one row per model: family, size, tokens, release date and benchmark "
             "scores in [0, 1]; 'bundled:densing_models' for the bundled table.")],
    reference_family: Annotated[str, typer.Option(
        "--reference-family", "-r", help="Family whose models define the reference recipe.")],
    benchmarks: Annotated[str, typer.Option(
        "--benchmarks", help="Comma-separated score columns, averaged per model.")] = "MMLU",
    loss_column: Annotated[str | None, typer.Option(
        "--loss-column", help="Measured loss of the reference models (fits L = aN^-α + bD^-β). "
                              "Without it a Chinchilla-law proxy loss is used.")] = None,
    tokens_per_param: Annotated[float, typer.Option(
        "--tokens-per-param", help="Data policy D = r·N̂ for the hypothetical reference model.")] = 20.0,
    tokens: Annotated[float | None, typer.Option(
        "--tokens", help="Fixed data policy instead: D = this many trillion tokens.")] = None,
    score_floor: Annotated[float | None, typer.Option(
        "--score-floor", help="Fix the sigmoid floor d (e.g. 0.25 for 4-way multiple choice).")] = None,
    since: Annotated[str, typer.Option(
        "--since", help="Only models released on/after this date enter the trend.")] = "2023-01-01",
    all_models: Annotated[bool, typer.Option(
        "--all-models", help="Fit the trend to every model, not only the density frontier.")] = False,
    family_column: Annotated[str, typer.Option("--family-column")] = "Model Family",
    params_column: Annotated[str, typer.Option(
        "--params-column", help="Parameters in billions.")] = "Model Size (B)",
    tokens_column: Annotated[str, typer.Option(
        "--tokens-column", help="Training tokens in trillions.")] = "Pretraining Data Size (T)",
    date_column: Annotated[str, typer.Option("--date-column")] = "release_date",
    model_column: Annotated[str, typer.Option("--model-column")] = "Model",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also write density vs release date with the fitted trend as a figure "
                       "(.png or .svg).")] = None,
) -> None:
    """Effective parameters N̂(S), density ρ = N̂/N, and the trend ln ρ_max = A·t + B."""
    if plot is not None:
        from scalinglab.report.skill_figures import check_plot_path

        check_plot_path(plot)
    bench = [b.strip() for b in benchmarks.split(",") if b.strip()]
    if not bench:
        raise InputError("--benchmarks is empty")
    if tokens_per_param <= 0 or (tokens is not None and tokens <= 0):
        raise InputError("--tokens-per-param and --tokens must be positive")
    df = _load(data, bench, family_column, params_column, tokens_column, date_column, loss_column)
    if reference_family not in set(df[family_column]):
        raise InputError(f"unknown reference family {reference_family!r}; available: "
                         + ", ".join(sorted(map(str, df[family_column].dropna().unique()))),
                         file=data, column=family_column)
    need = [params_column, tokens_column, "_score", *([loss_column] if loss_column else [])]
    ref = df[df[family_column] == reference_family].dropna(subset=need)
    n_min = 3 if score_floor is not None else 4
    if loss_column:
        n_min = max(n_min, 4)
    if len(ref) < n_min:
        raise InputError(f"reference family {reference_family!r} has {len(ref)} model(s) with "
                         f"size, tokens and {'+'.join(bench)} scores; need at least {n_min}",
                         file=data, column=family_column)
    if since:
        try:
            since_ts = pd.Timestamp(since)
        except ValueError:
            raise InputError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    est = densing.DensityEstimator(tokens=None if tokens is None else tokens * 1e12,
                                   tokens_per_param=tokens_per_param, score_floor=score_floor)
    est.fit(ref[params_column].to_numpy(float) * 1e9, ref[tokens_column].to_numpy(float) * 1e12,
            ref["_score"].to_numpy(float),
            losses=ref[loss_column].to_numpy(float) if loss_column else None)
    rows = df.dropna(subset=[params_column, "_score"]).copy()
    rows["n_eff_b"] = est.effective_params(rows["_score"].to_numpy(float)) / 1e9
    rows["density"] = rows["n_eff_b"] / rows[params_column]
    in_trend = rows["_date"].notna() & np.isfinite(rows["density"]) & (rows["density"] > 0)
    if since:
        in_trend &= rows["_date"] >= since_ts
    trend, used = densing.DensityTrend.fit(rows.loc[in_trend, "_date"],
                                           rows.loc[in_trend, "density"].to_numpy(float),
                                           frontier_only=not all_models)
    rows["in_trend_fit"] = False
    rows.loc[rows.index[in_trend.to_numpy()][used], "in_trend_fit"] = True
    sl, ll = est.score_law_, est.loss_law_
    models = [{"model": str(r[model_column]) if model_column in rows else str(i),
               "family": str(r[family_column]),
               "release_date": None if pd.isna(r["_date"]) else r["_date"].date().isoformat(),
               "params_b": float(r[params_column]), "score": float(r["_score"]),
               "effective_params_b": float(r["n_eff_b"]), "density": float(r["density"]),
               "in_trend_fit": bool(r["in_trend_fit"])} for i, r in rows.iterrows()]
    n_out = int((~np.isfinite(rows["density"])).sum())
    out: dict[str, Any] = {
        "data": data, "benchmarks": bench, "reference_family": reference_family,
        "n_reference_models": len(ref),
        "loss_law": {"source": est.loss_source_, "form": "L = E + a*N^-alpha + b*D^-beta",
                     "a": ll.a_, "alpha": ll.alpha_, "b": ll.b_, "beta": ll.beta_, "E": ll.E_},
        "score_law": {"form": "S = c / (1 + exp(gamma*(L - l))) + d", "c": sl.c_,
                      "gamma": sl.gamma_, "l": sl.l_, "d": sl.d_, "rmse": sl.rmse_},
        "data_policy": ({"tokens": tokens * 1e12} if tokens is not None
                        else {"tokens_per_param": tokens_per_param}),
        "trend": {"form": "ln(rho) = A*t + B, t in days since origin",
                  "A_per_day": trend.slope_per_day, "B": trend.intercept, "r2": trend.r2,
                  "origin": trend.origin.date().isoformat(), "n_models": trend.n_models,
                  "frontier_only": not all_models, "since": since,
                  "doubling_days": trend.doubling_days,
                  "doubling_months": trend.doubling_days / (365.25 / 12)},
        "paper": {"A_per_day": densing.PAPER_A_PER_DAY,
                  "doubling_days": densing.doubling_time_days(densing.PAPER_A_PER_DAY)},
        "n_out_of_range": n_out,
        "models": models,
    }
    if plot is not None:
        from scalinglab.report.figures import save
        from scalinglab.report.skill_figures import density_trend

        save(density_trend(rows["_date"], rows["density"].to_numpy(float), rows["in_trend_fit"].to_numpy(bool),
                           trend, models=[m["model"] for m in models],
                           title=f"Capability density (reference {reference_family}, "
                                 f"{'+'.join(bench)})"), plot)
    if json_out:
        echo_json(out)
        return
    _console.print(f"Reference family {reference_family} ({len(ref)} models), score = mean of "
                   f"{', '.join(bench)}; loss: {est.loss_source_}")
    _console.print(f"  S(L) = {sl.c_:.3f} / (1 + exp({sl.gamma_:.2f}·(L − {sl.l_:.3f}))) + "
                   f"{sl.d_:.3f}   (RMSE {sl.rmse_:.3f})")
    policy = (f"D = {tokens:g}T tokens" if tokens is not None else f"D = {tokens_per_param:g}·N̂")
    _console.print(f"  effective size N̂: reference recipe with {policy}")
    t = Table("model", "released", "N (B)", "score", "N̂ (B)", "density", "trend",
              title="Capability density ρ = N̂/N (highest first)")
    shown = rows.sort_values("density", ascending=False, na_position="last")
    for _, r in shown.head(30).iterrows():
        t.add_row(str(r.get(model_column, "")), "" if pd.isna(r["_date"]) else str(r["_date"].date()),
                  f"{r[params_column]:g}", f"{r['_score']:.3f}",
                  "out of range" if not np.isfinite(r["n_eff_b"]) else f"{r['n_eff_b']:.3g}",
                  "" if not np.isfinite(r["density"]) else f"{r['density']:.3g}",
                  "●" if r["in_trend_fit"] else "")
    _console.print(t)
    if len(rows) > 30:
        _console.print(f"... {len(rows) - 30} more (use --json)")
    if n_out:
        _console.print(f"{n_out} model(s) score outside the reference sigmoid's range "
                       f"({sl.d_:.3f}, {sl.c_ + sl.d_:.3f}): no finite N̂")
    which = "all models" if all_models else "density-frontier models"
    _console.print(f"\nTrend over {trend.n_models} {which} released since {since}: "
                   f"ln ρ = {trend.slope_per_day:.5f}·t {trend.intercept:+.3f} (R² {trend.r2:.2f})")
    _console.print(f"doubling time ln2/A = {trend.doubling_days:.0f} days "
                   f"({trend.doubling_days / (365.25 / 12):.1f} months); paper: "
                   f"A = {densing.PAPER_A_PER_DAY} /day → "
                   f"{math.log(2) / densing.PAPER_A_PER_DAY:.0f} days")


def register(app: typer.Typer) -> None:
    """Add the ``density`` command to the top-level app."""
    app.command("density")(handle_errors(density))
