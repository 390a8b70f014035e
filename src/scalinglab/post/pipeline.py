"""Chain the stages for every base run of a sweep, with eval gates, and write ``post_runs.csv``.

Layout of the output folder::

    <out>/post.json                    the spec used (a rerun with another spec is refused)
    <out>/<base run>/base.json         the base model's held-out metrics and its gate
    <out>/<base run>/sft/stage.pt      checkpoint (model, optimiser, step, per-step log); result.json
    <out>/<base run>/dpo/...           the same for DPO, started from the SFT model
    <out>/<base run>/grpo/...          GRPO, started from the DPO model if it was promoted, else from SFT
    <out>/<base run>/sft-n<K>/...      extra SFT runs on K examples per task (``tasks.sft_sizes``, the
                                       fine-tuning data axis of the post-training law; not chained on)
    <out>/post_runs.csv                one row per (base run, stage)

Gates (``[gates]`` in the spec): a base model goes on to SFT only if its sweep validation loss is
under ``base_max_val_loss``; the SFT model is promoted only if its held-out exact-match accuracy beats
the base's by more than ``sft_min_gain``, and only a promoted SFT model goes on to DPO; the DPO model
is promoted unless its accuracy falls more than ``dpo_max_drop`` below SFT's. GRPO starts from the
last promoted model (DPO, else SFT) and is promoted unless its accuracy falls more than
``grpo_max_drop`` below that model's. A stage that is not promoted is still reported, with the reason.
Rerunning the same command resumes killed stages from their checkpoints and reuses finished ones.
``jobs > 1`` post-trains that many base runs at once in spawned processes (each with the spec's
``threads``), so the table does not depend on ``jobs``.

Imports torch at module level.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from scalinglab.atomic import write_text_atomic
from scalinglab.errors import InputError
from scalinglab.post.base import BaseRun, data_dir_of, load_base
from scalinglab.post.tasks import Example, make_examples, make_pairs
from scalinglab.post.train import (
    StageConfig,
    heldout_metrics,
    load_stage_model,
    reward_stats,
    sampled_reward,
    train_stage,
)
from scalinglab.sweep.model import GPT
from scalinglab.sweep.spec import CHECKPOINT

RESULT = "result.json"
COLUMNS = ["base_run", "N", "D", "base_val_loss", "stage", "from", "examples", "pairs", "prompts", "steps",
           "train_loss", "eval_loss", "accuracy", "acc_add", "acc_copy", "acc_reverse", "acc_stdlib",
           "reward_accuracy", "reward_margin", "reward", "train_reward", "kl", "promoted", "reason", "wall_s"]
Log = Callable[[str], None]


def write_json_atomic(path: Path, obj: Any) -> None:
    """``obj`` as JSON, written atomically (temporary file, fsync, rename)."""
    write_text_atomic(path, json.dumps(obj, indent=1))


def write_csv_atomic(path: Path, rows: list[dict[str, Any]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_text_atomic(path, buf.getvalue())


def corpus_lines(base: BaseRun) -> list[str]:
    """Lines of the sweep's validation text (held out from the base model's training), decoded."""
    data_dir = data_dir_of(base.run_dir, base.cfg)
    meta = json.loads((data_dir / "meta.json").read_text())
    tokens = np.load(data_dir / meta["val_file"], mmap_mode="r")
    return base.tokenizer.decode(np.asarray(tokens).tolist()).splitlines()


def task_sets(spec: dict[str, Any], lines: list[str], per_task: int | None = None
              ) -> tuple[list[Example], list[Example]]:
    """(train examples, held-out examples) over the spec's tasks (``per_task`` train items per task)."""
    t = spec["tasks"]
    n = t["train_per_task"] if per_task is None else per_task
    kw = {"digits": t["digits"], "length": t["length"], "lines": lines}
    train = [ex for name in t["names"] for ex in make_examples(name, n, spec["seed"], "train", **kw)]
    held = [ex for name in t["names"] for ex in make_examples(name, t["eval_per_task"], spec["seed"], "eval", **kw)]
    return train, held


def stage_config(spec: dict[str, Any], kind: str) -> StageConfig:
    return StageConfig(kind=kind, seed=spec["seed"], **spec[kind])


def scan_config(spec: dict[str, Any], per_task: int) -> StageConfig:
    """SFT on ``per_task`` examples per task for as many epochs as the main SFT (steps scaled by the data)."""
    c = stage_config(spec, "sft")
    steps = max(1, round(c.steps * per_task / spec["tasks"]["train_per_task"]))
    return replace(c, steps=steps, warmup_steps=min(c.warmup_steps, steps),
                   checkpoint_every=min(c.checkpoint_every, steps))


