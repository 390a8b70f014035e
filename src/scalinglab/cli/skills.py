"""``scalinglab skills``: Sloth skills scaling laws (Maia Polo et al. 2025, arXiv:2412.06540).

* ``fit``: fit the law on a score table and show the interpretable skills (loadings, slopes);
  ``--out MODEL.json`` saves the fitted model.
* ``predict``: predict a family's larger models from its smallest one(s), refitting, or with
  ``--model MODEL.json`` from a saved model (no refit).
* ``evaluate``: the paper's leave-family-group-out protocol (fold-averaged MAE in pp).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scalinglab import report, skills
from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, command, emit
from scalinglab.cli.options import a, o
from scalinglab.errors import InputError

app = typer.Typer(
    name="skills", help="Sloth skills scaling laws: latent skills from size and tokens with family-specific "
         "efficiency; predict a new family's larger models from its smallest one.",
    no_args_is_help=True,
)

_DATA_HELP = ("Score table CSV (one row per model: family, '#Params (B)', 'Pretraining Data Size (T)', "
              "one column per benchmark with scores in [0, 1]); 'bundled:sloth_scores' for the paper's table.")
DataArg = a(str, _DATA_HELP)
KOpt = o(int, "Smallest models of each held-out family kept in training.", "--train-per-family", "-k")
PlotOpt = o(Path | None, "Also write predicted vs actual scores of the held-out models as a figure (.png "
                         "or .svg).", "--plot")

#: The options of every skills command, passed to the study functions as one dict (``setup``).
SETUP = {
    "suite": (o(str, "Benchmarks: v1 (Open LLM Leaderboard v1), v2 (Leaderboard v2) or all (both).", "--suite"),
              "v2"),
    "benchmarks": (o(str | None, "Comma-separated benchmark columns instead of --suite.", "--benchmarks"), None),
    "skills": (o(int, "Number of latent skills d.", "--skills", "-d"), 2),
    "method": (o(str, "sloth (trained monotone link, learned floors), basic (sigmoid, chance floors), flops "
                      "(log-FLOPs law per benchmark, family intercepts) or flops-shared (one intercept).",
                 "--method"), "sloth"),
    "seed": (o(int, "Seed of the random starts (fits are deterministic given it).", "--seed"), 0),
    "family_column": (o(str | None, "Column with the family (default: Family2, else Family).", "--family-col"),
                      None)}


def _given(ctx: typer.Context) -> set[str]:
    """The options given (command line or environment), not left at their defaults."""
    return {name for name in ctx.params if (src := ctx.get_parameter_source(name)) is not None
            and src.name not in ("DEFAULT", "DEFAULT_MAP")}


@command(app, "fit")
@opt.option_group(SETUP, into="setup")
def fit(data: DataArg, setup: dict,
        min_models: o(int, "Leave out families with fewer complete models.") = 1,
        out_path: o(Path | None, "Save the fitted model as JSON here, for `skills predict --model`.", "--out") = None,
        json: opt.Json = False) -> None:
    """Fit the skills law on every model of DATA and show the skills it found."""
    if out_path is not None and out_path.is_dir():
        raise InputError("is a directory; give a file name such as model.json", file=str(out_path))
    check_outputs(out_path)
    res = skills.fit_skills(data, **setup, min_models=min_models)
    if out_path is not None:
        res.save_model(out_path)
    emit(res, json)


@command(app, "predict")
@opt.option_group(SETUP, into="setup")
def predict(ctx: typer.Context,
            family: o(str, "Family to predict.", "--family", "-f"),
            setup: dict,
            data: Annotated[str | None, typer.Argument(
                help=_DATA_HELP + " Optional with --model when only --at points are predicted.")] = None,
            train_per_family: KOpt = 1,
            at: o(str | None, "Also predict hypothetical models of the family: PARAMS_B:TOKENS_T, "
                              "comma-separated (e.g. 70:15,405:15).") = None,
            model_file: o(Path | None, "Saved model from `skills fit --out`: predict with it instead of refitting "
                                       "(it predicts the family's models of DATA it was not fitted on).",
                          "--model") = None,
            json: opt.Json = False, plot: PlotOpt = None) -> None:
    """Predict FAMILY's larger models from its k smallest (all other families fully used)."""
    check_outputs(plot=plot)
    res = skills.predict_family(family, data, train_per_family=train_per_family, points=at,
                                model_file=model_file, **setup, given=_given(ctx))
    if plot is not None:
        report.save_family_prediction(res, plot)
    emit(res, json)


@command(app, "evaluate")
@opt.option_group(SETUP, into="setup")
def evaluate(data: DataArg, setup: dict, train_per_family: KOpt = 1,
             folds: o(str, "paper (the paper's held-out family groups), family (each family alone) or auto "
                           "(paper when available).") = "auto",
             fold: o(list[str] | None, "Run only this fold (repeatable), e.g. --fold olmo.") = None,
             json: opt.Json = False, plot: PlotOpt = None) -> None:
    """Leave-family-group-out evaluation (paper Fig. 1): fold-averaged MAE in pp, with run time."""
    check_outputs(plot=plot)

    def progress(event) -> None:
        if not json and sys.stderr.isatty():
            typer.echo(f"  {event.item}: {event.info['mae_pp']:.2f} pp", err=True)

    res = skills.evaluate_skills(data, **setup, train_per_family=train_per_family, folds=folds, only=fold,
                                 progress=progress)
    if plot is not None:
        report.save_skills_evaluation(res, plot)
    emit(res, json)
