"""What a sweep command sets up before training: the spec (preset, file or a folder's sweep.json), the
executor and its options, the peak throughput for MFU; and the plain rows of ``plan``/``status``/``presets``.

Errors name the parameters in backticks (`jobs`, `peak_tflops`); the CLI shows them as its flags.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from scalinglab.errors import InputError
from scalinglab.sweep.spec import SweepSpec


def resolve_spec(preset: str | None, spec: str | Path | None, sets: list[str] | None = None) -> SweepSpec:
    """The spec of exactly one of a built-in ``preset`` or a ``spec`` file, with ``sets`` overrides applied."""
    from scalinglab.sweep.presets import preset as get_preset
    from scalinglab.sweep.spec import apply_overrides, load_spec, spec_from_dict

    if (preset is None) == (spec is None):
        raise InputError("give exactly one of `preset` NAME or `spec` FILE")
    if preset:
        source = f"preset:{preset}"
        return spec_from_dict(apply_overrides(get_preset(preset), sets or [], source), source)
    return load_spec(spec, sets or [])  # type: ignore[arg-type]


def stored_spec(out: Path) -> SweepSpec:
    """The spec a sweep folder was run with (its sweep.json), to resume it."""
    from scalinglab.sweep.spec import spec_from_dict

    path = Path(out) / "sweep.json"
    if not path.is_file():
        raise InputError("not a sweep folder (no sweep.json)", file=str(out))
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):  # truncated or not JSON: was a JSONDecodeError traceback
        raise InputError("unreadable sweep.json (not JSON)", file=str(path)) from None
    if not isinstance(stored, dict) or "spec" not in stored:
        raise InputError("not a sweep.json (it holds no spec)", file=str(path))
    return spec_from_dict(stored["spec"], str(path))


def check_jobs(jobs: int | None, executor: str, nproc_per_node: int) -> int:
    """Runs trained at once by the local executor: at least 1, and not together with torchrun."""
    if nproc_per_node < 1:  # 0 and negatives ran as 1
        raise InputError(f"`nproc_per_node` must be at least 1, got {nproc_per_node}")
    if jobs is None:
        return 1
    if jobs < 1:
        raise InputError(f"`jobs` must be at least 1, got {jobs}")
    if executor != "local":
        raise InputError(f"`jobs` is for the local executor; {executor} runs jobs in parallel on its own")
    if jobs > 1 and nproc_per_node > 1:
        raise InputError("`jobs` > 1 cannot be combined with `nproc_per_node` > 1 (torchrun): "
                         "use one or the other")
    return jobs


def executor_options(executor: str, spec: SweepSpec, *, nproc_per_node: int = 1, jobs: int = 1,
                     cluster: str | None = None, partition: str | None = None, timeout_min: int = 240,
                     gpus_per_node: int = 0, address: str | None = None) -> dict[str, Any]:
    """Options of :func:`~scalinglab.sweep.executors.make_executor`: the given ones over the spec's ``[executor]``."""
    if timeout_min < 1:  # -1 reached submitit
        raise InputError(f"`timeout_min` must be at least 1 minute, got {timeout_min}")
    if gpus_per_node < 0:
        raise InputError(f"`gpus_per_node` must be at least 0, got {gpus_per_node}")
    opts = {**spec.executor}
    if executor == "slurm":
        return {**opts, "cluster": cluster or opts.get("cluster"), "partition": partition or opts.get("partition"),
                "timeout_min": timeout_min, "gpus_per_node": gpus_per_node or opts.get("gpus_per_node"),
                "nproc_per_node": nproc_per_node}
    if executor == "ray":
        return {"address": address or opts.get("address"), "num_gpus": gpus_per_node or opts.get("num_gpus"),
                "nproc_per_node": nproc_per_node}
    return {"nproc_per_node": nproc_per_node, "jobs": jobs}


