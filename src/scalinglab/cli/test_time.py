"""``scalinglab test-time``: pass@k coverage from repeated samples, and test-time laws fitted per model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, handle_errors
from scalinglab.errors import ScalingLabError

test_time_app = typer.Typer(name="test-time", no_args_is_help=True,
                            help="Repeated sampling: coverage (pass@k) and test-time laws fitted from samples.")


def parse_ints(text: str, flag: str) -> tuple[int, ...]:
    """Comma-separated positive whole numbers (1e4 allowed)."""
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ScalingLabError(f"{flag} must be comma-separated numbers, got {text!r}") from None
    if not values or any(v < 1 or v != int(v) for v in values):
        raise ScalingLabError(f"{flag} must be positive whole numbers, got {text!r}")
    return tuple(int(v) for v in values)


def _load(data: str):
    from scalinglab.testtime.data import is_counts_table, load_counts, load_curves

    return load_counts(data) if is_counts_table(data) else load_curves(data)


@test_time_app.command("fit")
@handle_errors
def fit(
    data: Annotated[str, typer.Argument(help="Per-problem counts (model, N, [D], problem, n, c) or aggregate "
                                             "curves (model, N, [D], method, k, accuracy).")],
    law: Annotated[str | None, typer.Option("--law", help="Test-time law (see `test-time laws`); default "
                                                          "brown for counts, saturating for curves.")] = None,
    samples: Annotated[int | None, typer.Option("--samples", help="Fit on the first N samples per problem "
                                                                  "(hypergeometric subsample, seeded).")] = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Resamples of the problems for intervals.")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the subsample and the bootstrap.")] = 0,
    models: Annotated[str | None, typer.Option("--models", help="Comma-separated models to fit.")] = None,
    ks: Annotated[str, typer.Option("--ks", help="k at which to report coverage.")] = "1,10,100,1000,10000,100000",
    out: Annotated[Path | None, typer.Option("--out", help="Write the fit (for `plan test-time`).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Coverage vs k with the fitted laws (.png/.svg/.pdf).")]
    = None,
    json: opt.Json = False,
) -> None:
    """Fit a test-time law to each model: coverage(k) and its extrapolation, with intervals."""
    from scalinglab.testtime.data import ProblemCounts
    from scalinglab.testtime.fit import fit_test_time

    report_ks = parse_ints(ks, "--ks")
    table = _load(data)
    full = table
    if samples is not None:
        if not isinstance(table, ProblemCounts):
            raise ScalingLabError("--samples subsamples per-problem counts; this table holds aggregate curves")
        table = table.subsample(samples, seed)
    result = fit_test_time(table, law, bootstrap=bootstrap, seed=seed,
                           models=[m.strip() for m in models.split(",")] if models else None)
    if plot is not None:
        from scalinglab.report.test_time_figures import coverage_figure

        coverage_figure(result, full if isinstance(full, ProblemCounts) else None, plot)
    if out is not None:
        result.save(out)
    if json:
        echo_json(result.to_dict())
        return
    typer.echo(result.text(report_ks))
    for path in (out, plot):
        if path is not None:
            typer.echo(f"wrote {path}")


@test_time_app.command("coverage")
@handle_errors
def coverage(
    data: Annotated[str, typer.Argument(help="Per-problem counts (model, N, problem, n, c).")],
    ks: Annotated[str, typer.Option("--ks", help="k values.")] = "1,10,100,1000,10000",
    json: opt.Json = False,
) -> None:
    """Measured coverage (mean unbiased pass@k, Chen et al. 2021) per model."""
    from scalinglab.testtime.data import load_counts
    from scalinglab.testtime.passk import coverage as cov

    values = parse_ints(ks, "--ks")
    table = load_counts(data)
    rows = {m: dict(zip(map(str, values), map(float, cov(g["n"].to_numpy(), g["c"].to_numpy(), values)),
                        strict=True))
            for m in table.models for g in [table.of(m)]}
    if json:
        echo_json({"source": table.source, "coverage": rows})
        return
    typer.echo(f"  {'model':<18}" + "".join(f"{'k=' + format(k, ','):>12}" for k in values))
    for m, r in rows.items():
        typer.echo(f"  {m:<18}" + "".join(f"{v:>12.4f}" for v in r.values()))


@test_time_app.command("sizes")
@handle_errors
def sizes(
    data: Annotated[str, typer.Argument(help="Per-problem counts with N and D (train tokens) columns.")],
    ks: Annotated[str, typer.Option("--ks", help="k at which to fit the law across sizes.")] = "1,10,100",
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Resamples of the models for intervals.")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the fitted laws (for `plan test-time "
                                                           "--size-law`).")] = None,
    json: opt.Json = False,
) -> None:
    """-log pass@k = E(k) + A(k)/N^beta(k) + B(k)/D^gamma(k) across models (Schaeffer, Levi et al. 2025)."""
    from scalinglab.testtime.data import load_counts
    from scalinglab.testtime.sizes import fit_sizes

    result = fit_sizes(load_counts(data), parse_ints(ks, "--ks"), bootstrap=bootstrap, seed=seed)
    if out is not None:
        result.save(out)
    if json:
        echo_json(result.to_dict())
        return
    typer.echo(result.text())
    if out is not None:
        typer.echo(f"wrote {out}")


@test_time_app.command("bins")
@handle_errors
def bins(
    data: Annotated[str, typer.Argument(help="Per-problem counts (model, N, problem, n, c).")],
    samples_per_problem: Annotated[int, typer.Option("--samples-per-problem", help="Average samples per problem to spend.")],
    n_bins: Annotated[int, typer.Option("--bins", help="Difficulty bins (5: quintiles of pass@1).")] = 5,
    pilot: Annotated[int | None, typer.Option("--pilot", help="Set bins and allocation on the first N samples "
                                                              "per problem; measure on all of them.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the pilot subsample.")] = 0,
    json: opt.Json = False,
) -> None:
    """Snell et al.'s difficulty bins: samples per bin that maximise coverage, against uniform sampling."""
    from scalinglab.cli.common import emit
    from scalinglab.testtime.bins import allocate_by_difficulty
    from scalinglab.testtime.data import load_counts

    table = load_counts(data)
    emit(allocate_by_difficulty(table.subsample(pilot, seed) if pilot else table, samples_per_problem,
                                n_bins=n_bins,
                                evaluate_on=table if pilot else None), json)


@test_time_app.command("laws")
@handle_errors
def laws(json: opt.Json = False) -> None:
    """The test-time laws: name, data they fit, formula."""
    from scalinglab.testtime.registry import DEFAULT_LAW, available_test_time_laws, get_test_time_law

    rows = [get_test_time_law(n) for n in available_test_time_laws()]
    if json:
        echo_json({"default": DEFAULT_LAW, "laws": [{"name": r.name, "title": r.title, "formula": r.formula,
                                                      "data": r.data_kind, "parameters": list(r.param_names)}
                                                     for r in rows]})
        return
    for r in rows:
        mark = " (default)" if r.name == DEFAULT_LAW else ""
        typer.echo(f"  {r.name:<17} {r.data_kind:<7} {r.formula}   [{r.title}]{mark}")


def register(app: typer.Typer) -> None:
    """Add the ``test-time`` command group."""
    app.add_typer(test_time_app, name="test-time")
