"""``scalinglab density``: capability density and its doubling time (the Densing law)."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import report
from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, command, emit
from scalinglab.cli.options import a, o
from scalinglab.lazy import LazyModule

study = LazyModule("scalinglab.skills.density_study")  # the module: its function has the same name

app = typer.Typer()


@command(app, "density")
def density(
    data: a(str, "CSV with one row per model: family, size, tokens, release date and benchmark scores in "
                 "[0, 1]; 'bundled:densing_models' for the bundled table."),
    reference_family: o(str, "Family whose models define the reference recipe.", "--reference-family", "-r"),
    benchmarks: o(str, "Comma-separated score columns, averaged per model.") = "MMLU",
    loss_column: o(str | None, "Column with the measured loss of the reference models (fits L = aN^-α + "
                               "bD^-β). Without it a Chinchilla-law proxy loss is used.", "--loss-col") = None,
    tokens_per_param: o(float, "Data policy D = r·N̂ for the hypothetical reference model.") = 20.0,
    tokens: o(float | None, "Fixed data policy instead: D = this many trillion tokens.") = None,
    score_floor: o(float | None, "Fix the sigmoid floor d (e.g. 0.25 for 4-way multiple choice).") = None,
    since: o(str, "Only models released on/after this date enter the trend.") = "2023-01-01",
    all_models: o(bool, "Fit the trend to every model, not only the density frontier.", "--all-models") = False,
    family_column: o(str, "Column with the model family.", "--family-col") = "Model Family",
    params_column: o(str, "Column with parameters in billions.", "--params-col") = "Model Size (B)",
    tokens_column: o(str, "Column with training tokens in trillions.", "--tokens-col") = "Pretraining Data Size (T)",
    date_column: o(str, "Column with the release date.", "--date-col") = "release_date",
    model_column: o(str, "Column with the model name.", "--model-col") = "Model", json_out: opt.Json = False,
    plot: o(Path | None, "Also write density vs release date with the fitted trend as a figure (.png or "
                         ".svg).") = None,
) -> None:
    """Effective parameters N̂(S), density ρ = N̂/N, and the trend ln ρ_max = A·t + B."""
    check_outputs(plot=plot)
    columns = study.DensityColumns(family_column, params_column, tokens_column, date_column, model_column,
                                   loss_column)
    res = study.density_study(data, reference_family, benchmarks=benchmarks.split(","),
                              tokens_per_param=tokens_per_param, tokens=tokens, score_floor=score_floor, since=since,
                              frontier_only=not all_models, columns=columns)
    if plot is not None:
        report.save_density_study(res, plot)
    emit(res, json_out)
