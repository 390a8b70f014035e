"""Core commands: fit, predict, optimal, laws."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab.atomic import check_writable
from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, emit, handle_errors, load_table, parse_floats, progress_bar
from scalinglab.cli.options import o
from scalinglab.errors import ScalingLabError


def fit_with_progress(estimator, runs):
    """Fit, with a progress bar for the start scan, then one for the bootstrap; returns the FitResult."""
    bar, update = progress_bar(max(estimator.bootstrap, 1), "bootstrap")
    boot = bar.task_ids[0]
    bar.update(boot, visible=False)
    scan = bar.add_task("scan", total=None)

    def on_progress(event) -> None:  # the fit's events: "scan" while it walks its grid, then "bootstrap"
        if event.task == "scan":
            bar.update(scan, completed=event.done, total=event.total, visible=event.done < event.total)
        else:
            bar.update(boot, visible=True)
            update(event)

    with bar:
        estimator.fit(runs, progress=on_progress)
    return estimator.result_


def parse_budgets(text: str, flag: str = "--budgets") -> tuple[float, ...]:
    return parse_floats(text, flag, positive=True, what="FLOP counts")


def register(app: typer.Typer) -> None:
    for command in (fit, predict, optimal, laws):
        app.command(command.__name__)(handle_errors(command))


Budgets = o(str, "FLOP budgets for the allocation table.", "--budgets")
FitFile = o(Path | None, "FIT.json from `scalinglab fit --out`.", "--fit")


@opt.runs_columns()
def fit(
    data: opt.RunsArg, columns: dict, law: opt.Law = "chinchilla", loss: opt.LossObjective = "huber",
    delta: opt.Delta = 1e-3, tau: o(float, "asymmetric: weight of under-predictions.") = 0.75,
    bootstrap: opt.Bootstrap = 0, seed: opt.Seed = None,
    approach: o(int, "Chinchilla approach: 3 = parametric fit (default), 1 = envelope, 2 = IsoFLOP.") = 3,
    budgets: Budgets = "1e21,1e22,1e23,5.88e23,1e24,1e25",
    isoflop: o(str, "Approach 2: parabola (Hoffmann et al. 2022) or porian (interpolated minima, Porian et "
                    "al. 2024).") = "parabola",
    seed_noise: o(float, "--isoflop porian: seed-to-seed std of the loss for its bootstrap.") = 0.005,
    out: o(Path | None, "Write the fit as JSON here.") = None, json: opt.Json = False,
) -> None:
    """Fit a scaling law to runs; print the law, its intervals and the compute-optimal allocation."""
    from scalinglab.data.runs import load_law_inputs, load_runs
    from scalinglab.laws.registry import get_law

    if out is not None:
        check_writable(out)  # before the fit spends any compute
    the_law = get_law(law)
    budget_values = parse_budgets(budgets)
    if approach not in (1, 2, 3):
        raise ScalingLabError("--approach must be 1, 2 or 3")
    if approach == 3:
        from scalinglab.fitting.estimator import ScalingLawFit

        result = fit_with_progress(ScalingLawFit(law=the_law, loss=loss, delta=delta, tau=tau, bootstrap=bootstrap,
                                                 seed=seed), load_table(load_law_inputs, data, the_law, **columns))
        report, payload = result.report(budget_values), result.to_dict()
    else:
        from scalinglab.fitting.approaches import approach1, approach2

        runs = load_table(load_runs, data, require=("N", "D", "C", "loss"), **columns)
        result = approach1(runs) if approach == 1 else approach2(
            runs, method=isoflop, seed_noise=seed_noise, n_bootstrap=bootstrap or 1000, seed=seed or 0)
        report = result.text(budget_values)
        payload = result.to_dict() | {"allocation": [{"C": c} | result.optimal(c) for c in budget_values]}
    if out is not None:
        from scalinglab.serialize import dumps, write_text_atomic

        write_text_atomic(out, dumps(payload) + "\n")
    if json:
        return echo_json(payload)
    typer.echo(report + ("" if out is None else f"\n\nwrote {out}"))


def predict(
    params: o(float | None, "Parameter count N.") = None,
    tokens: o(float | None, "Training tokens D.") = None,
    compute: o(float | None, "Training FLOPs C (laws of C).") = None,
    unique_tokens: o(float | None, "Unique tokens U (data-constrained law).") = None,
    at: o(Path | None, "Table of points (one row per point, columns as in a runs table); writes one "
                       "prediction per row.") = None,
    out: o(Path | None, "With --at: write the predictions table here (.csv/.tsv/.parquet/.jsonl).") = None,
    fit: FitFile = None, preset: opt.Preset = None,
    law: o(str | None, "Use this law's default preset.") = None,
    inputs: o(list[str] | None, "Any law input, NAME=VALUE (repeatable), e.g. --input experts=64.", "--input") = None,
    col: opt.Col = None, json: opt.Json = False,
) -> None:
    """Predict the loss of a model of N parameters trained on D tokens (or on C FLOPs, or any law inputs),
    or at every row of --at; with an allocation fit (`fit --approach 1|2`), the compute-optimal N, D and
    loss at C."""
    from scalinglab.fitting.loading import fit_or_preset
    from scalinglab.fitting.points import predict_point

    result = fit_or_preset(fit, preset, law)
    if getattr(result, "kind", "") == "allocation":
        if at is not None:
            raise ScalingLabError("--at predicts a loss law at each point; an allocation fit takes --compute")
        if compute is None and params is not None and tokens is not None:
            compute = 6 * params * tokens
        if compute is None:
            raise ScalingLabError("an allocation fit predicts at a budget: give --compute (or --params and --tokens)")
        return _emit_allocation(result, [compute], json)
    if law is not None and result.law.name != law:
        raise ScalingLabError(f"--law {law} does not match the fit's law {result.law.name!r}")
    if at is not None:
        return _predict_table(result, at, out, json, col)
    if out is not None:
        raise ScalingLabError("--out goes with --at (a table of points)")
    point = predict_point(result, params, tokens, compute, unique_tokens, inputs)
    emit(point, json)
    if point.warning:
        typer.echo(f"warning: {point.warning}", err=True)


def _predict_table(result, at: Path, out: Path | None, json: bool, col: list[str] | None) -> None:
    """predict --at: one vectorised call over every point (and every bootstrap draw)."""
    from scalinglab.data.columns import parse_col_options
    from scalinglab.fitting.points import predict_columns, write_predictions

    if out is not None:
        check_writable(out)
    table = predict_columns(result, at, columns=parse_col_options(col))  # plain CSVs: no pandas
    n = len(table["loss"])
    if out is not None:
        write_predictions(table, out)
    if json:
        echo_json({"law": result.law.name, "n_points": n, "columns": list(table),
                   "predictions": {k: v.tolist() for k, v in table.items()}})
    elif out is not None:
        typer.echo(f"wrote {n} predictions to {out}")
    else:
        import pandas as pd

        typer.echo(pd.DataFrame(table).to_string(index=False))


def _emit_allocation(result, budgets: list[float], json: bool) -> None:
    """Print an allocation law's optimum at each budget (rows of C, N or M, D, loss and intervals)."""
    from scalinglab.fitting.approaches import allocation_rows, allocation_table

    rows, sol = allocation_table(result, budgets)
    if json:
        return echo_json(rows[0] if len(rows) == 1 else rows)
    typer.echo("\n".join(allocation_rows(sol, result.size)))


