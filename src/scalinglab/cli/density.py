"""``scalinglab density``: capability density and its doubling time (the Densing law)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli.common import LazyModule, emit, handle_errors

_study = LazyModule("scalinglab.skills.density_study")


def density(
    data: Annotated[str, typer.Argument(
        help="CSV with one row per model: family, size, tokens, release date and benchmark "
             "scores in [0, 1]; 'bundled:densing_models' for the bundled table.")],
    reference_family: Annotated[str, typer.Option(
        "--reference-family", "-r", help="Family whose models define the reference recipe.")],
    benchmarks: Annotated[str, typer.Option(
        "--benchmarks", help="Comma-separated score columns, averaged per model.")] = "MMLU",
    loss_column: Annotated[str | None, typer.Option(
        "--loss-column", help="Measured loss of the reference models (fits L = aN^-α + bD^-β). "
                              "Without it a Chinchilla-law proxy loss is used.")] = None,
    tokens_per_param: Annotated[float, typer.Option(
        "--tokens-per-param", help="Data policy D = r·N̂ for the hypothetical reference model.")] = 20.0,
    tokens: Annotated[float | None, typer.Option(
        "--tokens", help="Fixed data policy instead: D = this many trillion tokens.")] = None,
    score_floor: Annotated[float | None, typer.Option(
        "--score-floor", help="Fix the sigmoid floor d (e.g. 0.25 for 4-way multiple choice).")] = None,
    since: Annotated[str, typer.Option(
        "--since", help="Only models released on/after this date enter the trend.")] = "2023-01-01",
    all_models: Annotated[bool, typer.Option(
        "--all-models", help="Fit the trend to every model, not only the density frontier.")] = False,
    family_column: Annotated[str, typer.Option("--family-column")] = "Model Family",
    params_column: Annotated[str, typer.Option(
        "--params-column", help="Parameters in billions.")] = "Model Size (B)",
    tokens_column: Annotated[str, typer.Option(
        "--tokens-column", help="Training tokens in trillions.")] = "Pretraining Data Size (T)",
    date_column: Annotated[str, typer.Option("--date-column")] = "release_date",
    model_column: Annotated[str, typer.Option("--model-column")] = "Model",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also write density vs release date with the fitted trend as a figure "
                       "(.png or .svg).")] = None,
) -> None:
    """Effective parameters N̂(S), density ρ = N̂/N, and the trend ln ρ_max = A·t + B."""
    if plot is not None:
        from scalinglab.report.skill_figures import check_plot_path

        check_plot_path(plot)
    study = _study.density_study(data, reference_family, benchmarks=benchmarks.split(","),
                          tokens_per_param=tokens_per_param, tokens=tokens, score_floor=score_floor,
                          since=since, frontier_only=not all_models,
                          columns=_study.DensityColumns(family_column, params_column, tokens_column, date_column,
                                                 model_column, loss_column))
    if plot is not None:
        from scalinglab.report.figures import save
        from scalinglab.report.skill_figures import density_study_figure

        save(density_study_figure(study), plot)
    emit(study, json_out)


def register(app: typer.Typer) -> None:
    """Add the ``density`` command to the top-level app."""
    app.command("density")(handle_errors(density))
