"""``scalinglab post``: SFT, DPO and GRPO on a sweep's base models, with eval gates (needs the ``train`` extra)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from scalinglab import planning, post
from scalinglab.cli.common import command, echo_json, emit
from scalinglab.cli.options import Json, a, o
from scalinglab.lazy import LazyModule

sweep = LazyModule("scalinglab.sweep")  # its spec and presets load numpy

app = typer.Typer(name="post", no_args_is_help=True,
                  help="Post-training lab: base model -> SFT -> DPO -> GRPO on verifiable tasks, with eval gates.")

PresetOpt = o(str | None, "Built-in post spec: smoke or tiny.", "--preset")
SpecOpt = o(Path | None, "Post spec file (TOML; missing keys from smoke).", "--spec")
OutOpt = o(Path, "Output folder (rerun the same command to resume).", "--out")
FromOpt = o(Path | None, "Start from this stage folder (an earlier stage's --out: SFT, or SFT or DPO for GRPO); "
                         "default: the base model.", "--from")
DescendsArg = a(Path, "The sweep run folder the model descends from.")


@command(app, "run")
def run_cmd(
    out: OutOpt, base: o(Path, "A finished sweep folder (its runs.csv lists the bases)."),
    preset: PresetOpt = None, spec: SpecOpt = None,
    jobs: o(int, "Post-train this many base runs at once (processes).") = 1, json_out: Json = False,
) -> None:
    """Base -> SFT -> DPO -> GRPO for every base run of a sweep, gated; writes OUT/post_runs.csv."""
    sweep.require_torch()
    summary = post.run_post(post.resolve_post_spec(preset, spec), base, out,
                            log=(lambda m: None) if json_out else typer.echo, jobs=jobs)
    echo_json(summary) if json_out else typer.echo(post.summary_text(summary))


def _stage(kind: str, run_dir: Path, out: Path, init: Path | None, preset: str | None, spec: Path | None) -> None:
    sweep.require_torch()
    typer.echo(json.dumps(post.run_one_stage(kind, post.resolve_post_spec(preset, spec), run_dir, out, init), indent=1))


@command(app, "sft")
def sft_cmd(
    run_dir: a(Path, "A sweep run folder: SWEEP/runs/NAME."), out: OutOpt, preset: PresetOpt = None,
    spec: SpecOpt = None,
) -> None:
    """Supervised fine-tuning of one base run on the spec's tasks; prints held-out metrics as JSON."""
    _stage("sft", run_dir, out, None, preset, spec)


@command(app, "dpo")
def dpo_cmd(run_dir: DescendsArg, out: OutOpt, init: FromOpt = None, preset: PresetOpt = None,
            spec: SpecOpt = None) -> None:
    """DPO on verifier pairs (correct vs near-miss answers); prints held-out metrics as JSON."""
    _stage("dpo", run_dir, out, init, preset, spec)


@command(app, "grpo")
def grpo_cmd(run_dir: DescendsArg, out: OutOpt, init: FromOpt = None, preset: PresetOpt = None,
             spec: SpecOpt = None) -> None:
    """GRPO with the verifier as reward (Shao et al. 2024); prints held-out metrics as JSON."""
    _stage("grpo", run_dir, out, init, preset, spec)


@command(app, "fit")
def fit_cmd(
    table: a(Path, "A post_runs.csv written by `post run`."),
    metric: o(str, "The response column (a loss-like, positive metric).") = "eval_loss",
    out: o(Path | None, "Also write the fit as JSON to this file.") = None, json_out: Json = False,
) -> None:
    """Fit the SFT laws (Lin et al. 2024; Zhang et al. 2024) to post_runs.csv; predict the largest base model."""
    emit(planning.fit_post_runs(table, metric), json_out, save=out)


@command(app, "presets")
def presets_cmd(json_out: Json = False) -> None:
    """List the built-in post specs."""
    echo_json(post.PRESETS) if json_out else typer.echo(post.presets_text())
