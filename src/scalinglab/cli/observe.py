"""``scalinglab observe``: observational scaling laws (Ruan et al. 2024) from a benchmark matrix."""

from __future__ import annotations

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import LazyModule, command, emit, parse_names
from scalinglab.cli.options import a, o

_study = LazyModule("scalinglab.skills.observational_study")

observe_app = typer.Typer(
    help="Observational scaling laws: PCA capability measures from many models' benchmark scores, "
         "a sigmoid link to a downstream task, holdout evaluation, equivalent compute.",
    no_args_is_help=True,  # the old names of --model-col, --rank-col and --cutoff-col still parse:
    context_settings=opt.aliases(key="model-col", rank_by="rank-col", cutoff_by="cutoff-col"),
)

DataArg = a(str, "Models × benchmarks CSV (one row per model, scores in [0, 1]); 'bundled:obsscaling_base' "
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
def fit(data: DataArg, benchmarks: BenchOpt = None, target: TargetOpt = None,
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: opt.Json = False) -> None:
    """Fit PC capability measures; with --target also the sigmoid link on all models."""
    res = _study.observe_fit(data, parse_names(benchmarks, "--benchmarks"),
                             _study.Target(target, target_file, key, target_scale, target_floor),
                             paper_set=paper_set, families=parse_names(families, "--families"), n_components=n_components,
                             delta=delta, reference_family=reference_family)
    emit(res, json_out)


@command(observe_app, "evaluate")
def evaluate(data: DataArg, target: o(str, "Column of the downstream task."),
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, benchmarks: BenchOpt = None, paper_set: PaperSetOpt = False,
        families: FamiliesOpt = None,
        holdout_top: o(float | None, "Hold out this fraction of models, ranked by --rank-col (default: the "
                                     "target), e.g. 0.1.") = None,
        rank_by: o(str | None, "Column to rank by for --holdout-top.", "--rank-col") = None,
        cutoff: o(float | None, "Train on models with --cutoff-col <= this (FLOP cutoff); the rest, including "
                                "unknown FLOPs, are test.") = None,
        cutoff_by: o(str, "Column with the FLOPs for --cutoff.", "--cutoff-col") =
        "FLOPs (1E21)",
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: opt.Json = False) -> None:
    """Fit on the training models only (PCA + imputation included) and score the held-out ones."""
    res = _study.observe_evaluate(data, _study.Target(target, target_file, key, target_scale, target_floor),
                                  parse_names(benchmarks, "--benchmarks"), paper_set=paper_set, families=parse_names(families, "--families"),
                                  holdout_top=holdout_top, rank_by=rank_by, cutoff=cutoff, cutoff_by=cutoff_by,
                                  n_components=n_components, delta=delta, reference_family=reference_family)
    emit(res, json_out)


def register(app: typer.Typer) -> None:
    """Add the ``observe`` command group to the top-level app."""
    app.add_typer(observe_app, name="observe")
