"""The ``report`` command: fit runs and write one self-contained HTML report, or the figures alone."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, echo_json, handle_errors, load_table
from scalinglab.cli.options import o
from scalinglab.errors import ScalingLabError


def register(app: typer.Typer) -> None:
    app.command("report")(handle_errors(report))


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
    from scalinglab.cli.core import fit_with_progress, parse_budgets
    from scalinglab.data.runs import load_law_inputs
    from scalinglab.fitting.result import FitResult
    from scalinglab.laws.registry import get_law
    from scalinglab.report.build import FORMATS

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ScalingLabError(f"--format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, got {fmt!r}")
    if not target > 0:
        raise ScalingLabError("--target-compute must be a positive number of FLOPs")
    if fmt == "html":
        check_outputs(out)  # before the fit and the figures spend any compute
    elif out.exists() and not out.is_dir():
        raise ScalingLabError(f"{out}: --format {fmt} writes figures into a folder, and this is a file")
    budget_values = parse_budgets(budgets)
    uniques = list(parse_budgets(unique_tokens, "--unique-tokens")) if unique_tokens else None
    result = FitResult.load(fit) if fit is not None else None
    runs = load_table(load_law_inputs, data, result.law if result is not None else get_law(law), **columns)
    if result is None:
        from scalinglab.fitting.estimator import ScalingLawFit

        result = fit_with_progress(ScalingLawFit(law=get_law(law), loss=loss, delta=delta,
                                                 bootstrap=bootstrap, seed=seed), runs)
    part = None
    if curves is not None:
        from scalinglab.curves.estimate import load_curves
        from scalinglab.report.build import curves_part

        table = load_curves(curves, model_col=columns.get("model_col"), drop_invalid=columns["drop_invalid"])
        part = curves_part(table, curves_train_models, curves_min_tokens, grid=curves_grid)
    post_fit = None
    if post is not None:
        from scalinglab.planning.post_training import fit_post_runs

        post_fit = fit_post_runs(post)
    if fmt == "html":
        from scalinglab.report import write_report

        write_report(out, runs, result, target=target, budgets=budget_values, planners=planners,
                     unique_tokens=uniques, title=title, curves=part, post=post_fit)
        written = [out]
    else:
        from scalinglab.report import write_figures

        written = list(write_figures(out, runs, result, fmt, target=target, planners=planners, unique_tokens=uniques,
                                     curves=part))
    if json:
        return echo_json({"format": fmt, "law": result.law.name, "written": [str(p) for p in written]})
    for p in written:
        typer.echo(f"wrote {p}")
