"""``scalinglab observe``: observational scaling laws (Ruan et al. 2024) from a benchmark matrix."""

from __future__ import annotations

import typer

from scalinglab import skills
from scalinglab.cli import options as opt
from scalinglab.cli.common import command, emit, parse_names
from scalinglab.cli.options import a, o

app = typer.Typer(
    name="observe", no_args_is_help=True,
    help="Observational scaling laws: PCA capability measures from many models' benchmark scores, a sigmoid link "
         "to a downstream task, holdout evaluation, equivalent compute.",
    context_settings=opt.aliases(key="model-col", rank_by="rank-col", cutoff_by="cutoff-col"),  # old names
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


@command(app, "fit")
def fit(data: DataArg, benchmarks: BenchOpt = None, target: TargetOpt = None,
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: opt.Json = False) -> None:
    """Fit PC capability measures; with --target also the sigmoid link on all models."""
    emit(skills.observe_fit(data, parse_names(benchmarks, "--benchmarks"),
                            skills.Target(target, target_file, key, target_scale, target_floor), paper_set=paper_set,
                            families=parse_names(families, "--families"), n_components=n_components, delta=delta,
                            reference_family=reference_family), json_out)


@command(app, "evaluate")
def evaluate(
    data: DataArg, target: o(str, "Column of the downstream task."), target_file: TargetFileOpt = None,
    key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0, target_floor: FloorOpt = 0.0, benchmarks: BenchOpt = None,
    paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
    holdout_top: o(float | None, "Hold out this fraction of models, ranked by --rank-col (default: the target), "
                                 "e.g. 0.1.") = None,
    rank_by: o(str | None, "Column to rank by for --holdout-top.", "--rank-col") = None,
    cutoff: o(float | None, "Train on models with --cutoff-col <= this (FLOP cutoff); the rest, including "
                            "unknown FLOPs, are test.") = None,
    cutoff_by: o(str, "Column with the FLOPs for --cutoff.", "--cutoff-col") = "FLOPs (1E21)",
    n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None, json_out: opt.Json = False,
) -> None:
    """Fit on the training models only (PCA + imputation included) and score the held-out ones."""
    emit(skills.observe_evaluate(data, skills.Target(target, target_file, key, target_scale, target_floor),
                                 parse_names(benchmarks, "--benchmarks"), paper_set=paper_set,
                                 families=parse_names(families, "--families"), holdout_top=holdout_top,
                                 rank_by=rank_by, cutoff=cutoff, cutoff_by=cutoff_by, n_components=n_components,
                                 delta=delta, reference_family=reference_family), json_out)
