"""Benchmark-level laws: ``skills`` (Sloth, Maia Polo et al. 2025), ``observe`` (Ruan et al. 2024), ``density``
(the Densing law) and ``import-scores`` (harness and leaderboard results into a score table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab import report, skills
from scalinglab.cli.common import Bars, command, emit
from scalinglab.cli.options import Json, a, aliases, o, option_group
from scalinglab.data.columns import parse_names
from scalinglab.lazy import LazyModule

study = LazyModule("scalinglab.skills.density_study")  # the module: its function has the same name

app = typer.Typer()  # density and import-scores, and the groups skills and observe
skills_app = typer.Typer(name="skills", no_args_is_help=True,
                         help="Sloth skills scaling laws: latent skills from size and tokens with family-specific "
                              "efficiency; predict a new family's larger models from its smallest one.")
observe_app = typer.Typer(
    name="observe", no_args_is_help=True,
    help="Observational scaling laws: PCA capability measures from many models' benchmark scores, a sigmoid link "
         "to a downstream task, holdout evaluation, equivalent compute.",
    context_settings=aliases(key="model-col", rank_by="rank-col", cutoff_by="cutoff-col"),  # old names
)
app.add_typer(skills_app, name="skills")
app.add_typer(observe_app, name="observe")

_DATA_HELP = ("Score table CSV (one row per model: family, '#Params (B)', 'Pretraining Data Size (T)', "
              "one column per benchmark with scores in [0, 1]); 'bundled:sloth_scores' for the paper's table.")
ScoresArg = a(str, _DATA_HELP)
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


@command(skills_app, "fit")
@option_group(SETUP, into="setup")
def skills_fit(data: ScoresArg, setup: dict,
        min_models: o(int, "Leave out families with fewer complete models.") = 1,
        out_path: o(Path | None, "Save the fitted model as JSON here, for `skills predict --model`.", "--out") = None,
        json: Json = False) -> None:
    """Fit the skills law on every model of DATA and show the skills it found."""
    report.check_outputs(out_path)  # a folder, a read-only file, ...: one error before the fit
    res = skills.fit_skills(data, **setup, min_models=min_models)
    if out_path is not None:
        res.save_model(out_path)
    emit(res, json)


@command(skills_app, "predict")
@option_group(SETUP, into="setup")
def skills_predict(ctx: typer.Context,
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
            json: Json = False, plot: PlotOpt = None) -> None:
    """Predict FAMILY's larger models from its k smallest (all other families fully used)."""
    report.check_outputs(plot=plot)
    res = skills.predict_family(family, data, train_per_family=train_per_family, points=at,
                                model_file=model_file, **setup, given=_given(ctx))
    if plot is not None:
        report.save_family_prediction(res, plot)
    emit(res, json)


@command(skills_app, "evaluate")
@option_group(SETUP, into="setup")
def skills_evaluate(data: ScoresArg, setup: dict, train_per_family: KOpt = 1,
             folds: o(str, "paper (the paper's held-out family groups), family (each family alone) or auto "
                           "(paper when available).") = "auto",
             fold: o(list[str] | None, "Run only this fold (repeatable), e.g. --fold olmo.") = None,
             json: Json = False, plot: PlotOpt = None) -> None:
    """Leave-family-group-out evaluation (paper Fig. 1): fold-averaged MAE in pp, with run time."""
    report.check_outputs(plot=plot)
    with Bars(info=lambda event: f"{event.item}: {event.info['mae_pp']:.2f} pp") as bars:  # a bar over the folds
        res = skills.evaluate_skills(data, **setup, train_per_family=train_per_family, folds=folds, only=fold,
                                     progress=bars)
    if plot is not None:
        report.save_skills_evaluation(res, plot)
    emit(res, json)


MatrixArg = a(str, "Models × benchmarks CSV (one row per model, scores in [0, 1]); 'bundled:obsscaling_base' "
                 "or 'bundled:obsscaling_instruct' for the bundled ObsScaling tables.")
BenchOpt = o(str | None, "Comma-separated benchmark columns for the PCA (default: the paper's 8 base or 7 "
                         "instruct benchmarks, whichever the file has).", "--benchmarks")
