"""Run a sweep end to end and write its tables: ``runs.csv`` and ``curves.csv`` in the output folder.

Layout of ``OUT``::

    sweep.json            the spec and the expanded runs (what a rerun must match)
    data/<fingerprint>/   tokenizer and token shards (shared by all runs, cached)
    runs/<name>/          config.json, checkpoint.pt, curve.json, result.json
    runs.csv              one row per finished run: run, N (non-embedding), N_total, D, C, loss, ..., mfu
    runs/<name>/curve.json  also each checkpoint's tokens/s and MFU (the GPU's peak from --peak-tflops or
                          the accelerator catalogue)
    curves.csv            one row per checkpoint: run, step, N, D (tokens so far), C, loss, train_loss, lr

Tables are rebuilt from the run folders (the source of truth) after every checkpoint and run, and
written atomically. Rerunning the same command skips finished runs and resumes unfinished ones.
Runs stopped by an eval gate are listed in ``sweep.json``'s status and in ``status``, not in
``runs.csv`` (their loss is not a converged measurement).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scalinglab.atomic import atomic_path
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.events import ProgressCallback, report
from scalinglab.sweep.flops import total_params
from scalinglab.sweep.shards import prepare_data, read_meta, write_json_atomic
from scalinglab.sweep.spec import CHECKPOINT, CURVE, RESULT, RunConfig, SweepSpec, expand

RUNS_COLUMNS = ["run", "N", "D", "C", "loss", "step", "seed", "non_embedding_params", "params", "N_total",
                "C_total", "layers", "width", "heads", "seq_len", "batch_size", "lr", "schedule", "train_loss",
                "C_kaplan", "C_chinchilla", "wall_s", "tokens_per_s", "mfu", "compile_s"]
CURVES_COLUMNS = ["run", "step", "N", "D", "C", "loss", "train_loss", "lr"]  # timing per checkpoint: curve.json


def require_torch() -> None:
    """Fail with one clear line when the training extra is missing."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ScalingLabError("training sweeps need PyTorch: install scalinglab[train]") from None