def optimal(
    compute: o(list[float], "FLOP budget (repeat for several)."), fit: FitFile = None,
    preset: o(str | None, "Published constants: a loss law (epoch2024) or an allocation law (deepseek2024).") = None,
    convention: o(str | None, "How C is counted: 6nd (C = 6ND, default for loss laws) or deepseek (C = "
                              "M·D, attention in M); an allocation law keeps its own.", "--compute-convention") = None,
    seq_len: o(float, "deepseek: training sequence length.") = 4096,
    aspect_ratio: o(float, "deepseek: d_model / n_layer.") = 128, json: opt.Json = False,
) -> None:
    """Compute-optimal N and D for a FLOP budget (C = 6ND, or C = M·D with --compute-convention deepseek),
    from a loss law or an allocation law, with intervals when the fit has draws."""
    from scalinglab.fitting.loading import fit_or_preset
    from scalinglab.planning.conventions import Convention, optimal_rows

    result = fit_or_preset(fit, preset)
    is_allocation = getattr(result, "kind", "") == "allocation"
    conv = Convention(convention or (result.convention if is_allocation else "6nd"), seq_len, aspect_ratio)
    if is_allocation:
        if conv.name != result.convention:
            raise ScalingLabError(f"this allocation law counts compute as {result.convention}; "
                                  f"--compute-convention {conv.name} would misread its budgets")
        return _emit_allocation(result, compute, json)
    if conv.name != "6nd":
        rows, text = optimal_rows(result, compute, conv)
        return echo_json(rows[0] if len(rows) == 1 else rows) if json else typer.echo(text)
    emit(result.allocation(compute), json)
    for far in filter(None, map(result.extrapolation, compute)):
        typer.echo(f"warning: {far}", err=True)


def laws(json: opt.Json = False) -> None:
    """List the laws (formula, inputs with units and column aliases, parameters) and the presets."""
    from scalinglab.fitting.loading import LawCatalogue

    emit(LawCatalogue(), json)
