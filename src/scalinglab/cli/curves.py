"""Learning-curve commands: evaluate, forecast and import-curves (after Choshen et al. 2024's Hitchhiker's Guide)."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import curves as curve_laws
from scalinglab import fitting, report
from scalinglab.cli.common import Bars, command, emit, note_dropped
from scalinglab.cli.options import Json, Law, Seed, a, o, runs_columns
from scalinglab.data.columns import parse_numbers
from scalinglab.errors import InputError

app = typer.Typer()

CurvesArg = a(str, "Curves table, one row per checkpoint: model, N, D (tokens seen), loss [, seed].")
MinTokens = o(float, "Drop checkpoints with D ≤ this many tokens (the guide's cut, default 1e10).", "--min-tokens")
TrainModels = o(int | None, "Fit on the m smallest models (default: all but the target).", "--train-models", "-m")
TrainFraction = o(float, "Keep train checkpoints with D < p × the longest train model's D.", "--train-fraction", "-p")
Method = o(str, "curve_fit (the guide's recipe: least squares on L from the C4 guess), lsq or huber "
                "(global fit on log L).", "--loss")
Fix = o(list[str] | None, "Hold a parameter fixed, NAME=VALUE (repeatable), e.g. --fix alpha=0.34.", "--fix")
Weighting = o(str, "none, or model: every model gets equal total weight.", "--weighting")


@command(app, "evaluate")
@runs_columns("params_col", "tokens_col", "flops_col", "loss_col", "model_col", "where", "drop_invalid", "col")
def evaluate(
    curves: CurvesArg, columns: dict, train_models: TrainModels = None, min_tokens: MinTokens = 1e10,
    train_fraction: TrainFraction = 1.0, loss: Method = "curve_fit", fix: Fix = None,
    weighting: Weighting = "none", target: o(str | None, "Target model (default: largest).") = None,
    grid: o(bool, "Sweep m and p: the guide's ARE heatmap.", "--grid") = False,
    fractions: o(str, "Train fractions for --grid.") = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0",
    law: Law = "chinchilla",
    out: o(Path | None, "Write the fitted law as FIT.json (usable by forecast, predict).") = None,
    plot: o(Path | None, "Also write the learning curves, the held-out tail and the fitted law as a figure "
                         "(.png or .svg; not with --grid).") = None,
    bootstrap: o(int, "Refit on K resamples of the train models: parameter intervals, a band on the "
                      "target's loss, and draws in --out for forecast.") = 0,
    seed: Seed = 0, json: Json = False,
) -> None:
    """Fit on the m smallest models' checkpoints; report ARE (%) on the largest model's last 30 %."""
    report.check_outputs(out, plot)  # before the fit spends any compute
    if grid and (plot is not None or bootstrap):
        raise InputError(f"{'--plot draws' if plot is not None else '--bootstrap refits'} one evaluation; "
                         "it cannot be combined with --grid")
    table = curve_laws.load_curves(curves, **columns)  # its skipped rows are noted after the work, so that
    fixed = curve_laws.parse_fixed(fix)                 # an error stays the one line on stderr
    if grid:
        cells = curve_laws.grid_result(table, train_models, parse_numbers(fractions, "fractions"), law=law,
                                       min_tokens=min_tokens, method=loss, fixed=fixed, weighting=weighting,
                                       target=target)
        note_dropped(table)
        return emit(cells, json)
    with Bars(label=lambda event: "bootstrap over models") as bars:
        res = curve_laws.evaluate_curves(table, train_models, min_tokens, train_fraction, loss, law, fixed, weighting,
                                         target, bootstrap=bootstrap, seed=seed, progress=bars)
    if out is not None:
        res.fit_result().save(out)
    if plot is not None:
        selection = curve_laws.Selection(train_models, min_tokens, train_fraction, target=target)
        report.save_curve_evaluation(table, res, selection, plot)
    note_dropped(table)
    emit(res, json)


@command(app, "forecast")
@runs_columns("params_col", "tokens_col", "flops_col", "loss_col", "model_col", "where", "drop_invalid")
def forecast(
    curves: CurvesArg, columns: dict, fit: o(Path, "The family's law (FIT.json from `scalinglab fit`)."),
    run: o(str, "Name of the run in progress (its model column)."),
    final_tokens: o(float, "Tokens at the end of training."), level: o(float, "Interval level.") = 0.95,
    bootstrap: o(int, "Resamples for the interval.") = 500, seed: Seed = 0,
    run_seed: o(float | None, "With a seed column: which seed of --run is in progress.") = None,
    tolerance: o(float, "Gate: relative gap to the family's law still counted on track.") = 0.03,
    target_loss: o(float | None, "Gate: the interval's upper end must reach this loss.") = None,
    min_tokens: o(float, "Ignore checkpoints with D ≤ this.") = 0.0,
    strict: o(bool, "Exit with status 1 when the gate fails.", "--strict") = False,
    method: o(str, "drift: learn how the gap to the law moves from the family's finished curves (default); "
                   "checkpoints: hold the recent gap constant.") = "drift",
    json: Json = False,
) -> None:
    """Forecast a run's final loss from its curve so far and its family's law; gate on track/behind."""
    table = curve_laws.load_curves(curves, **columns)
    res = curve_laws.forecast_run(table, fitting.FitResult.load(fit), run, final_tokens, level, bootstrap, seed,
                                  min_tokens, tolerance=tolerance, target_loss=target_loss, method=method,
                                  run_seed=run_seed)
    note_dropped(table)  # after the forecast: an error stays the one line on stderr
    emit(res, json)
    if strict and not res["gate"]["passed"]:
        raise typer.Exit(1)


@command(app, "import-curves")
def import_curves(
    sources: a(list[str], "Export files, TensorBoard log dirs or an mlruns/ folder (for --format guide: "
                          "the hitchhiker folder)."),
    fmt: o(str, "wandb (CSV/JSONL history export), tensorboard, mlflow, or guide (ColPret families).",
           "--format") = "wandb",
    out: o(Path, "Curves CSV to write.", "--out", "-o") = Path("curves.csv"),
    metric: o(str | None, "Loss metric / scalar tag (default: train/loss, loss, ...).") = None,
    tokens_metric: o(str | None, "Column/metric/tag holding tokens seen.") = None,
    tokens_per_step: o(float | None, "Tokens per optimiser step, when there is no tokens metric.") = None,
    n_params: o(float | None, "Parameter count N of the run(s).", "--params") = None,
    params_param: o(str | None, "mlflow: run parameter holding N.") = None,
    model: o(str | None, "Run name (one source only).") = None,
    family: o(str | None, "guide: gpt3, opt or t5-pile.") = None, json: Json = False,
) -> None:
    """Convert tracker exports (W&B, TensorBoard, MLflow) to a long curves CSV: model, N, D, step, loss."""
    report.check_outputs(out)
    res = curve_laws.import_curves(sources, fmt, metric=metric, tokens_metric=tokens_metric,
                                   tokens_per_step=tokens_per_step, n_params=n_params, params_param=params_param,
                                   model=model, family=family)
    res.write(out)
    emit(res, json)
    if res.dropped:
        typer.echo(f"dropped {res.dropped} row(s) without a finite positive loss and token count", err=True)
