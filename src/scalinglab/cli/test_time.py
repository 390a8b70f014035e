"""``scalinglab test-time``: pass@k coverage from repeated samples, and test-time laws fitted per model."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import report, testtime
from scalinglab.cli.common import command, emit, parse_floats, parse_names
from scalinglab.cli.options import Json, a, o

app = typer.Typer(name="test-time", no_args_is_help=True,
                  help="Repeated sampling: coverage (pass@k) and test-time laws fitted from samples.")


@command(app, "fit")
def fit(
    data: a(str, "Per-problem counts (model, N, [D], problem, n, c) or aggregate curves (model, N, [D], "
                 "method, k, accuracy)."),
    law: o(str | None, "Test-time law (see `test-time laws`); default brown for counts, saturating for "
                       "curves.") = None,
    samples: o(int | None, "Fit on the first N samples per problem (hypergeometric subsample, seeded).") = None,
    bootstrap: o(int, "Resamples of the problems for intervals.") = 0,
    seed: o(int, "Seed of the subsample and the bootstrap.") = 0,
    models: o(str | None, "Comma-separated models to fit.") = None,
    ks: o(str, "k at which to report coverage.") = "1,10,100,1000,10000,100000",
    out: o(Path | None, "Write the fit (for `plan test-time`).") = None,
    plot: o(Path | None, "Coverage vs k with the fitted laws (.png/.svg/.pdf).") = None, json: Json = False,
) -> None:
    """Fit a test-time law to each model: coverage(k) and its extrapolation, with intervals."""
    report_ks = parse_floats(ks, "--ks", whole=True)
    report.check_outputs(out, plot, report.TEST_TIME_FORMATS)  # before the fit: a bad --plot was a matplotlib traceback
    result, counts = testtime.fit_test_time_file(data, law, samples=samples, bootstrap=bootstrap, seed=seed,
                                                 models=parse_names(models, "--models"))
    if plot is not None:
        report.coverage_figure(result, counts, plot)
    emit(result, json, save=out, wrote=(plot,), text=result.text(report_ks))


@command(app, "coverage")
def coverage(
    data: a(str, "Per-problem counts (model, N, problem, n, c)."),
    ks: o(str, "k values.") = "1,10,100,1000,10000", json: Json = False,
) -> None:
    """Measured coverage (mean unbiased pass@k, Chen et al. 2021) per model."""
    values = parse_floats(ks, "--ks", whole=True)
    emit(testtime.Coverage(testtime.load_counts(data), values), json)


@command(app, "sizes")
def sizes(
    data: a(str, "Per-problem counts with N and D (train tokens) columns."),
    ks: o(str, "k at which to fit the law across sizes.") = "1,10,100",
    bootstrap: o(int, "Resamples of the models for intervals.") = 0, seed: o(int, "Seed of the bootstrap.") = 0,
    out: o(Path | None, "Write the fitted laws (for `plan test-time --size-law`).") = None, json: Json = False,
) -> None:
    """-log pass@k = E(k) + A(k)/N^beta(k) + B(k)/D^gamma(k) across models (Schaeffer, Levi et al. 2025)."""
    fit_ks = parse_floats(ks, "--ks", whole=True)
    report.check_outputs(out)
    emit(testtime.fit_sizes(testtime.load_counts(data), fit_ks, bootstrap=bootstrap, seed=seed), json, save=out)


@command(app, "bins")
def bins(
    data: a(str, "Per-problem counts (model, N, problem, n, c)."),
    samples_per_problem: o(int, "Average samples per problem to spend."),
    n_bins: o(int, "Difficulty bins (5: quintiles of pass@1).", "--bins") = 5,
    pilot: o(int | None, "Set bins and allocation on the first N samples per problem; measure on all of them.") = None,
    seed: o(int, "Seed of the pilot subsample.") = 0, json: Json = False,
) -> None:
    """Snell et al.'s difficulty bins: samples per bin that maximise coverage, against uniform sampling."""
    emit(testtime.allocate_by_difficulty_file(data, samples_per_problem, n_bins=n_bins, pilot=pilot, seed=seed), json)


@command(app, "laws")
def laws(json: Json = False) -> None:
    """The test-time laws: name, data they fit, formula."""
    emit(testtime.LawTable(), json)
