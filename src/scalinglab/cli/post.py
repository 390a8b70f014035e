"""``scalinglab post``: SFT, DPO and GRPO on a sweep's base models, with eval gates, into ``post_runs.csv``.

Commands: ``run`` (every stage for every base run of a sweep), ``sft``, ``dpo`` and ``grpo`` (one stage
on one run), ``fit`` (the post-training scaling law of a ``post_runs.csv``), ``presets``. Needs the ``train`` extra (torch); ``sweep export`` writes a Hugging Face folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import LazyModule, command, echo_json, emit
from scalinglab.cli.options import a, o

_presets = LazyModule("scalinglab.post.presets")

post_app = typer.Typer(help="Post-training lab: base model -> SFT -> DPO -> GRPO on verifiable tasks, with eval gates.",
                       no_args_is_help=True)

PresetOpt = o(str | None, "Built-in post spec: smoke or tiny.", "--preset")
SpecOpt = o(Path | None, "Post spec file (TOML; missing keys from smoke).", "--spec")
OutOpt = o(Path, "Output folder (rerun the same command to resume).", "--out")


def _torch() -> None:
    from scalinglab.sweep.runner import require_torch

    require_torch()


@command(post_app, "run")
def run_cmd(
    out: OutOpt, base: o(Path, "A finished sweep folder (its runs.csv lists the bases)."),
    preset: PresetOpt = None, spec: SpecOpt = None,
    jobs: o(int, "Post-train this many base runs at once (processes).") = 1, json_out: opt.Json = False,
) -> None:
    """Base -> SFT -> DPO -> GRPO for every base run of a sweep, gated; writes OUT/post_runs.csv."""
    _torch()
    from scalinglab.post.pipeline import run_post, summary_text

    spec_dict = _presets.resolve_post_spec(preset, spec)
    summary = run_post(spec_dict, base, out, log=(lambda m: None) if json_out else typer.echo, jobs=jobs)
    echo_json(summary) if json_out else typer.echo(summary_text(summary))


def _stage(kind: str, run_dir: Path, out: Path, init: Path | None, preset: str | None, spec: Path | None) -> None:
    _torch()
    from scalinglab.post.pipeline import run_one_stage

    typer.echo(json.dumps(run_one_stage(kind, _presets.resolve_post_spec(preset, spec), run_dir, out, init), indent=1))


@command(post_app, "sft")
def sft_cmd(
    run_dir: a(Path, "A sweep run folder: SWEEP/runs/NAME."), out: OutOpt, preset: PresetOpt = None,
    spec: SpecOpt = None,
) -> None:
    """Supervised fine-tuning of one base run on the spec's tasks; prints held-out metrics as JSON."""
    _stage("sft", run_dir, out, None, preset, spec)


@command(post_app, "dpo")
def dpo_cmd(
    run_dir: a(Path, "The sweep run folder the model descends from."), out: OutOpt,
    init: o(Path | None, "Start from this stage folder (e.g. an SFT --out); default: the base model.", "--from") = None,
    preset: PresetOpt = None, spec: SpecOpt = None,
) -> None:
    """DPO on verifier pairs (correct vs near-miss answers); prints held-out metrics as JSON."""
    _stage("dpo", run_dir, out, init, preset, spec)


@command(post_app, "grpo")
def grpo_cmd(
    run_dir: a(Path, "The sweep run folder the model descends from."), out: OutOpt,
    init: o(Path | None, "Start from this stage folder (an SFT or DPO --out); default: the base model.",
            "--from") = None,
    preset: PresetOpt = None, spec: SpecOpt = None,
) -> None:
    """GRPO with the verifier as reward (Shao et al. 2024); prints held-out metrics as JSON."""
    _stage("grpo", run_dir, out, init, preset, spec)


@command(post_app, "fit")
def fit_cmd(
    table: a(Path, "A post_runs.csv written by `post run`."),
    metric: o(str, "The response column (a loss-like, positive metric).") = "eval_loss",
    out: o(Path | None, "Also write the fit as JSON to this file.") = None, json_out: opt.Json = False,
) -> None:
    """Fit the SFT laws (Lin et al. 2024; Zhang et al. 2024) to post_runs.csv; predict the largest base model."""
    from scalinglab.planning.post_training import fit_post_runs

    result = fit_post_runs(table, metric)
    if out is not None:
        result.save(out)
    emit(result, json_out)


@command(post_app, "presets")
def presets_cmd(json_out: opt.Json = False) -> None:
    """List the built-in post specs."""
    echo_json(_presets.PRESETS) if json_out else typer.echo(_presets.presets_text())


def register(app: typer.Typer) -> None:
    app.add_typer(post_app, name="post")
