"""Learning-curve commands: ``evaluate`` (ARE of curve-fitted laws, the guide's heatmap),
``forecast`` (a run in progress against its family's law) and ``import-curves`` (tracker exports →
a curves CSV). After Choshen, Zhang & Andreas 2024, "A Hitchhiker's Guide to Scaling Law Estimation".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, handle_errors, progress_bar
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


def _parse_fractions(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--fractions must be comma-separated numbers, got {text!r}") from None
    if not values:
        raise InputError("--fractions is empty")
    return values


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
    from scalinglab.curves.evaluate import are_grid, evaluate_curves, grid_table

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
        rows = are_grid(table, ms, _parse_fractions(fractions), **kwargs)
        if json:
            echo_json({"source": table.source, "options": kwargs, "cells": rows})
            return
        tab = grid_table(rows)
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"ARE (%) predicting the largest model, {table.source}")
        t.add_column("train models (target/largest)")
        for p in tab.columns:
            t.add_column(f"p={p:g}", justify="right")
        for label, row in tab.iterrows():
            t.add_row(str(label), *("" if v != v else f"{v:.2f}" for v in row))
        Console(soft_wrap=True, width=160).print(t)
        return
    import contextlib

    bar, update = progress_bar(bootstrap, "bootstrap over models") if bootstrap else (contextlib.nullcontext(), None)
    with bar:
        res = evaluate_curves(table, train_models, min_tokens, train_fraction, loss, law, fixed, weighting, target,
                              bootstrap=bootstrap, seed=seed, progress=update)
    res["source"] = table.source
    if out is not None:
        import numpy as np

        from scalinglab.fitting.result import FitResult

        boot = res.get("bootstrap")
        result = FitResult.from_params(res["law"], res["params"], source=f"{table.source} (curves, {loss})")
        result.objective = res["objective"]
        if boot:
            result.draws, result.bootstrap_seed = np.asarray(boot["draws"], dtype=float), seed
        result.save(out)
    if plot is not None:
        from scalinglab.curves.estimate import Selection, select
        from scalinglab.fitting.result import FitResult
        from scalinglab.report.figures import learning_curves, save

        train, test, info = select(table, Selection(train_models, min_tokens, train_fraction, target=target))
        frame = table.frame
        shown = frame[frame["model"].isin([*info["train_models"], info["target"]])]
        are = res["are_percent"]
        save(learning_curves(train, test, FitResult.from_params(res["law"], res["params"]), all_checkpoints=shown,
                             title=f"{table.source}: ARE " + ("n/a" if are is None else f"{are:.2f} %")), plot)
    if json:
        if res.get("bootstrap"):
            res["bootstrap"] = {k: v for k, v in res["bootstrap"].items() if k != "draws"}
        echo_json(res)
        return
    tg, tr = res["target"], res["train"]
    typer.echo(f"Target {tg['model']} (N={tg['N']:.4g}), {tg['n_checkpoints']} checkpoints in its last "
               f"30 % (D {tg['D_range'][0]:.3g}–{tg['D_range'][1]:.3g})")
    typer.echo(f"Train: {len(tr['models'])} models ({', '.join(tr['models'])}), {tr['n_checkpoints']} "
               f"checkpoints, target {tr['scale_ratio']:.1f}x the largest")
    typer.echo(f"Fit ({loss}): " + ", ".join(f"{k}={v:.4g}" for k, v in res["params"].items()))
    are = res["are_percent"]
    typer.echo(f"ARE: {are:.2f} %" if are is not None else "ARE: undefined (non-finite prediction)")
    if res.get("bootstrap"):
        b = res["bootstrap"]
        typer.echo(f"Bootstrap over train models ({b['n']} refits), 95 % intervals: "
                   + ", ".join(f"{k} {lo:.4g}–{hi:.4g}" for k, (lo, hi) in b["intervals"].items()))
        lo, hi = b["mean_predicted_interval"]
        typer.echo(f"Target's mean loss {res['target']['mean_loss']:.4f}: predicted "
                   f"{res['target']['mean_predicted']:.4f} (95 % band {lo:.4f}–{hi:.4f}, "
                   f"{'covers' if b['covers_mean_loss'] else 'misses'} it)")
    if res.get("seeds"):
        sd = res["seeds"]
        typer.echo(f"Seed spread of the target: {sd['seed_are_percent']:.2f} % ARE between its {sd['n_seeds']} "
                   "seeds (the floor a law can reach)")


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
    if json:
        echo_json(res)
    else:
        iv = res["interval"]
        typer.echo(f"Run {run}" + (f" (seed {res['seed']:g})" if res["seed"] is not None else "")
                   + f": N={res['N']:.4g}, {res['tokens_seen']:.3g} of {final_tokens:.3g} tokens, "
                   f"last loss {res['last_loss']:.4f}")
        typer.echo(f"Forecast at {final_tokens:.3g} tokens: {res['forecast']:.4f}"
                   + (f"  ({100 * level:g}% interval {iv[0]:.4f}–{iv[1]:.4f})" if iv else "")
                   + f"; the family's law alone: {res['family_forecast']:.4f}")
        g = res["gate"]
        typer.echo(f"Gate: {g['status']} (run is {100 * g['relative_gap']:+.2f} % vs the law, tolerance "
                   f"{100 * g['tolerance']:g} %)" + (f"; meets target {g['target_loss']:g}: "
                                                     f"{'yes' if g['meets_target'] else 'no'}"
                                                     if "target_loss" in g else ""))
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
    import pandas as pd

    from scalinglab.curves import importers as imp

    if model is not None and len(sources) > 1:
        raise InputError("--model names one run; give one source, or let names come from the files")
    frames = []
    for src in sources:
        if fmt == "wandb":
            frames.append(imp.read_tracker_export(src, metric=metric, tokens_col=tokens_metric,
                                                  tokens_per_step=tokens_per_step, model=model,
                                                  n_params=n_params))
        elif fmt == "tensorboard":
            frames.append(imp.read_tensorboard(src, tag=metric, tokens_tag=tokens_metric,
                                               tokens_per_step=tokens_per_step, model=model, n_params=n_params))
        elif fmt == "mlflow":
            frames.append(imp.read_mlflow(src, metric=metric or "train/loss", tokens_metric=tokens_metric,
                                          params_param=params_param, n_params=n_params,
                                          tokens_per_step=tokens_per_step))
        elif fmt == "guide":
            if family is None:
                raise InputError("--format guide needs --family gpt3|opt|t5-pile")
            frames.append(imp.guide_family(family, src))
        else:
            raise InputError(f"unknown --format {fmt!r}; choose wandb, tensorboard, mlflow or guide")
    df = pd.concat(frames, ignore_index=True)
    from scalinglab.serialize import write_text_atomic

    write_text_atomic(out, df.to_csv(index=False))
    summary = {"out": str(out), "rows": int(len(df)),
               "models": {str(m): int(n) for m, n in df.groupby("model").size().items()}}
    if json:
        echo_json(summary)
    else:
        typer.echo(f"wrote {out}: {len(df)} checkpoints of {df['model'].nunique()} run(s)")
