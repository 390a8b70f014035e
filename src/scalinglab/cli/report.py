"""The ``report`` command: fit runs and write one self-contained HTML report, or the figures alone."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import report as reports
from scalinglab.cli import options as opt
from scalinglab.cli.common import Bars, command, emit, note_dropped, parse_budgets
from scalinglab.cli.options import o

app = typer.Typer()


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
            target=target, budgets=parse_budgets(budgets), planners=planners, title=title,
            unique_tokens=parse_budgets(unique_tokens, "--unique-tokens") if unique_tokens else None, curves=curves,
            curves_train_models=curves_train_models, curves_min_tokens=curves_min_tokens, curves_grid=curves_grid,
            post=post, columns=columns, progress=bars)
    note_dropped(res.runs)
    emit(res, json)
