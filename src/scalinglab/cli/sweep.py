"""``scalinglab sweep``: run a family of small training runs and write runs.csv / curves.csv.

Commands: ``run`` (train or resume a sweep), ``export`` (a run as a Hugging Face folder), ``resume`` (finish a folder from its stored spec), ``plan`` (show the runs a spec expands to, no torch
needed), ``status`` (per-run progress of an output folder), ``presets`` (list built-in specs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scalinglab.cli.common import echo_json, handle_errors
from scalinglab.cli.options import aliases
from scalinglab.errors import InputError

sweep_app = typer.Typer(
    help="Sweep lab: corpus -> filter/dedupe -> BPE -> shards -> GPT training runs -> runs.csv and "
         "curves.csv for `scalinglab fit`.",
    no_args_is_help=True,
)

PresetOpt = Annotated[str | None, typer.Option("--preset", help="Built-in spec: smoke, tiny or isoflop.")]
SpecOpt = Annotated[Path | None, typer.Option("--spec", help="Sweep spec file (TOML, or YAML with PyYAML).")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", help="Override one spec key, SECTION.KEY=VALUE (a TOML value), e.g. train.lr=3e-3 or "
                  "grid.params=[1e4,2e4]; repeatable; checked like the spec file.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Output folder (rerun to resume).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", help="Runs trained at once by the local executor, each in its own process with "
                         "cores/JOBS torch threads (default 1).")]

_console = Console(soft_wrap=True, width=120)


def _check_jobs(jobs: int | None, executor: str, nproc_per_node: int) -> int:
    """--jobs for the local executor: at least 1, and not together with torchrun (--nproc-per-node > 1)."""
    if jobs is None:
        return 1
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    if executor != "local":
        raise InputError(f"--jobs is for the local executor; {executor} runs jobs in parallel on its own")
    if jobs > 1 and nproc_per_node > 1:
        raise InputError("--jobs > 1 cannot be combined with --nproc-per-node > 1 (torchrun): "
                         "use one or the other")
    return jobs


def _with_peak(sp: Any, peak_tflops: float | None) -> Any:
    """The spec with ``train.peak_flops`` set: --peak-tflops, else the local GPU's catalogue peak (for MFU)."""
    from dataclasses import replace

    from scalinglab.planning.cost import peak_for_device

    if peak_tflops is not None:
        if not peak_tflops > 0:
            raise InputError(f"--peak-tflops must be positive, got {peak_tflops}")
        return replace(sp, train=replace(sp.train, peak_flops=peak_tflops * 1e12))
    if sp.train.peak_flops is not None or sp.train.device == "cpu":
        return sp
    import torch

    if not torch.cuda.is_available():
        return sp
    peak = peak_for_device(torch.cuda.get_device_name(0))
    return replace(sp, train=replace(sp.train, peak_flops=peak)) if peak else sp


class _Bars:
    """The sweep's rich progress bars on stderr (one for the runs, one per run), fed the library's
    :class:`scalinglab.events.Progress` events; a context manager, disabled by ``--quiet``/``--json``."""

    def __init__(self, show: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=self.console,
                            disable=not show, transient=False)
        self.tasks: dict[str | None, Any] = {}

    def log(self, msg: str) -> None:
        self.console.print(msg, highlight=False)

    def __call__(self, ev: Any) -> None:
        i = ev.info
        if ev.task == "runs":
            if "runs" not in self.tasks:
                self.tasks["runs"] = self.bar.add_task("runs", total=ev.total, info="")
            self.bar.update(self.tasks["runs"], completed=ev.done)
            return
        if i["phase"] == "start" or ev.item not in self.tasks:
            self.tasks[ev.item] = self.bar.add_task(f"  {ev.item}", total=ev.total, info="")
        text = {"start": "", "step": f"loss {i.get('loss', 0.0):.3f}", "checkpoint": f"val {i.get('val_loss', 0.0):.3f}",
                "done": f"{i.get('status')} val {i.get('loss', float('nan')):.4f}"}[i["phase"]]
        self.bar.update(self.tasks[ev.item], completed=ev.done, info=text)

    def __enter__(self) -> _Bars:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


