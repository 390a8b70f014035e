"""``scalinglab observe``: observational scaling laws (Ruan et al. 2024) from a benchmark matrix."""

from __future__ import annotations

from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import LazyModule, emit, handle_errors
from scalinglab.errors import InputError

_study = LazyModule("scalinglab.skills.observational_study")

observe_app = typer.Typer(
    help="Observational scaling laws: PCA capability measures from many models' benchmark scores, "
         "a sigmoid link to a downstream task, holdout evaluation, equivalent compute.",
    no_args_is_help=True, context_settings=opt.aliases(key="model-col", rank_by="rank-col", cutoff_by="cutoff-col"),
)

DataArg = Annotated[str, typer.Argument(
    help="Models × benchmarks CSV (one row per model, scores in [0, 1]); 'bundled:obsscaling_base' or "
         "'bundled:obsscaling_instruct' for the bundled ObsScaling tables.")]
BenchOpt = Annotated[str | None, typer.Option(
    "--benchmarks", help="Comma-separated benchmark columns for the PCA (default: the paper's "
                         "8 base or 7 instruct benchmarks, whichever the file has).")]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Column of the downstream task.")]
TargetFileOpt = Annotated[str | None, typer.Option(
    "--target-file", help="CSV holding --target, joined on --model-col (default: DATA itself).")]
KeyOpt = Annotated[str, typer.Option("--model-col", help="Column with the model names, used to join files.")]
ScaleOpt = Annotated[float, typer.Option(
    "--target-scale", help="Divide the target by this first (10 for ABench-OA, 100 for %).")]
FloorOpt = Annotated[float, typer.Option(
    "--target-floor", help="Random-guess score g: the target becomes (y - g) / (1 - g).")]
PaperSetOpt = Annotated[bool, typer.Option(
    "--paper-set", help="Keep the paper's 77-model analysis set (EVAL families, no "
                        "preregistered models).")]
FamiliesOpt = Annotated[str | None, typer.Option(
    "--families", help="Comma-separated families to keep (column 'Model Family').")]
NcompOpt = Annotated[int, typer.Option("--n-components", "-k", help="Number of PC measures.")]
DeltaOpt = Annotated[float, typer.Option("--delta", help="Huber-loss threshold.")]
RefOpt = Annotated[str | None, typer.Option(
    "--reference-family", help="Family whose log-FLOPs define 'equivalent compute' "
                               "(e.g. Llama-2).")]

def _split_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise InputError("empty list")
    return items


@observe_app.command("fit")
@handle_errors
def fit(data: DataArg, benchmarks: BenchOpt = None, target: TargetOpt = None,
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: opt.Json = False) -> None:
    """Fit PC capability measures; with --target also the sigmoid link on all models."""
    res = _study.observe_fit(data, _split_list(benchmarks),
                             _study.Target(target, target_file, key, target_scale, target_floor),
                             paper_set=paper_set, families=_split_list(families), n_components=n_components,
                             delta=delta, reference_family=reference_family)
    emit(res, json_out)


@observe_app.command("evaluate")
@handle_errors
def evaluate(data: DataArg, target: Annotated[str, typer.Option(
        "--target", help="Column of the downstream task.")],
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, benchmarks: BenchOpt = None, paper_set: PaperSetOpt = False,
        families: FamiliesOpt = None,
        holdout_top: Annotated[float | None, typer.Option(
            "--holdout-top", help="Hold out this fraction of models, ranked by --rank-col "
                                  "(default: the target), e.g. 0.1.")] = None,
        rank_by: Annotated[str | None, typer.Option(
            "--rank-col", help="Column to rank by for --holdout-top.")] = None,
        cutoff: Annotated[float | None, typer.Option(
            "--cutoff", help="Train on models with --cutoff-col <= this (FLOP cutoff); the rest, "
                             "including unknown FLOPs, are test.")] = None,
        cutoff_by: Annotated[str, typer.Option("--cutoff-col", help="Column with the FLOPs for --cutoff.")] =
        "FLOPs (1E21)",
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: opt.Json = False) -> None:
    """Fit on the training models only (PCA + imputation included) and score the held-out ones."""
    res = _study.observe_evaluate(data, _study.Target(target, target_file, key, target_scale, target_floor),
                                  _split_list(benchmarks), paper_set=paper_set, families=_split_list(families),
                                  holdout_top=holdout_top, rank_by=rank_by, cutoff=cutoff, cutoff_by=cutoff_by,
                                  n_components=n_components, delta=delta, reference_family=reference_family)
    emit(res, json_out)


def register(app: typer.Typer) -> None:
    """Add the ``observe`` command group to the top-level app."""
    app.add_typer(observe_app, name="observe")
