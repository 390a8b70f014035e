"""Commands on runs and fitted laws (fit, predict, optimal, laws, select, report) and on the bundled data sets
(datasets, export)."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import data as tables
from scalinglab import fitting, planning
from scalinglab import report as reports
from scalinglab.cli import options as opt
from scalinglab.cli.common import Bars, command, echo_json, emit, note_dropped
from scalinglab.cli.options import o
from scalinglab.data.columns import parse_col_options, parse_names, parse_numbers
from scalinglab.errors import ScalingLabError

app = typer.Typer()


@command(app, "fit")
@opt.runs_columns()
def fit(
    data: opt.RunsArg, columns: dict, law: opt.Law = "chinchilla", loss: opt.LossObjective = "huber",
    delta: opt.Delta = 1e-3, tau: o(float, "asymmetric: weight of under-predictions.") = 0.75,
    bootstrap: opt.Bootstrap = 0, seed: opt.Seed = None,
    approach: o(int, "Chinchilla approach: 3 = parametric fit (default), 1 = envelope, 2 = IsoFLOP.") = 3,
    budgets: o(str, "FLOP budgets for the allocation table.") = "1e21,1e22,1e23,5.88e23,1e24,1e25",
    isoflop: o(str, "Approach 2: parabola (Hoffmann et al. 2022) or porian (interpolated minima, Porian et "
                    "al. 2024).") = "parabola",
    seed_noise: o(float, "--isoflop porian: seed-to-seed std of the loss for its bootstrap.") = 0.005,
    out: o(Path | None, "Write the fit as JSON here.") = None, json: opt.Json = False,
) -> None:
    """Fit a scaling law to runs; print the law, its intervals and the compute-optimal allocation."""
    reports.check_outputs(out)  # before the fit spends any compute
    with Bars() as bars:  # the fit's start scan, then its bootstrap
        fitted = fitting.fit_runs(data, law, approach=approach, loss=loss, delta=delta, tau=tau, bootstrap=bootstrap,
                                  seed=seed, isoflop=isoflop, seed_noise=seed_noise, columns=columns, progress=bars,
                                  budgets=parse_numbers(budgets, "budgets", positive=True, what="FLOP counts"))
    note_dropped(fitted.runs)
    emit(fitted, json, save=out)


@command(app, "predict")
def predict(
    params: o(float | None, "Parameter count N.") = None,
    tokens: o(float | None, "Training tokens D.") = None,
    compute: o(float | None, "Training FLOPs C (laws of C).") = None,
    unique_tokens: o(float | None, "Unique tokens U (data-constrained law).") = None,
    at: o(Path | None, "Table of points (one row per point, columns as in a runs table); writes one "
                       "prediction per row.") = None,
    out: o(Path | None, "With --at: write the predictions table here (.csv/.tsv/.parquet/.jsonl).") = None,
    fit: opt.Fit = None, preset: opt.Preset = None,
    law: o(str | None, "Use this law's default preset.") = None,
    inputs: o(list[str] | None, "Any law input, NAME=VALUE (repeatable), e.g. --input experts=64.", "--input") = None,
    col: opt.Col = None, json: opt.Json = False,
) -> None:
    """Predict the loss of a model of N parameters trained on D tokens (or on C FLOPs, or any law inputs),
    or at every row of --at; with an allocation fit (`fit --approach 1|2`), the compute-optimal N, D and
    loss at C."""
    if out is not None and at is None:
        raise ScalingLabError("--out goes with --at (a table of points)")
    reports.check_outputs(out)
    res = fitting.predict(fitting.fit_or_preset(fit, preset, law), params=params, tokens=tokens, compute=compute,
                          unique_tokens=unique_tokens, inputs=inputs, at=at, columns=parse_col_options(col),
                          law=law)
    if out is not None:
        res.save(out)
    if out is not None and not json:
        return typer.echo(f"wrote {len(res)} predictions to {out}")
    emit(res, json)
    if getattr(res, "warning", None):
        typer.echo(f"warning: {res.warning}", err=True)


@command(app, "optimal")
def optimal(
    compute: o(list[float], "FLOP budget (repeat for several)."), fit: opt.Fit = None,
    preset: o(str | None, "Published constants: a loss law (epoch2024) or an allocation law (deepseek2024).") = None,
    convention: o(str | None, "How C is counted: 6nd (C = 6ND, default for loss laws) or deepseek (C = "
                              "M·D, attention in M); an allocation law keeps its own.", "--compute-convention") = None,
    seq_len: o(float, "deepseek: training sequence length.") = 4096,
    aspect_ratio: o(float, "deepseek: d_model / n_layer.") = 128, json: opt.Json = False,
) -> None:
    """Compute-optimal N and D for a FLOP budget (C = 6ND, or C = M·D with --compute-convention deepseek),
    from a loss law or an allocation law, with intervals when the fit has draws."""
    plan = planning.plan_optimal(fitting.fit_or_preset(fit, preset), compute, convention, seq_len, aspect_ratio)
    emit(plan, json)
    for far in plan.warnings:
        typer.echo(f"warning: {far}", err=True)


@command(app, "laws")
def laws(json: opt.Json = False) -> None:
    """List the laws (formula, inputs with units and column aliases, parameters) and the presets."""
    emit(fitting.LawCatalogue(), json)


@command(app, "select")
@opt.runs_columns("params_col", "tokens_col", "flops_col", "loss_col", "unique_tokens_col", "where", "col")
def select(
    data: opt.RunsArg, columns: dict,
    laws: o(str, "Comma-separated candidate laws, e.g. chinchilla,kaplan,compute."),
    split: o(str, "Hold out the largest runs by N, D or C.") = "N",
    holdout: o(float, "Fraction of runs (at least) held out.") = 0.2,
    bootstrap: o(int, "Refits of resampled train runs for the error intervals (0: none).") = 100,
    seed: opt.Seed = 0, out: o(Path | None, "Write the ranking as JSON here.") = None,
    json: opt.Json = False,
) -> None:
    """Fit each law on the smaller runs, score it on the larger ones, rank by extrapolation error."""
    reports.check_outputs(out)  # before the fits: a bad --out fails at once and writes nothing
    result = fitting.select_laws_file(data, parse_names(laws, "laws"), split=split, holdout=holdout,
                                      bootstrap=bootstrap, seed=seed, columns=columns)
    if out is not None:  # quietly: the text is exactly the ranking's (SelectionResult.load(out).text())
        result.save(out)
    emit(result, json)


@command(app, "report")
@opt.runs_columns("params_col", "tokens_col", "flops_col", "loss_col", "model_col", "where", "drop_invalid", "col")
def report(
    data: opt.RunsArg, columns: dict,
    out: o(Path, "HTML file to write (or, with --format png|svg, the folder for the figures).", "--out",
           "-o") = Path("report.html"),
    fmt: o(str, "html (one self-contained page), png or svg (the figures alone, into the --out folder).",
           "--format") = "html",
    law: opt.Law = "chinchilla", loss: opt.LossObjective = "huber", delta: opt.Delta = 1e-3,
    bootstrap: o(int, "Bootstrap resamples for the bands and intervals (0: none).") = 100, seed: opt.Seed = 0,
    fit: o(Path | None, "Use this FIT.json (from `scalinglab fit --out`) instead of fitting.") = None,
    target: o(float, "FLOP budget to extrapolate to (default: Chinchilla's 5.88e23).", "--target-compute") = 5.88e23,
    budgets: o(str, "FLOP budgets for the allocation table.") = "1e21,1e22,1e23,1e24,1e25",
    unique_tokens: o(str | None, "Unique-token counts for the data-constrained figure (comma-separated; "
                                 "default: 1, 1/4, 1/16 of D_opt at the target).") = None,
    planners: o(bool, "Include the planners' trade-off figures.", "--planners/--no-planners") = True,
    title: o(str, "Title of the page.") = "Scaling-law report",
    curves: o(str | None, "Also evaluate a learning-curves table (model, N, D, loss per checkpoint) as "
                          "`scalinglab evaluate` does and add a learning-curves section.") = None,
    curves_train_models: o(int | None, "m smallest models to fit the curves law on (default: all but the "
                                       "largest).") = None,
    curves_min_tokens: o(float, "Drop checkpoints with D ≤ this (the guide's cut).") = 1e10,
    post: o(Path | None, "Also fit the SFT laws to a post_runs.csv (`scalinglab post fit`) and add a "
                         "post-training section.") = None,
    curves_grid: o(bool, "Add the guide's (m, p) ARE heatmap as a table.", "--curves-grid") = False,
    json: opt.Json = False,
) -> None:
    """Fit a law and write a report: figures, fit, intervals, allocation table and the data, in one file."""
    with Bars() as bars:
        res = reports.make_report(
            data, out, fmt=fmt, law=law, loss=loss, delta=delta, bootstrap=bootstrap, seed=seed, fit=fit,
            target=target, budgets=parse_numbers(budgets, "budgets", positive=True, what="FLOP counts"),
            planners=planners, title=title, curves=curves,
            unique_tokens=parse_numbers(unique_tokens, "unique_tokens", positive=True, what="token counts")
            if unique_tokens else None,
            curves_train_models=curves_train_models, curves_min_tokens=curves_min_tokens, curves_grid=curves_grid,
            post=post, columns=columns, progress=bars)
    note_dropped(res.runs)
    emit(res, json)


@command(app, "datasets")
def datasets(json_out: opt.Json = False) -> None:
    """List the data sets shipped in the package (usable as bundled:NAME)."""
    listing = tables.BundledDatasets()
    echo_json(listing.rows) if json_out else typer.echo(listing.text())  # --json: the list of rows


@command(app, "export")
def export(
    source: opt.a(str, "bundled:NAME (see `scalinglab datasets`) or a table file."),
    out: o(Path, "File to write: .csv, .tsv, .parquet or .jsonl.", "--out", "-o"),
) -> None:
    """Write a bundled data set (or convert a table) to a file, in the format of its suffix."""
    frame = tables.read_table(source)
    tables.write_table(frame, out)
    typer.echo(f"wrote {out} ({len(frame)} rows, {frame.shape[1]} columns)")
