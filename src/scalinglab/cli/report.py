"""The ``report`` command: fit runs and write one self-contained HTML report, or the figures alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import handle_errors
from scalinglab.errors import ScalingLabError


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@handle_errors
def report(
    data: Annotated[str, typer.Argument(help="Runs table (.csv/.tsv/.parquet/.jsonl) or bundled:NAME.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (or, with --format png|svg, "
                                                          "the folder for the figures).")] = Path("report.html"),
    fmt: Annotated[str, typer.Option("--format", help="html (one self-contained page), png or svg "
                                                      "(the figures alone, into the --out folder).")] = "html",
    law: opt.Law = "chinchilla",
    loss: Annotated[str, typer.Option("--loss", help="Objective: huber (default), lsq, asymmetric.")] = "huber",
    delta: Annotated[float, typer.Option("--delta", help="Huber threshold on log residuals.")] = 1e-3,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for the bands and "
                                                               "intervals (0: none).")] = 100,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    fit: Annotated[Path | None, typer.Option("--fit", help="Use this FIT.json (from `scalinglab fit --out`) "
                                                           "instead of fitting.")] = None,
    target: Annotated[float, typer.Option("--target-compute", help="FLOP budget to extrapolate to "
                                                                   "(default: Chinchilla's 5.88e23).")] = 5.88e23,
    budgets: Annotated[str, typer.Option("--budgets", help="FLOP budgets for the allocation table.")] =
    "1e21,1e22,1e23,1e24,1e25",
    unique_tokens: Annotated[str | None, typer.Option(
        "--unique-tokens", help="Unique-token counts for the data-constrained figure (comma-separated; "
                                "default: 1, 1/4, 1/16 of D_opt at the target).")] = None,
    planners: Annotated[bool, typer.Option("--planners/--no-planners",
                                           help="Include the planners' trade-off figures.")] = True,
    title: Annotated[str, typer.Option("--title", help="Title of the page.")] = "Scaling-law report",
    curves: Annotated[str | None, typer.Option(
        "--curves", help="Also evaluate a learning-curves table (model, N, D, loss per checkpoint) as "
                         "`scalinglab evaluate` does and add a learning-curves section.")] = None,
    curves_train_models: Annotated[int | None, typer.Option(
        "--curves-train-models", help="m smallest models to fit the curves law on (default: all but the "
                                      "largest).")] = None,
    curves_min_tokens: Annotated[float, typer.Option(
        "--curves-min-tokens", help="Drop checkpoints with D ≤ this (the guide's cut).")] = 1e10,
    post: Annotated[Path | None, typer.Option(
        "--post", help="Also fit the SFT laws to a post_runs.csv (`scalinglab post fit`) and add a "
                       "post-training section.")] = None,
    curves_grid: Annotated[bool, typer.Option(
        "--curves-grid", help="Add the guide's (m, p) ARE heatmap as a table.")] = False,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    flops_col: opt.FlopsCol = None,
    loss_col: opt.LossCol = None,
    model_col: opt.ModelCol = None,
    where: opt.Where = None,
    drop_invalid: opt.DropInvalid = False,
    col: opt.Col = None,
) -> None:
    """Fit a law and write a report: figures, fit, intervals, allocation table and the data, in one file."""
    from scalinglab.cli.core import _parse_budgets
    from scalinglab.report.build import FORMATS

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ScalingLabError(f"--format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, got {fmt!r}")
    if not target > 0:
        raise ScalingLabError("--target-compute must be a positive number of FLOPs")
    if fmt == "html":
        from scalinglab.atomic import check_writable

        check_writable(out)  # before the fit and the figures spend any compute
    elif out.exists() and not out.is_dir():
        raise ScalingLabError(f"{out}: --format {fmt} writes figures into a folder, and this is a file")
    budget_values = _parse_budgets(budgets)
    uniques = list(_parse_budgets(unique_tokens, "--unique-tokens")) if unique_tokens else None
    runs, result = _runs_and_fit(data, fit, law, loss, delta, bootstrap, seed,
                                 dict(params_col=params_col, tokens_col=tokens_col, flops_col=flops_col,
                                      loss_col=loss_col, model_col=model_col, where=where,
                                      drop_invalid=drop_invalid), col)
    part = None
    if curves is not None:
        from scalinglab.curves.estimate import load_curves
        from scalinglab.report.build import curves_part

        table = load_curves(curves, model_col=model_col, drop_invalid=drop_invalid)
        part = curves_part(table, curves_train_models, curves_min_tokens, grid=curves_grid)
    post_fit = None
    if post is not None:
        from scalinglab.planning.post_training import fit_post_runs

        post_fit = fit_post_runs(post)
    if fmt == "html":
        from scalinglab.report import write_report

        write_report(out, runs, result, target=target, budgets=budget_values, planners=planners,
                     unique_tokens=uniques, title=title, curves=part, post=post_fit)
        typer.echo(f"wrote {out}")
    else:
        from scalinglab.report import write_figures

        for p in write_figures(out, runs, result, fmt, target=target, planners=planners, unique_tokens=uniques,
                               curves=part):
            typer.echo(f"wrote {p}")


def _runs_and_fit(data: str, fit: Path | None, law: str, loss: str, delta: float, bootstrap: int,
                  seed: int | None, columns: dict, col: list[str] | None = None):
    """The runs table and the fit: loaded from --fit, or fitted on the runs (with a progress bar)."""
    from scalinglab.cli.core import fit_with_progress
    from scalinglab.data.runs import load_law_inputs, parse_col_options
    from scalinglab.fitting.result import FitResult
    from scalinglab.laws.registry import get_law

    result = FitResult.load(fit) if fit is not None else None
    the_law = result.law if result is not None else get_law(law)
    runs = load_law_inputs(data, the_law, columns=parse_col_options(col), **columns)
    if runs.dropped:
        typer.echo(f"skipped {runs.dropped} invalid row(s) of {runs.source}", err=True)
    if result is None:
        from scalinglab.fitting.estimator import ScalingLawFit

        result = fit_with_progress(ScalingLawFit(law=the_law, loss=loss, delta=delta, bootstrap=bootstrap,
                                                 seed=seed), runs)
    return runs, result
