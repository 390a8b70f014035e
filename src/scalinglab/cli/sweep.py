"""The labs: ``scalinglab sweep`` trains small runs into runs.csv / curves.csv (the work is in :mod:`scalinglab.sweep`),
``scalinglab post`` post-trains a sweep's base models: SFT, DPO and GRPO with eval gates (:mod:`scalinglab.post`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from scalinglab import planning, post
from scalinglab.cli.common import Bars, command, echo_json, emit
from scalinglab.cli.options import Json, a, aliases, o
from scalinglab.lazy import LazyModule

setup = LazyModule("scalinglab.sweep.setup")
sweep = LazyModule("scalinglab.sweep")  # its spec and presets load numpy

app = typer.Typer()  # the groups sweep and post
sweep_app = typer.Typer(
    name="sweep", help="Sweep lab: corpus -> filter/dedupe -> BPE -> shards -> GPT training runs -> runs.csv and "
         "curves.csv for `scalinglab fit`.",
    no_args_is_help=True,
)
post_app = typer.Typer(name="post", no_args_is_help=True,
                       help="Post-training lab: base model -> SFT -> DPO -> GRPO on verifiable tasks, with eval gates.")
app.add_typer(sweep_app, name="sweep")
app.add_typer(post_app, name="post")

PresetOpt = o(str | None, "Built-in spec: smoke, tiny or isoflop.", "--preset")
SpecOpt = o(Path | None, "Sweep spec file (TOML, or YAML with PyYAML).", "--spec")
SetOpt = o(list[str] | None, "Override one spec key, SECTION.KEY=VALUE (a TOML value), e.g. train.lr=3e-3 or "
                             "grid.params=[1e4,2e4]; repeatable; checked like the spec file.", "--set")
OutOpt = o(Path, "Output folder (rerun to resume).", "--out")
JobsOpt = o(int | None, "Runs trained at once by the local executor, each in its own process with cores/JOBS "
                        "torch threads (default 1).", "--jobs", "-j")
QuietOpt = o(bool, "No progress bars.", "--quiet", "-q")


def _print_table(header: tuple[str, ...], cells: list[list[str]]) -> None:
    table = Table(*header)
    for row in cells:
        table.add_row(*row)
    Console(soft_wrap=True, width=120).print(table)


def _Bars(show: bool) -> Bars:  # the sweep's bars, under their old name
    """The sweep's bars on stderr (one for the runs, one per run), disabled by ``--quiet``/``--json``."""
    return Bars(show, transient=False, key=lambda e: "runs" if e.task == "runs" else e.item,
                label=lambda e: "runs" if e.task == "runs" else f"  {e.item}", info=setup.run_info)


def _run(sp: Any, out: Path, executor: Any, quiet: bool, json_out: bool, stopped: bool = True) -> None:
    """run_sweep with the bars drawn here (the library only reports Progress events) and its log on stderr;
    prints its summary (with ``stopped``: the gated runs too)."""
    with _Bars(show=not (quiet or json_out)) as bars:
        summary = sweep.run_sweep(sp, out, executor, progress=bars, log=(lambda m: None) if json_out else bars.log)
    echo_json(summary) if json_out else typer.echo(setup.summary_text(summary, stopped=stopped))


@command(sweep_app, "run")
def run_cmd(
    out: OutOpt, preset: PresetOpt = None, spec: SpecOpt = None, sets: SetOpt = None,
    executor: o(str, "local, slurm (submitit) or ray.", "--executor") = "local",
    nproc_per_node: o(int, "Processes per run (torchrun/DDP; GPUs per run on a cluster).", "--nproc-per-node") = 1,
    address: o(str | None, "Ray cluster address.", "--address") = None,
    cluster: o(str | None, "submitit cluster: slurm (default when available), local or debug.", "--cluster") = None,
    partition: o(str | None, "Slurm partition.", "--partition") = None,
    timeout_min: o(int, "Slurm job time limit.", "--timeout-min") = 240,
    gpus_per_node: o(int, "GPUs per Slurm job / Ray task.", "--gpus-per-node") = 0, jobs: JobsOpt = None,
    peak_tflops: o(float | None, "Dense bf16 peak TFLOP/s of one device, for MFU (default: looked up from the "
                                 "accelerator catalogue by the local GPU's name).", "--peak-tflops") = None,
    quiet: QuietOpt = False, json_out: Json = False,
) -> None:
    """Train every run of a sweep (skipping finished runs, resuming killed ones) and write the tables."""
    n_jobs = setup.check_jobs(jobs, executor, nproc_per_node)
    sp = setup.resolve_spec(preset, spec, sets)
    sweep.require_torch()
    sp = setup.with_peak(sp, peak_tflops, planning.peak_for_device)
    opts = setup.executor_options(executor, sp, nproc_per_node=nproc_per_node, jobs=n_jobs, cluster=cluster,
                                  partition=partition, timeout_min=timeout_min, gpus_per_node=gpus_per_node,
                                  address=address)
    _run(sp, out, sweep.make_executor(executor, **opts), quiet, json_out)