def _run_stage(c: StageConfig, model: GPT, tok: Any, items: Callable[[], list], count_key: str,
               evaluate: Callable[[GPT], dict[str, Any]], stage_dir: Path,
               on_progress: Any = None) -> tuple[GPT, dict[str, Any]]:
    """Train (or resume, or reload when finished) one stage on ``items()``; returns (model, metrics)."""
    stage_dir = Path(stage_dir)
    if (stage_dir / RESULT).exists():
        return load_stage_model(stage_dir, model), json.loads((stage_dir / RESULT).read_text())
    t0 = time.perf_counter()
    data = items()
    trained, state = train_stage(c, model, tok, data, stage_dir, on_progress)
    t_train = time.perf_counter() - t0
    tail = state["log"][-10:]
    metrics = {count_key: len(data), "steps": state["step"], "train_loss": sum(e["loss"] for e in tail) / len(tail),
               **evaluate(trained), "log": state["log"]}
    if c.kind == "grpo":
        metrics["train_reward"] = sum(e["reward"] for e in tail) / len(tail)
    metrics["wall_s"] = state["wall_s"] + (time.perf_counter() - t0 - t_train)
    write_json_atomic(stage_dir / RESULT, metrics)
    return trained, metrics


def run_sft(model: GPT, tok: Any, spec: dict[str, Any], train: list[Example], held: list[Example],
            stage_dir: Path, on_progress: Any = None, config: StageConfig | None = None) -> tuple[GPT, dict[str, Any]]:
    """Train (or resume or reload) SFT from ``model``; returns (SFT model, metrics)."""
    return _run_stage(config or stage_config(spec, "sft"), model, tok, lambda: [(ex, ex.answer) for ex in train],
                      "examples", lambda sft: heldout_metrics(sft, tok, held), stage_dir, on_progress)


def run_dpo(model: GPT, tok: Any, spec: dict[str, Any], train: list[Example], held: list[Example],
            stage_dir: Path, on_progress: Any = None) -> tuple[GPT, dict[str, Any]]:
    """DPO from ``model`` (also the frozen reference) on verifier pairs; returns (DPO model, metrics)."""
    c = stage_config(spec, "dpo")

    def evaluate(dpo: GPT) -> dict[str, Any]:
        return {**heldout_metrics(dpo, tok, held),
                **reward_stats(dpo, model, tok, make_pairs(held, spec["seed"] + 1), c.beta)}

    return _run_stage(c, model, tok, lambda: make_pairs(train, spec["seed"]), "pairs", evaluate,
                      stage_dir, on_progress)


def run_grpo(model: GPT, tok: Any, spec: dict[str, Any], train: list[Example], held: list[Example],
             stage_dir: Path, on_progress: Any = None) -> tuple[GPT, dict[str, Any]]:
    """GRPO from ``model`` (also the frozen KL reference) with the verifier as reward; returns (model, metrics).

    Metrics: held-out greedy exact match and answer loss, and ``reward``, the mean verifier reward of
    ``group_size`` sampled answers per held-out prompt (seeded).
    """
    c = stage_config(spec, "grpo")

    def evaluate(m: GPT) -> dict[str, Any]:
        return {**heldout_metrics(m, tok, held), "reward": sampled_reward(m, tok, held, c, spec["seed"] + 1)}

    return _run_stage(c, model, tok, lambda: [(ex,) for ex in train], "prompts", evaluate, stage_dir, on_progress)


def _base_row(base: BaseRun) -> dict[str, Any]:
    r = base.result
    return {"base_run": base.name, "N": r.get("N", base.cfg.non_embedding_params), "D": r.get("D", ""),
            "base_val_loss": r.get("loss", math.nan)}