TargetOpt = o(str | None, "Column of the downstream task.", "--target")
TargetFileOpt = o(str | None, "CSV holding --target, joined on --model-col (default: DATA itself).", "--target-file")
KeyOpt = o(str, "Column with the model names, used to join files.", "--model-col")
ScaleOpt = o(float, "Divide the target by this first (10 for ABench-OA, 100 for %).", "--target-scale")
FloorOpt = o(float, "Random-guess score g: the target becomes (y - g) / (1 - g).", "--target-floor")
PaperSetOpt = o(bool, "Keep the paper's 77-model analysis set (EVAL families, no preregistered models).", "--paper-set")
FamiliesOpt = o(str | None, "Comma-separated families to keep (column 'Model Family').", "--families")
NcompOpt = o(int, "Number of PC measures.", "--n-components", "-k")
DeltaOpt = o(float, "Huber-loss threshold.", "--delta")
RefOpt = o(str | None, "Family whose log-FLOPs define 'equivalent compute' (e.g. Llama-2).", "--reference-family")


@command(observe_app, "fit")
def observe_fit(data: MatrixArg, benchmarks: BenchOpt = None, target: TargetOpt = None,
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: Json = False) -> None:
    """Fit PC capability measures; with --target also the sigmoid link on all models."""
    emit(skills.observe_fit(data, parse_names(benchmarks, "benchmarks"),
                            skills.Target(target, target_file, key, target_scale, target_floor), paper_set=paper_set,
                            families=parse_names(families, "families"), n_components=n_components, delta=delta,
                            reference_family=reference_family), json_out)


@command(observe_app, "evaluate")
def observe_evaluate(
    data: MatrixArg, target: o(str, "Column of the downstream task."), target_file: TargetFileOpt = None,
    key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0, target_floor: FloorOpt = 0.0, benchmarks: BenchOpt = None,
    paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
    holdout_top: o(float | None, "Hold out this fraction of models, ranked by --rank-col (default: the target), "
                                 "e.g. 0.1.") = None,
    rank_by: o(str | None, "Column to rank by for --holdout-top.", "--rank-col") = None,
    cutoff: o(float | None, "Train on models with --cutoff-col <= this (FLOP cutoff); the rest, including "
                            "unknown FLOPs, are test.") = None,
    cutoff_by: o(str, "Column with the FLOPs for --cutoff.", "--cutoff-col") = "FLOPs (1E21)",
    n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None, json_out: Json = False,
) -> None:
    """Fit on the training models only (PCA + imputation included) and score the held-out ones."""
    emit(skills.observe_evaluate(data, skills.Target(target, target_file, key, target_scale, target_floor),
                                 parse_names(benchmarks, "benchmarks"), paper_set=paper_set,
                                 families=parse_names(families, "families"), holdout_top=holdout_top,
                                 rank_by=rank_by, cutoff=cutoff, cutoff_by=cutoff_by, n_components=n_components,
                                 delta=delta, reference_family=reference_family), json_out)


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
    model_column: o(str, "Column with the model name.", "--model-col") = "Model", json_out: Json = False,
    plot: o(Path | None, "Also write density vs release date with the fitted trend as a figure (.png or "
                         ".svg).") = None,
) -> None:
    """Effective parameters N̂(S), density ρ = N̂/N, and the trend ln ρ_max = A·t + B."""
    report.check_outputs(plot=plot)
    columns = study.DensityColumns(family_column, params_column, tokens_column, date_column, model_column,
                                   loss_column)
    res = study.density_study(data, reference_family, benchmarks=benchmarks.split(","),
                              tokens_per_param=tokens_per_param, tokens=tokens, score_floor=score_floor, since=since,
                              frontier_only=not all_models, columns=columns)
    if plot is not None:
        report.save_density_study(res, plot)
    emit(res, json_out)


@command(app, "import-scores")
def import_scores(
    sources: a(list[str], "lm-evaluation-harness result files (results_*.json), folders holding them (searched "
                          "recursively), or Open LLM Leaderboard contents exports (.csv/.parquet/.jsonl)."),
    out: o(Path, "Score table to write (.csv, .tsv, .parquet, .jsonl).", "--out", "-o") = Path("scores.csv"),
    meta: o(Path | None, "Table of model metadata joined on its Model column: Family, '#Params (B)', "
                         "'Pretraining Data Size (T)', release_date (and any other columns).") = None,
    family: o(str | None, "Family of the imported models that --meta leaves without one.") = None,
    mapping: o(list[str] | None, "Map a harness task to a benchmark column, TASK=COLUMN or TASK=COLUMN:METRIC "
                                 "(repeatable), e.g. --map lambada_openai=LAMBADA:acc.", "--map") = None,
    skip_unknown: o(bool, "Skip tasks with no mapping instead of stopping.", "--skip-unknown") = False,
    json: Json = False,
) -> None:
    """Build the score table that skills, observe and density read (docs/benchmark_laws.md)."""
    report.check_outputs(out)
    res = skills.import_scores(sources, mapping=skills.parse_mapping(mapping), meta=meta, family=family,
                               skip_unknown=skip_unknown)
    res.write(out)
    emit(res, json)