@command(sweep_app, "resume")
def resume_cmd(
    out: OutOpt, nproc_per_node: o(int, "Processes per run (torchrun).", "--nproc-per-node") = 1,
    jobs: JobsOpt = None, quiet: QuietOpt = False, json_out: Json = False,
) -> None:
    """Finish a sweep folder with the spec stored in its sweep.json (no --preset/--spec needed)."""
    n_jobs = setup.check_jobs(jobs, "local", nproc_per_node)
    executor = sweep.make_executor("local", nproc_per_node=nproc_per_node, jobs=n_jobs)
    _run(setup.stored_spec(out), out, executor, quiet, json_out, stopped=False)


@command(sweep_app, "plan")
def plan_cmd(preset: PresetOpt = None, spec: SpecOpt = None, sets: SetOpt = None,
             out: o(Path, "Output folder (for data paths).", "--out") = Path("sweep-out"),
             json_out: Json = False) -> None:
    """List the runs a spec expands to (shape, N, D, steps, 6ND and Chinchilla FLOPs); trains nothing."""
    rows = setup.plan_rows(setup.resolve_spec(preset, spec, sets), out)
    echo_json(rows) if json_out else _print_table(setup.PLAN_HEADER, setup.plan_cells(rows))


@command(sweep_app, "status", context_settings=aliases(out="dir"))  # --out: the old name of --dir
def status_cmd(out: o(Path, "The sweep folder to read.", "--dir"), json_out: Json = False) -> None:
    """Per-run state of a sweep folder."""
    rows = sweep.run_status(out)
    echo_json(rows) if json_out else _print_table(setup.STATUS_HEADER, setup.status_cells(rows))


@command(sweep_app, "presets")
def presets_cmd(json_out: Json = False) -> None:
    """The built-in sweep specs."""
    echo_json(sweep.PRESETS) if json_out else typer.echo(setup.presets_text())


@command(sweep_app, "export")
def export_cmd(
    run_dir: a(Path, "A run folder of a sweep: OUT/runs/NAME."),
    out: o(Path, "Hugging Face model folder to write.", "--out"),
) -> None:
    """Export a run's model as a Hugging Face GPT-2 folder (safetensors, config, tokenizer; needs [post])."""
    sweep.require_torch()
    typer.echo(f"exported {run_dir} -> {post.export_hf(run_dir, out)}")


PostPresetOpt = o(str | None, "Built-in post spec: smoke or tiny.", "--preset")
PostSpecOpt = o(Path | None, "Post spec file (TOML; missing keys from smoke).", "--spec")
PostOutOpt = o(Path, "Output folder (rerun the same command to resume).", "--out")
FromOpt = o(Path | None, "Start from this stage folder (an earlier stage's --out: SFT, or SFT or DPO for GRPO); "
                         "default: the base model.", "--from")
DescendsArg = a(Path, "The sweep run folder the model descends from.")


@command(post_app, "run")
def post_run_cmd(
    out: PostOutOpt, base: o(Path, "A finished sweep folder (its runs.csv lists the bases)."),
    preset: PostPresetOpt = None, spec: PostSpecOpt = None,
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


@command(post_app, "sft")
def sft_cmd(
    run_dir: a(Path, "A sweep run folder: SWEEP/runs/NAME."), out: PostOutOpt, preset: PostPresetOpt = None,
    spec: PostSpecOpt = None,
) -> None:
    """Supervised fine-tuning of one base run on the spec's tasks; prints held-out metrics as JSON."""
    _stage("sft", run_dir, out, None, preset, spec)


@command(post_app, "dpo")
def dpo_cmd(run_dir: DescendsArg, out: PostOutOpt, init: FromOpt = None, preset: PostPresetOpt = None,
            spec: PostSpecOpt = None) -> None:
    """DPO on verifier pairs (correct vs near-miss answers); prints held-out metrics as JSON."""
    _stage("dpo", run_dir, out, init, preset, spec)


@command(post_app, "grpo")
def grpo_cmd(run_dir: DescendsArg, out: PostOutOpt, init: FromOpt = None, preset: PostPresetOpt = None,
             spec: PostSpecOpt = None) -> None:
    """GRPO with the verifier as reward (Shao et al. 2024); prints held-out metrics as JSON."""
    _stage("grpo", run_dir, out, init, preset, spec)


@command(post_app, "fit")
def post_fit_cmd(
    table: a(Path, "A post_runs.csv written by `post run`."),
    metric: o(str, "The response column (a loss-like, positive metric).") = "eval_loss",
    out: o(Path | None, "Also write the fit as JSON to this file.") = None, json_out: Json = False,
) -> None:
    """Fit the SFT laws (Lin et al. 2024; Zhang et al. 2024) to post_runs.csv; predict the largest base model."""
    emit(planning.fit_post_runs(table, metric), json_out, save=out)


@command(post_app, "presets")
def post_presets_cmd(json_out: Json = False) -> None:
    """List the built-in post specs."""
    echo_json(post.PRESETS) if json_out else typer.echo(post.presets_text())