def post_train_base(base: BaseRun, spec: dict[str, Any], out: Path, log: Log,
                    on_progress: Any = None) -> list[dict[str, Any]]:
    """All stages for one base run; returns its post_runs.csv rows."""
    g = spec["gates"]
    rd = out / base.name
    rd.mkdir(parents=True, exist_ok=True)
    lines = corpus_lines(base)
    train, held = task_sets(spec, lines)
    tok, common = base.tokenizer, _base_row(base)
    if (rd / "base.json").exists():
        bm = json.loads((rd / "base.json").read_text())
    else:
        t0 = time.perf_counter()
        bm = {**heldout_metrics(base.model, tok, held)}
        bm["wall_s"] = time.perf_counter() - t0
        write_json_atomic(rd / "base.json", bm)
    val = float(common["base_val_loss"])
    ok = math.isfinite(val) and val < g["base_max_val_loss"]
    rows = [{**common, **bm, "stage": "base", "from": "", "steps": base.result.get("step", ""), "promoted": ok,
             "reason": "" if ok else f"val loss {val:.4g} not under gate {g['base_max_val_loss']}"}]
    log(f"{base.name}: base accuracy {bm['accuracy']:.3f}, val loss {val:.4g}" + ("" if ok else " (gated)"))
    if not ok:
        return rows
    for k in spec["tasks"]["sft_sizes"]:  # the fine-tuning data axis: SFT on k examples per task
        scan_train, _ = task_sets(spec, lines, per_task=k)
        _, km = run_sft(base.model, tok, spec, scan_train, held, rd / f"sft-n{k}", on_progress,
                        scan_config(spec, k))
        rows.append({**common, **km, "stage": "sft_scan", "from": "base", "promoted": False,
                     "reason": "data-size scan (not chained on)"})
        log(f"{base.name}: sft on {km['examples']} examples: accuracy {km['accuracy']:.3f}, "
            f"held-out answer loss {km['eval_loss']:.3f}")
    sft, sm = run_sft(base.model, tok, spec, train, held, rd / "sft", on_progress)
    gain = sm["accuracy"] - bm["accuracy"]
    ok = gain > g["sft_min_gain"]
    rows.append({**common, **sm, "stage": "sft", "from": "base", "promoted": ok,
                 "reason": "" if ok else f"accuracy gain {gain:+.3f} not above {g['sft_min_gain']}"})
    log(f"{base.name}: sft accuracy {sm['accuracy']:.3f} ({gain:+.3f})" + ("" if ok else " (not promoted)"))
    if not ok:
        return rows
    dpo, dm = run_dpo(sft, tok, spec, train, held, rd / "dpo", on_progress)
    drop = sm["accuracy"] - dm["accuracy"]
    ok = drop <= g["dpo_max_drop"]
    rows.append({**common, **dm, "stage": "dpo", "from": "sft", "promoted": ok,
                 "reason": "" if ok else f"accuracy fell {drop:.3f} below sft's (more than {g['dpo_max_drop']})"})
    log(f"{base.name}: dpo accuracy {dm['accuracy']:.3f}, held-out reward accuracy {dm['reward_accuracy']:.3f}, "
        f"margin {dm['reward_margin']:.3f}" + ("" if ok else " (not promoted)"))
    start, start_name, start_acc = (dpo, "dpo", dm["accuracy"]) if ok else (sft, "sft", sm["accuracy"])
    _, gm = run_grpo(start, tok, spec, train, held, rd / "grpo", on_progress)
    drop = start_acc - gm["accuracy"]
    ok = drop <= g["grpo_max_drop"]
    rows.append({**common, **gm, "stage": "grpo", "from": start_name, "promoted": ok,
                 "reason": "" if ok else f"accuracy fell {drop:.3f} below {start_name}'s "
                                         f"(more than {g['grpo_max_drop']})"})
    log(f"{base.name}: grpo from {start_name}: accuracy {gm['accuracy']:.3f}, held-out reward {gm['reward']:.3f}"
        + ("" if ok else " (not promoted)"))
    return rows


