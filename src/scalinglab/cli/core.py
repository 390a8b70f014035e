"""Core commands: fit, predict, optimal, laws."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import fitting, planning
from scalinglab.cli import options as opt
from scalinglab.cli.common import Bars, check_outputs, command, emit, note_dropped, parse_budgets
from scalinglab.cli.options import o
from scalinglab.data.columns import parse_col_options
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
    check_outputs(out)  # before the fit spends any compute
    with Bars() as bars:  # the fit's start scan, then its bootstrap
        report = fitting.fit_runs(data, law, approach=approach, loss=loss, delta=delta, tau=tau, bootstrap=bootstrap,
                                  seed=seed, isoflop=isoflop, seed_noise=seed_noise, budgets=parse_budgets(budgets),
                                  columns=columns, progress=bars)
    note_dropped(report.runs)
    emit(report, json, save=out)


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
    check_outputs(out)
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