def with_peak(spec: SweepSpec, peak_tflops: float | None,
              lookup: Callable[[str], float | None] | None = None) -> SweepSpec:
    """``spec`` with ``train.peak_flops`` set, for MFU: ``peak_tflops``, else ``lookup(local GPU name)``
    (the accelerator catalogue, passed in: the sweep does not import planning)."""
    if peak_tflops is not None:
        if not (peak_tflops > 0 and math.isfinite(peak_tflops)):  # inf failed after the data was prepared
            raise InputError(f"`peak_tflops` must be a positive finite number, got {peak_tflops}")
        return replace(spec, train=replace(spec.train, peak_flops=peak_tflops * 1e12))
    if spec.train.peak_flops is not None or spec.train.device == "cpu" or lookup is None:
        return spec
    import torch

    if not torch.cuda.is_available():
        return spec
    peak = lookup(torch.cuda.get_device_name(0))
    return replace(spec, train=replace(spec.train, peak_flops=peak)) if peak else spec


def summary_text(summary: dict[str, Any], *, stopped: bool = True) -> str:
    """One line for a finished :func:`~scalinglab.sweep.runner.run_sweep` (and, with ``stopped``, one per
    run an eval gate stopped)."""
    if not stopped:
        return f"{summary['finished']}/{summary['runs']} runs finished -> {summary['runs_csv']}"
    lines = [f"{summary['finished']}/{summary['runs']} runs finished -> {summary['runs_csv']}, "
             f"{summary['curves_csv']} ({summary['curve_points']} curve points)"]
    lines += [f"  {s['run']}: {s['status']} {s['reason']}".rstrip() for s in summary["stopped"]]
    return "\n".join(lines)


def run_info(event: Any) -> str:
    """The text beside a run's progress bar: its last train loss, validation loss or final status."""
    i = event.info
    return {"start": "", "step": f"loss {i.get('loss', 0.0):.3f}", "checkpoint": f"val {i.get('val_loss', 0.0):.3f}",
            "done": f"{i.get('status')} val {i.get('loss', float('nan')):.4f}"}.get(i.get("phase"), "")


#: Headers of the ``sweep plan`` and ``sweep status`` tables.
PLAN_HEADER = ("run", "layers", "width", "N (non-emb)", "params", "D", "steps", "C=6ND", "C (App. F)")
STATUS_HEADER = ("run", "status", "step", "val loss", "note")


def plan_rows(spec: SweepSpec, out: Path) -> list[dict[str, Any]]:
    """The runs ``spec`` expands to: shape, N (non-embedding), all parameters, D, steps, 6ND and
    Chinchilla's FLOPs (App. F); trains nothing."""
    from scalinglab.sweep.flops import chinchilla_flops_per_token, flops_6nd, total_params
    from scalinglab.sweep.runner import plan_runs

    return [{"run": r.name, "layers": r.n_layer, "width": r.d_model, "heads": r.n_head,
             "N": r.non_embedding_params, "params": total_params(r.shape), "D": r.tokens, "steps": r.steps,
             "C": flops_6nd(r.non_embedding_params, r.tokens),
             "C_chinchilla": chinchilla_flops_per_token(r.shape) * r.tokens} for r in plan_runs(spec, out)]


def plan_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    """:func:`plan_rows` as the cells of :data:`PLAN_HEADER`."""
    return [[r["run"], str(r["layers"]), str(r["width"]), f"{r['N']:,}", f"{r['params']:,}", f"{r['D']:,}",
             str(r["steps"]), f"{r['C']:.3g}", f"{r['C_chinchilla']:.3g}"] for r in rows]


def status_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    """:func:`~scalinglab.sweep.runner.run_status` rows as the cells of :data:`STATUS_HEADER`."""
    return [[r["run"], r["status"], f"{r['step']}/{r['steps']}", "" if r["loss"] is None else f"{r['loss']:.4f}",
             r["reason"]] for r in rows]


def presets_text() -> str:
    """One line per built-in spec: its runs, design, data source and vocabulary."""
    from scalinglab.sweep.presets import PRESETS
    from scalinglab.sweep.spec import expand, spec_from_dict

    lines = []
    for name, p in PRESETS.items():
        design = "isoflop" if "isoflop" in p else "grid" if "grid" in p else "runs"
        n_runs = len(expand(spec_from_dict(p, f"preset:{name}"), ""))
        lines.append(f"{name}: {n_runs} runs ({design}), data {p['data']['source']}, vocab {p['data']['vocab_size']}")
    return "\n".join(lines)
