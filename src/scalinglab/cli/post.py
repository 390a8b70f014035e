"""``scalinglab post``: SFT, DPO and GRPO on a sweep's base models, with eval gates, into ``post_runs.csv``.

Commands: ``run`` (every stage for every base run of a sweep), ``sft``, ``dpo`` and ``grpo`` (one stage
on one run), ``fit`` (the post-training scaling law of a ``post_runs.csv``), ``presets``. Needs the ``train`` extra (torch); ``sweep export`` writes a Hugging Face folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from scalinglab.cli.common import echo_json, emit, handle_errors
from scalinglab.errors import InputError

post_app = typer.Typer(help="Post-training lab: base model -> SFT -> DPO -> GRPO on verifiable tasks, with eval gates.",
                       no_args_is_help=True)

PresetOpt = Annotated[str | None, typer.Option("--preset", help="Built-in post spec: smoke or tiny.")]
SpecOpt = Annotated[Path | None, typer.Option("--spec", help="Post spec file (TOML; missing keys from smoke).")]
OutOpt = Annotated[Path, typer.Option("--out", help="Output folder (rerun the same command to resume).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _spec(preset: str | None, spec: Path | None) -> dict[str, Any]:
    from scalinglab.post.presets import load_post_spec, post_preset

    if preset is not None and spec is not None:
        raise InputError("give one of --preset NAME or --spec FILE, not both")
    return load_post_spec(spec) if spec else post_preset(preset or "smoke")


def _torch() -> None:
    from scalinglab.sweep.runner import require_torch

    require_torch()


@post_app.command("run")
@handle_errors
def run_cmd(
    out: OutOpt,
    base: Annotated[Path, typer.Option("--base", help="A finished sweep folder (its runs.csv lists the bases).")],
    preset: PresetOpt = None,
    spec: SpecOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Post-train this many base runs at once (processes).")] = 1,
    json_out: JsonOpt = False,
) -> None:
    """Base -> SFT -> DPO -> GRPO for every base run of a sweep, gated; writes OUT/post_runs.csv."""
    _torch()
    from scalinglab.post.pipeline import run_post

    summary = run_post(_spec(preset, spec), base, out, log=(lambda m: None) if json_out else typer.echo, jobs=jobs)
    if json_out:
        echo_json(summary)
        return
    typer.echo(f"{summary['rows']} stage rows for {summary['bases']} base runs -> {summary['post_runs_csv']} "
               f"({summary['wall_s']:.1f} s wall, {summary['cpu_s']:.1f} s CPU)")


def _stage(kind: str, run_dir: Path, out: Path, init: Path | None, preset: str | None, spec: Path | None
           ) -> dict[str, Any]:
    import torch

    from scalinglab.post.base import load_base
    from scalinglab.post.pipeline import corpus_lines, run_dpo, run_grpo, run_sft, task_sets
    from scalinglab.post.train import STAGE_CHECKPOINT, exact_match, load_stage_model

    sp = _spec(preset, spec)
    torch.set_num_threads(sp["threads"])
    b = load_base(run_dir)
    train, held = task_sets(sp, corpus_lines(b))
    model = b.model
    if init is not None:
        if not (init / STAGE_CHECKPOINT).exists():
            raise InputError(f"not a stage folder (no {STAGE_CHECKPOINT})", file=str(init))
        model = load_stage_model(init, b.model)
    start = exact_match(model, b.tokenizer, held)["accuracy"]
    _, m = {"sft": run_sft, "dpo": run_dpo, "grpo": run_grpo}[kind](model, b.tokenizer, sp, train, held, out)
    return {"base_run": b.name, "stage": kind, "start_accuracy": start,
            **{k: v for k, v in m.items() if k != "log"}}


@post_app.command("sft")
@handle_errors
def sft_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A sweep run folder: SWEEP/runs/NAME.")],
    out: OutOpt,
    preset: PresetOpt = None,
    spec: SpecOpt = None,
) -> None:
    """Supervised fine-tuning of one base run on the spec's tasks; prints held-out metrics as JSON."""
    _torch()
    typer.echo(json.dumps(_stage("sft", run_dir, out, None, preset, spec), indent=1))


@post_app.command("dpo")
@handle_errors
def dpo_cmd(
    run_dir: Annotated[Path, typer.Argument(help="The sweep run folder the model descends from.")],
    out: OutOpt,
    init: Annotated[Path | None, typer.Option("--from", help="Start from this stage folder (e.g. an SFT "
                                                               "--out); default: the base model.")] = None,
    preset: PresetOpt = None,
    spec: SpecOpt = None,
) -> None:
    """DPO on verifier pairs (correct vs near-miss answers); prints held-out metrics as JSON."""
    _torch()
    typer.echo(json.dumps(_stage("dpo", run_dir, out, init, preset, spec), indent=1))


@post_app.command("grpo")
@handle_errors
def grpo_cmd(
    run_dir: Annotated[Path, typer.Argument(help="The sweep run folder the model descends from.")],
    out: OutOpt,
    init: Annotated[Path | None, typer.Option("--from", help="Start from this stage folder (an SFT or DPO "
                                                               "--out); default: the base model.")] = None,
    preset: PresetOpt = None,
    spec: SpecOpt = None,
) -> None:
    """GRPO with the verifier as reward (Shao et al. 2024); prints held-out metrics as JSON."""
    _torch()
    typer.echo(json.dumps(_stage("grpo", run_dir, out, init, preset, spec), indent=1))


@post_app.command("fit")
@handle_errors
def fit_cmd(
    table: Annotated[Path, typer.Argument(help="A post_runs.csv written by `post run`.")],
    metric: Annotated[str, typer.Option("--metric", help="The response column (a loss-like, positive metric).")
                      ] = "eval_loss",
    out: Annotated[Path | None, typer.Option("--out", help="Also write the fit as JSON to this file.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Fit the SFT laws (Lin et al. 2024; Zhang et al. 2024) to post_runs.csv; predict the largest base model."""
    from scalinglab.planning.post_training import fit_post_runs

    result = fit_post_runs(table, metric)
    if out is not None:
        result.save(out)
    emit(result, json_out)


@post_app.command("presets")
def presets_cmd() -> None:
    """List the built-in post specs."""
    from scalinglab.post.presets import PRESETS

    for name, p in PRESETS.items():
        typer.echo(f"{name}: tasks {', '.join(p['tasks']['names'])}; sft {p['sft']['steps']} steps, "
                   f"dpo {p['dpo']['steps']} steps, grpo {p['grpo']['steps']} steps")


def register(app: typer.Typer) -> None:
    app.add_typer(post_app, name="post")