def _run(sp: Any, out: Path, executor: Any, quiet: bool, json_out: bool) -> dict[str, Any]:
    """run_sweep with the bars drawn here (the library only reports Progress events) and its log on stderr."""
    from scalinglab.sweep.runner import run_sweep

    with _Bars(show=not (quiet or json_out)) as bars:
        return run_sweep(sp, out, executor, progress=bars, log=(lambda m: None) if json_out else bars.log)


def _load(preset: str | None, spec: Path | None, sets: list[str] | None = None) -> Any:
    from scalinglab.sweep import load_spec, spec_from_dict
    from scalinglab.sweep.presets import preset as get_preset
    from scalinglab.sweep.spec import apply_overrides

    if (preset is None) == (spec is None):
        raise InputError("give exactly one of --preset NAME or --spec FILE")
    if preset:
        return spec_from_dict(apply_overrides(get_preset(preset), sets or [], f"preset:{preset}"), f"preset:{preset}")
    return load_spec(spec, sets or [])  # type: ignore[arg-type]


@sweep_app.command("run")
@handle_errors
def run_cmd(
    out: OutOpt,
    preset: PresetOpt = None,
    spec: SpecOpt = None,
    sets: SetOpt = None,
    executor: Annotated[str, typer.Option("--executor", help="local, slurm (submitit) or ray.")] = "local",
    nproc_per_node: Annotated[int, typer.Option(
        "--nproc-per-node", help="Processes per run (torchrun/DDP; GPUs per run on a cluster).")] = 1,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster address.")] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="submitit cluster: slurm (default when available), local or debug.")] = None,
    partition: Annotated[str | None, typer.Option("--partition", help="Slurm partition.")] = None,
    timeout_min: Annotated[int, typer.Option("--timeout-min", help="Slurm job time limit.")] = 240,
    gpus_per_node: Annotated[int, typer.Option("--gpus-per-node", help="GPUs per Slurm job / Ray task.")] = 0,
    jobs: JobsOpt = None,
    peak_tflops: Annotated[float | None, typer.Option(
        "--peak-tflops", help="Dense bf16 peak TFLOP/s of one device, for MFU (default: looked up from the "
                              "accelerator catalogue by the local GPU's name).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Train every run of a sweep (skipping finished runs, resuming killed ones) and write the tables."""
    from scalinglab.sweep.executors import make_executor
    from scalinglab.sweep.runner import require_torch

    n_jobs = _check_jobs(jobs, executor, nproc_per_node)
    sp = _load(preset, spec, sets)
    require_torch()
    sp = _with_peak(sp, peak_tflops)
    opts = {**sp.executor}
    if executor == "slurm":
        opts = {**opts, "cluster": cluster or opts.get("cluster"), "partition": partition or opts.get("partition"),
                "timeout_min": timeout_min, "gpus_per_node": gpus_per_node or opts.get("gpus_per_node"),
                "nproc_per_node": nproc_per_node}
    elif executor == "ray":
        opts = {"address": address or opts.get("address"), "num_gpus": gpus_per_node or opts.get("num_gpus"),
                "nproc_per_node": nproc_per_node}
    else:
        opts = {"nproc_per_node": nproc_per_node, "jobs": n_jobs}
    summary = _run(sp, out, make_executor(executor, **opts), quiet, json_out)
    if json_out:
        echo_json(summary)
        return
    typer.echo(f"{summary['finished']}/{summary['runs']} runs finished -> {summary['runs_csv']}, "
               f"{summary['curves_csv']} ({summary['curve_points']} curve points)")
    for s in summary["stopped"]:
        typer.echo(f"  {s['run']}: {s['status']} {s['reason']}".rstrip())


@sweep_app.command("resume")
@handle_errors
def resume_cmd(
    out: OutOpt,
    nproc_per_node: Annotated[int, typer.Option("--nproc-per-node", help="Processes per run (torchrun).")] = 1,
    jobs: JobsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Finish a sweep folder with the spec stored in its sweep.json (no --preset/--spec needed)."""
    import json

    from scalinglab.sweep import spec_from_dict
    from scalinglab.sweep.executors import make_executor

    n_jobs = _check_jobs(jobs, "local", nproc_per_node)
    path = out / "sweep.json"
    if not path.is_file():
        raise InputError("not a sweep folder (no sweep.json)", file=str(out))
    sp = spec_from_dict(json.loads(path.read_text())["spec"], str(path))
    summary = _run(sp, out, make_executor("local", nproc_per_node=nproc_per_node, jobs=n_jobs), quiet, json_out)
    if json_out:
        echo_json(summary)
    else:
        typer.echo(f"{summary['finished']}/{summary['runs']} runs finished -> {summary['runs_csv']}")


@sweep_app.command("plan")
@handle_errors
def plan_cmd(preset: PresetOpt = None, spec: SpecOpt = None, sets: SetOpt = None,
             out: Annotated[Path, typer.Option("--out", help="Output folder (for data paths).")] = Path("sweep-out"),
             json_out: JsonOpt = False) -> None:
    """List the runs a spec expands to (shape, N, D, steps, 6ND and Chinchilla FLOPs); trains nothing."""
    from scalinglab.sweep.flops import chinchilla_flops_per_token, flops_6nd, total_params
    from scalinglab.sweep.runner import plan_runs

    runs = plan_runs(_load(preset, spec, sets), out)
    rows = [{"run": r.name, "layers": r.n_layer, "width": r.d_model, "heads": r.n_head,
             "N": r.non_embedding_params, "params": total_params(r.shape), "D": r.tokens, "steps": r.steps,
             "C": flops_6nd(r.non_embedding_params, r.tokens),
             "C_chinchilla": chinchilla_flops_per_token(r.shape) * r.tokens} for r in runs]
    if json_out:
        echo_json(rows)
        return
    table = Table("run", "layers", "width", "N (non-emb)", "params", "D", "steps", "C=6ND", "C (App. F)")
    for r in rows:
        table.add_row(r["run"], str(r["layers"]), str(r["width"]), f"{r['N']:,}", f"{r['params']:,}",
                      f"{r['D']:,}", str(r["steps"]), f"{r['C']:.3g}", f"{r['C_chinchilla']:.3g}")
    _console.print(table)


@sweep_app.command("status", context_settings=aliases(out="dir"))  # --out: the old name of --dir
@handle_errors
def status_cmd(out: Annotated[Path, typer.Option("--dir", help="The sweep folder to read.")],
               json_out: JsonOpt = False) -> None:
    """Per-run state of a sweep folder."""
    from scalinglab.sweep.runner import run_status

    rows = run_status(out)
    if json_out:
        echo_json(rows)
        return
    table = Table("run", "status", "step", "val loss", "note")
    for r in rows:
        table.add_row(r["run"], r["status"], f"{r['step']}/{r['steps']}",
                      "" if r["loss"] is None else f"{r['loss']:.4f}", r["reason"])
    _console.print(table)


@sweep_app.command("presets")
@handle_errors
def presets_cmd(json_out: JsonOpt = False) -> None:
    """The built-in sweep specs."""
    from scalinglab.sweep.presets import PRESETS

    if json_out:
        echo_json(PRESETS)
        return
    from scalinglab.sweep.spec import expand, spec_from_dict

    for name, p in PRESETS.items():
        design = "isoflop" if "isoflop" in p else "grid" if "grid" in p else "runs"
        n_runs = len(expand(spec_from_dict(p, f"preset:{name}"), ""))
        typer.echo(f"{name}: {n_runs} runs ({design}), data {p['data']['source']}, vocab {p['data']['vocab_size']}")


@sweep_app.command("export")
@handle_errors
def export_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run folder of a sweep: OUT/runs/NAME.")],
    out: Annotated[Path, typer.Option("--out", help="Hugging Face model folder to write.")],
) -> None:
    """Export a run's model as a Hugging Face GPT-2 folder (safetensors, config, tokenizer; needs [post])."""
    from scalinglab.sweep.runner import require_torch

    require_torch()
    from scalinglab.post.export import export_hf

    typer.echo(f"exported {run_dir} -> {export_hf(run_dir, out)}")


def register(app: typer.Typer) -> None:
    app.add_typer(sweep_app, name="sweep")