def _write_csv_atomic(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    import csv

    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_tables(out: Path, runs: list[RunConfig]) -> tuple[int, int]:
    """Rebuild runs.csv and curves.csv from the run folders; returns (finished runs, curve points)."""
    run_rows, curve_rows = [], []
    for cfg in runs:
        rd = out / "runs" / cfg.name
        result = _read_json(rd / RESULT)
        n, n_total = cfg.non_embedding_params, total_params(cfg.shape)
        if result and result.get("status") == "finished" and math.isfinite(result.get("loss", math.nan)):
            # N is Kaplan's non-embedding count; N_total (and C_total = 6 N_total D) count every parameter
            run_rows.append({**result, "N_total": n_total, "C_total": 6.0 * n_total * result["D"]})
        for p in _read_json(rd / CURVE) or []:
            curve_rows.append({"run": cfg.name, "step": p["step"], "N": n, "D": p["tokens"],
                               "C": 6.0 * n * p["tokens"], "loss": p["loss"], "train_loss": p["train_loss"],
                               "lr": p["lr"]})
    _write_csv_atomic(out / "runs.csv", run_rows, RUNS_COLUMNS)
    _write_csv_atomic(out / "curves.csv", curve_rows, CURVES_COLUMNS)
    return len(run_rows), len(curve_rows)


def run_status(out: Path) -> list[dict[str, Any]]:
    """Per-run state of a sweep folder: finished / diverged / behind_forecast / running-or-killed / pending."""
    path = Path(out) / "sweep.json"
    if not path.is_file():
        raise ScalingLabError(f"{out} is not a sweep folder (no sweep.json)")
    plan = _read_json(path)
    runs = plan.get("runs") if isinstance(plan, dict) else None
    if not (isinstance(runs, list) and all(isinstance(r, dict) and isinstance(r.get("name"), str)
                                           and isinstance(r.get("steps"), int) for r in runs)):
        # truncated, not JSON, or runs without a name/steps: was "no sweep.json", or a KeyError traceback
        raise InputError("unreadable sweep.json (needs a list of runs, each with a name and steps)", file=str(path))
    out = Path(out)
    rows = []
    for r in runs:
        rd = out / "runs" / r["name"]
        result = _read_json(rd / RESULT)
        curve = _read_json(rd / CURVE) or []
        # a hand-edited result.json or curve.json of another shape reads as missing (was a KeyError traceback)
        result = result if isinstance(result, dict) and isinstance(result.get("status"), str) else None
        if not (isinstance(curve, list) and all(isinstance(p, dict) and {"step", "loss"} <= set(p) for p in curve)):
            curve = []
        started = curve or (rd / CHECKPOINT).exists()  # the checkpoint is written just before the curve
        status = result["status"] if result else ("partial" if started else "pending")
        rows.append({"run": r["name"], "status": status, "step": curve[-1]["step"] if curve else 0,
                     "steps": r["steps"], "loss": curve[-1]["loss"] if curve else None,
                     "reason": (result or {}).get("reason", "")})
    return rows


def plan_runs(spec: SweepSpec, out: Path) -> list[RunConfig]:
    """The runs of ``spec`` (data directory resolved under ``out``) without training anything."""
    return expand(spec, out / "data" / spec.data.fingerprint(spec.seed))


def _check_seq_len(spec: SweepSpec, data_dir: Path) -> None:
    """Every split holds a window of ``model.seq_len + 1`` tokens; checked before sweep.json and the run folders
    are written (a longer seq_len failed in each run, after the folder's stored spec had been replaced)."""
    meta = read_meta(data_dir)
    for split, n in (("training split", int(meta["train_tokens"])), ("validation split", int(meta["val_tokens"]))):
        if n < spec.model.seq_len + 1:
            raise InputError(f"model.seq_len {spec.model.seq_len} is too long for the data: its {split} holds "
                             f"{n:,} tokens (a window needs seq_len+1)", file=str(data_dir))


def run_sweep(spec: SweepSpec, out: Path, executor: Any = None, *, progress: ProgressCallback | None = None,
              log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Prepare data, run every unfinished run (resuming killed ones), and write the tables.

    Draws nothing: ``progress`` receives :class:`scalinglab.events.Progress` events, task ``"runs"``
    (``done`` of ``total`` runs finished; ``item`` the run just finished, ``info`` its status, step and
    loss) and task ``"run"`` (``item`` a run, ``done`` of ``total`` steps; ``info["phase"]`` is ``start``,
    ``step`` (with the train ``loss``), ``checkpoint`` (with ``val_loss``) or ``done`` (``status``,
    ``loss``)). ``log`` receives one-line messages (data preparation, the sweep's size, executor warnings).
    """
    require_torch()
    from scalinglab.sweep.executors import LocalExecutor, check_or_write_config

    say = log or (lambda msg: None)
    out = Path(out)
    if out.exists() and not out.is_dir():  # was a FileExistsError traceback
        raise InputError("the output folder is a file", file=str(out))
    out.mkdir(parents=True, exist_ok=True)
    executor = executor or LocalExecutor()
    data_dir = prepare_data(spec.data, out / "data", seed=spec.seed, log=say)
    _check_seq_len(spec, data_dir)
    runs = expand(spec, data_dir)
    write_json_atomic(out / "sweep.json", {"spec": asdict(spec), "runs": [r.to_dict() for r in runs]})
    for r in runs:  # a folder that holds a same-named run with another config is refused, finished or not
        check_or_write_config(r, out / "runs" / r.name)
    pending = [r for r in runs if not (out / "runs" / r.name / RESULT).exists()]
    say(f"sweep {spec.name}: {len(runs)} runs, {len(runs) - len(pending)} already finished, "
        f"executor {executor.name}")
    write_tables(out, runs)
    finished = len(runs) - len(pending)
    report(progress, "runs", finished, len(runs))
    steps = {r.name: r.steps for r in runs}

    def on_event(kind: str, info: dict[str, Any]) -> None:
        nonlocal finished
        name = info["run"]
        if kind == "warning":
            say(info["message"])
        elif kind == "start":
            report(progress, "run", 0, info["steps"], name, phase="start")
        elif kind == "step":
            report(progress, "run", info["step"], info["steps"], name, phase="step", loss=info["loss"])
        elif kind == "checkpoint":
            report(progress, "run", info["step"], info["steps"], name, phase="checkpoint",
                   val_loss=info["val_loss"])
            write_tables(out, runs)
        elif kind == "done":
            finished += 1
            done = {"status": info.get("status"), "step": info.get("step", 0), "loss": info.get("loss", math.nan)}
            report(progress, "run", done["step"], steps.get(name), name, phase="done", **done)
            write_tables(out, runs)
            report(progress, "runs", finished, len(runs), name, **done)

    executor.run(pending, out, on_event)
    n_runs, n_points = write_tables(out, runs)
    status = run_status(out)
    summary = {"out": str(out), "runs": len(runs), "finished": n_runs, "curve_points": n_points,
               "runs_csv": str(out / "runs.csv"), "curves_csv": str(out / "curves.csv"),
               "stopped": [s for s in status if s["status"] not in ("finished",)]}
    return summary