def base_runs(sweep_dir: Path) -> list[Path]:
    """Run folders of a sweep's finished runs, in runs.csv order."""
    table = sweep_dir / "runs.csv"
    if not table.exists():
        raise InputError("not a finished sweep folder (no runs.csv)", file=str(sweep_dir))
    try:
        with open(table, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if "run" not in (reader.fieldnames or []):  # was a KeyError traceback
                raise InputError("no column 'run' (is this a sweep's runs.csv?)", file=str(table), column="run")
            names = [r["run"] for r in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"not a readable CSV table ({exc})", file=str(table)) from None
    if not names:
        raise InputError("the sweep has no finished runs", file=str(table))
    for i, n in enumerate(names, 1):  # checked before the output folder is made (it was left behind)
        if not n or n != Path(n).name or not (sweep_dir / "runs" / n / CHECKPOINT).is_file():
            raise InputError(f"run {n!r} has no checkpoint under {sweep_dir / 'runs'}", file=str(table), row=i,
                             column="run")
    return [sweep_dir / "runs" / n for n in names]


def _post_one(run_dir: str, spec: dict[str, Any], out: str) -> tuple[list[dict[str, Any]], list[str], float]:
    """One base run in a worker process: (rows, log lines, CPU seconds). Module level, so spawn can pickle it."""
    torch.set_num_threads(spec["threads"])
    cpu0 = time.process_time()
    lines: list[str] = []
    rows = post_train_base(load_base(run_dir), spec, Path(out), lines.append)
    return rows, lines, time.process_time() - cpu0


def _select_bases(runs: list[Path], rule: str) -> list[Path]:
    """All runs, or (``"max_tokens"``) per model shape (layers, width, heads) only the run trained on the most tokens."""
    if rule == "all":
        return runs
    best: dict[str, tuple[float, Path]] = {}
    for rd in runs:
        r = json.loads((rd / "result.json").read_text()) if (rd / "result.json").exists() else {}
        shape = str((r.get("layers"), r.get("width"), r.get("heads"))) if "layers" in r else rd.name
        d = float(r.get("D", 0) or 0)
        if shape not in best or d > best[shape][0]:
            best[shape] = (d, rd)
    keep = {p for _, p in best.values()}
    return [rd for rd in runs if rd in keep]


def run_post(spec: dict[str, Any], sweep_dir: Path | str, out: Path | str, log: Log = print,
             on_progress: Any = None, jobs: int = 1) -> dict[str, Any]:
    """Post-train every base run of ``sweep_dir`` into ``out`` (``jobs`` at once); returns a summary."""
    sweep_dir, out = Path(sweep_dir), Path(out)
    if jobs < 1:
        raise InputError(f"`jobs` must be at least 1, got {jobs}")
    runs = _select_bases(base_runs(sweep_dir), spec["bases"])
    if out.exists() and not out.is_dir():  # was a FileExistsError traceback
        raise InputError("the output folder is a file", file=str(out))
    out.mkdir(parents=True, exist_ok=True)
    stored = out / "post.json"
    if stored.exists() and json.loads(stored.read_text()) != spec:
        raise InputError("the folder holds a post run with another spec; use a fresh output folder", file=str(stored))
    write_json_atomic(stored, spec)
    torch.set_num_threads(spec["threads"])
    t0, cpu0 = time.perf_counter(), time.process_time()
    rows: list[dict[str, Any]] = []
    worker_cpu = 0.0
    if jobs == 1:
        for rd in runs:
            rows += post_train_base(load_base(rd), spec, out, log, on_progress)
            write_csv_atomic(out / "post_runs.csv", rows)
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        done: dict[int, list[dict[str, Any]]] = {}
        with ProcessPoolExecutor(max_workers=min(jobs, len(runs)), mp_context=mp.get_context("spawn")) as pool:
            # the biggest models first (they bound the wall time); rows keep runs.csv order
            order = sorted(range(len(runs)), key=lambda i: -os.path.getsize(runs[i] / "checkpoint.pt"))
            futures = {pool.submit(_post_one, str(runs[i]), spec, str(out)): i for i in order}
            for fut in as_completed(futures):
                part, lines, cpu = fut.result()
                worker_cpu += cpu
                for m in lines:
                    log(m)
                done[futures[fut]] = part
                rows = [r for i in sorted(done) for r in done[i]]
                write_csv_atomic(out / "post_runs.csv", rows)
    return {"bases": len(runs), "rows": len(rows), "post_runs_csv": str(out / "post_runs.csv"), "jobs": jobs,
            "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0 + worker_cpu,
            "stages": [{k: r.get(k) for k in ("base_run", "stage", "accuracy", "reward_accuracy", "promoted")}
                       for r in rows]}


def summary_text(summary: dict[str, Any]) -> str:
    """One line for a finished :func:`run_post`."""
    return (f"{summary['rows']} stage rows for {summary['bases']} base runs -> {summary['post_runs_csv']} "
            f"({summary['wall_s']:.1f} s wall, {summary['cpu_s']:.1f} s CPU)")


def run_one_stage(kind: str, spec: dict[str, Any], run_dir: Path, out: Path, init: Path | None = None
                  ) -> dict[str, Any]:
    """One stage (``sft``, ``dpo`` or ``grpo``) on the base run ``run_dir`` (or, with ``init``, on the model of that
    stage folder), written to ``out``: the held-out accuracy before, and the stage's metrics."""
    from scalinglab.post.train import STAGE_CHECKPOINT, exact_match

    torch.set_num_threads(spec["threads"])
    out = Path(out)
    if out.exists() and not out.is_dir():  # was a FileExistsError traceback after the base model was evaluated
        raise InputError("the output folder is a file", file=str(out))
    if init is not None and not (Path(init) / STAGE_CHECKPOINT).is_file():  # checked before the base is loaded
        raise InputError(f"not a stage folder (no {STAGE_CHECKPOINT})", file=str(init))
    b = load_base(run_dir)
    train, held = task_sets(spec, corpus_lines(b))
    model = b.model if init is None else load_stage_model(Path(init), b.model)
    start = exact_match(model, b.tokenizer, held)["accuracy"]
    _, m = {"sft": run_sft, "dpo": run_dpo, "grpo": run_grpo}[kind](model, b.tokenizer, spec, train, held, out)
    return {"base_run": b.name, "stage": kind, "start_accuracy": start,
            **{k: v for k, v in m.items() if k != "log"}}
