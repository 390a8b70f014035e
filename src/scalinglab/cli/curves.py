"""Learning-curve commands: ``evaluate`` (ARE of curve-fitted laws, the guide's heatmap),
``forecast`` (a run in progress against its family's law) and ``import-curves`` (tracker exports →
a curves CSV). After Choshen, Zhang & Andreas 2024, "A Hitchhiker's Guide to Scaling Law Estimation".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import emit, handle_errors, parse_floats, with_progress
from scalinglab.errors import InputError

CurvesArg = Annotated[str, typer.Argument(
    help="Curves table, one row per checkpoint: model, N, D (tokens seen), loss [, seed].")]
MinTokens = Annotated[float, typer.Option(
    "--min-tokens", help="Drop checkpoints with D ≤ this many tokens (the guide's cut, default 1e10).")]
TrainModels = Annotated[int | None, typer.Option(
    "--train-models", "-m", help="Fit on the m smallest models (default: all but the target).")]
TrainFraction = Annotated[float, typer.Option(
    "--train-fraction", "-p", help="Keep train checkpoints with D < p × the longest train model's D.")]
Method = Annotated[str, typer.Option(
    "--loss", help="curve_fit (the guide's recipe: least squares on L from the C4 guess), "
                   "lsq or huber (global fit on log L).")]
Fix = Annotated[list[str] | None, typer.Option(
    "--fix", help="Hold a parameter fixed, NAME=VALUE (repeatable), e.g. --fix alpha=0.34.")]
Weighting = Annotated[str, typer.Option(
    "--weighting", help="none, or model: every model gets equal total weight.")]


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("forecast")(forecast)
    app.command("import-curves")(import_curves)


def _load(curves: str, params_col, tokens_col, flops_col, loss_col, model_col, where, drop_invalid, col=None):
    from scalinglab.curves.estimate import load_curves
    from scalinglab.data.runs import parse_col_options

    table = load_curves(curves, params_col=params_col, tokens_col=tokens_col, flops_col=flops_col,
                        loss_col=loss_col, model_col=model_col, where=where, drop_invalid=drop_invalid,
                        columns=parse_col_options(col))
    if table.dropped:
        typer.echo(f"skipped {table.dropped} invalid row(s) of {table.source}", err=True)
    return table


@handle_errors
def evaluate(
    curves: CurvesArg,
    train_models: TrainModels = None,
    min_tokens: MinTokens = 1e10,
    train_fraction: TrainFraction = 1.0,
    loss: Method = "curve_fit",
    fix: Fix = None,
    weighting: Weighting = "none",
    target: Annotated[str | None, typer.Option("--target", help="Target model (default: largest).")] = None,
    grid: Annotated[bool, typer.Option("--grid", help="Sweep m and p: the guide's ARE heatmap.")] = False,
    fractions: Annotated[str, typer.Option("--fractions", help="Train fractions for --grid.")] =
    "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0",
    law: opt.Law = "chinchilla",
    out: Annotated[Path | None, typer.Option("--out", help="Write the fitted law as FIT.json "
                                                           "(usable by forecast, predict).")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also write the learning curves, the held-out tail and the fitted law as a "
                       "figure (.png or .svg; not with --grid).")] = None,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", help="Refit on K resamples of the train models: parameter intervals, a band on the "
                            "target's loss, and draws in --out for forecast.")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    json: opt.Json = False,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    flops_col: opt.FlopsCol = None,
    loss_col: opt.LossCol = None,
    model_col: opt.ModelCol = None,
    where: opt.Where = None,
    drop_invalid: opt.DropInvalid = False,
    col: opt.Col = None,
) -> None:
    """Fit on the m smallest models' checkpoints; report ARE (%) on the largest model's last 30 %."""
    from scalinglab.curves.estimate import parse_fixed
    from scalinglab.curves.evaluate import AreGrid, are_grid, evaluate_curves

    if out is not None:
        from scalinglab.atomic import check_writable

        check_writable(out)  # before the fit spends any compute
    if plot is not None:
        from scalinglab.report.skill_figures import check_plot_path

        check_plot_path(plot)
        if grid:
            raise InputError("--plot draws one evaluation; it cannot be combined with --grid")
    if bootstrap and grid:
        raise InputError("--bootstrap refits one evaluation; it cannot be combined with --grid")
    table = _load(curves, params_col, tokens_col, flops_col, loss_col, model_col, where, drop_invalid, col)
    fixed = parse_fixed(fix)
    kwargs = {"min_tokens": min_tokens, "method": loss, "law": law, "fixed": fixed, "weighting": weighting,
              "target": target}
    if grid:
        ms = [train_models] if train_models else None
        emit(AreGrid(are_grid(table, ms, parse_floats(fractions, "--fractions"), **kwargs), table.source, kwargs), json)
        return
    res = with_progress(bootstrap, "bootstrap over models", lambda update: evaluate_curves(
        table, train_models, min_tokens, train_fraction, loss, law, fixed, weighting, target, bootstrap=bootstrap,
        seed=seed, progress=update))
    if out is not None:
        res.fit_result().save(out)
    if plot is not None:
        from scalinglab.curves.estimate import Selection
        from scalinglab.report.figures import curve_evaluation_figure, save

        save(curve_evaluation_figure(table, res, Selection(train_models, min_tokens, train_fraction, target=target)),
             plot)
    emit(res, json)


@handle_errors
def forecast(
    curves: CurvesArg,
    fit: Annotated[Path, typer.Option("--fit", help="The family's law (FIT.json from `scalinglab fit`).")],
    run: Annotated[str, typer.Option("--run", help="Name of the run in progress (its model column).")],
    final_tokens: Annotated[float, typer.Option("--final-tokens", help="Tokens at the end of training.")],
    level: Annotated[float, typer.Option("--level", help="Interval level.")] = 0.95,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Resamples for the interval.")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    run_seed: Annotated[float | None, typer.Option(
        "--run-seed", help="With a seed column: which seed of --run is in progress.")] = None,
    tolerance: Annotated[float, typer.Option(
        "--tolerance", help="Gate: relative gap to the family's law still counted on track.")] = 0.03,
    target_loss: Annotated[float | None, typer.Option(
        "--target-loss", help="Gate: the interval's upper end must reach this loss.")] = None,
    min_tokens: Annotated[float, typer.Option("--min-tokens", help="Ignore checkpoints with D ≤ this.")] = 0.0,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 when the gate fails.")] = False,
    method: Annotated[str, typer.Option(
        "--method", help="drift: learn how the gap to the law moves from the family's finished curves "
                         "(default); checkpoints: hold the recent gap constant.")] = "drift",
    json: opt.Json = False,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    flops_col: opt.FlopsCol = None,
    loss_col: opt.LossCol = None,
    model_col: opt.ModelCol = None,
    where: opt.Where = None,
    drop_invalid: opt.DropInvalid = False,
) -> None:
    """Forecast a run's final loss from its curve so far and its family's law; gate on track/behind."""
    from scalinglab.curves.forecast import forecast_run
    from scalinglab.fitting.result import FitResult

    table = _load(curves, params_col, tokens_col, flops_col, loss_col, model_col, where, drop_invalid)
    res = forecast_run(table, FitResult.load(fit), run, final_tokens, level, bootstrap, seed, min_tokens,
                       tolerance=tolerance, target_loss=target_loss, method=method, run_seed=run_seed)
    emit(res, json)
    if strict and not res["gate"]["passed"]:
        raise typer.Exit(1)


@handle_errors
def import_curves(
    sources: Annotated[list[str], typer.Argument(help="Export files, TensorBoard log dirs or an mlruns/ "
                                                      "folder (for --format guide: the hitchhiker folder).")],
    fmt: Annotated[str, typer.Option("--format", help="wandb (CSV/JSONL history export), tensorboard, "
                                                      "mlflow, or guide (ColPret families).")] = "wandb",
    out: Annotated[Path, typer.Option("--out", "-o", help="Curves CSV to write.")] = Path("curves.csv"),
    metric: Annotated[str | None, typer.Option("--metric", help="Loss metric / scalar tag "
                                                                "(default: train/loss, loss, ...).")] = None,
    tokens_metric: Annotated[str | None, typer.Option(
        "--tokens-metric", help="Column/metric/tag holding tokens seen.")] = None,
    tokens_per_step: Annotated[float | None, typer.Option(
        "--tokens-per-step", help="Tokens per optimiser step, when there is no tokens metric.")] = None,
    n_params: Annotated[float | None, typer.Option("--params", help="Parameter count N of the run(s).")] = None,
    params_param: Annotated[str | None, typer.Option(
        "--params-param", help="mlflow: run parameter holding N.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Run name (one source only).")] = None,
    family: Annotated[str | None, typer.Option("--family", help="guide: gpt3, opt or t5-pile.")] = None,
    json: opt.Json = False,
) -> None:
    """Convert tracker exports (W&B, TensorBoard, MLflow) to a long curves CSV: model, N, D, step, loss."""
    from scalinglab.atomic import check_writable
    from scalinglab.curves.importers import import_curves as run

    check_writable(out)
    res = run(sources, fmt, metric=metric, tokens_metric=tokens_metric, tokens_per_step=tokens_per_step,
              n_params=n_params, params_param=params_param, model=model, family=family)
    res.write(out)
    emit(res, json)
    if res.dropped:
        typer.echo(f"dropped {res.dropped} row(s) without a finite positive loss and token count", err=True)
