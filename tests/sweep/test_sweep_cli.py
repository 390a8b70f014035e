"""The ``scalinglab sweep`` CLI in real subprocesses: SIGKILL mid-run and resume, tables, errors, executors."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scalinglab.sweep.presets import PRESETS


def _curves(path: Path) -> dict[str, list[tuple[int, int, float]]]:
    out: dict[str, list[tuple[int, int, float]]] = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            out.setdefault(row["run"], []).append((int(row["step"]), int(row["D"]), float(row["loss"])))
    return out


def test_sigkill_mid_run_then_rerun_resumes_exactly(cli, smoke_out):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    killed = smoke_out("killed")
    first_ckpt = killed / "runs" / "L1-d32-D30.7k" / "checkpoint.pt"
    proc = subprocess.Popen([sys.executable, "-m", "scalinglab", "sweep", "run", "--preset", "smoke",
                             "--out", str(killed), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not first_ckpt.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # killed mid-sweep: the first run had not finished its 60 steps, the second had not started
    assert not (killed / "runs" / "L2-d48-D30.7k" / "result.json").exists()
    assert not (killed / "runs" / "L1-d32-D30.7k" / "result.json").exists()

    status = json.loads(cli("sweep", "status", "--out", killed, "--json", check=True).stdout)
    assert status[0]["status"] == "partial" and status[1]["status"] == "pending"

    done = cli("sweep", "run", "--preset", "smoke", "--out", killed, "--json", check=True)
    summary = json.loads(done.stdout)
    assert summary["finished"] == 2 and summary["stopped"] == []

    curves = _curves(killed / "curves.csv")
    assert set(curves) == {"L1-d32-D30.7k", "L2-d48-D30.7k"}
    for points in curves.values():
        steps = [s for s, _, _ in points]
        assert steps == list(range(10, 61, 10)), steps  # none repeated, none lost
        assert [d for _, d, _ in points] == [s * 8 * 64 for s in steps]
        assert points[-1][2] < points[0][2] - 0.2  # losses fall
    with open(killed / "runs.csv") as f:
        runs = list(csv.DictReader(f))
    assert [r["run"] for r in runs] == ["L1-d32-D30.7k", "L2-d48-D30.7k"]
    assert all(float(r["C"]) == 6 * float(r["N"]) * float(r["D"]) for r in runs)

    # the interrupted sweep reproduces an uninterrupted one exactly
    clean = smoke_out("clean")
    cli("sweep", "run", "--preset", "smoke", "--out", clean, "-q", check=True)
    assert _curves(clean / "curves.csv") == curves

    # rerunning a finished sweep (by spec, or from its stored spec) trains nothing and keeps the tables
    before = (killed / "runs.csv").read_text()
    again = json.loads(cli("sweep", "run", "--preset", "smoke", "--out", killed, "--json", check=True).stdout)
    assert again["finished"] == 2 and (killed / "runs.csv").read_text() == before
    again = json.loads(cli("sweep", "resume", "--out", killed, "--json", check=True).stdout)
    assert again["finished"] == 2 and (killed / "runs.csv").read_text() == before


def test_plan_presets_and_errors(cli, tmp_path):
    plan = json.loads(cli("sweep", "plan", "--preset", "tiny", "--json", check=True).stdout)
    assert len(plan) >= 5 and all(p["C"] == 6 * p["N"] * p["D"] for p in plan)
    assert "smoke" in cli("sweep", "presets", check=True).stdout

    bad = cli("sweep", "run", "--preset", "nope", "--out", tmp_path / "o")
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
    both = cli("sweep", "run", "--preset", "smoke", "--spec", tmp_path / "x.toml", "--out", tmp_path / "o")
    assert both.returncode == 2 and "exactly one" in both.stderr
    spec = tmp_path / "bad.toml"
    spec.write_text("[grid]\nparams = [1e3]\n")
    r = cli("sweep", "plan", "--spec", spec)
    assert r.returncode == 2 and "bad.toml" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("sweep", "status", "--out", tmp_path)
    assert r.returncode == 2 and "not a sweep folder" in r.stderr


def test_rerun_with_changed_spec_is_refused(cli, smoke_out, tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    out = smoke_out("changed")
    base = PRESETS["smoke"]
    spec = tmp_path / "s.toml"

    def write(lr: float) -> None:
        data = base["data"]
        spec.write_text(
            f'name = "s"\n[data]\nsource = "stdlib"\nmax_docs = {data["max_docs"]}\n'
            f'vocab_size = {data["vocab_size"]}\nval_fraction = {data["val_fraction"]}\n'
            f'[model]\nseq_len = 64\nhead_dim = 16\n'
            f'[train]\nbatch_size = 8\nlr = {lr}\ncheckpoint_every = 5\ncpu_threads = 1\n'
            f'[[runs]]\nlayers = 1\nwidth = 16\ntokens = 5120\n')

    write(0.003)
    cli("sweep", "run", "--spec", spec, "--out", out, "-q", check=True)
    write(0.01)
    r = cli("sweep", "run", "--spec", spec, "--out", out, "-q")
    assert r.returncode == 2 and "different config" in r.stderr and "lr" in r.stderr


def test_slurm_executor_with_submitit_debug(smoke_data, tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    pytest.importorskip("submitit", reason="the slurm executor needs submitit (scalinglab[cluster])")
    import shutil

    from scalinglab.sweep.executors import SlurmExecutor
    from scalinglab.sweep.runner import run_sweep
    from scalinglab.sweep.spec import spec_from_dict

    spec = spec_from_dict({**PRESETS["smoke"], "runs": [{"layers": 1, "width": 16, "tokens": 8 * 64 * 10}]})
    out = tmp_path / "slurm"
    shutil.copytree(smoke_data[1], out / "data" / smoke_data[0])
    summary = run_sweep(spec, out, SlurmExecutor(cluster="debug"), log=lambda m: None)
    assert summary["finished"] == 1
    assert (out / "slurm").is_dir()  # submitit's job folder
    with open(out / "runs.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert int(row["step"]) == 10


def test_run_sweep_reports_progress_events_that_the_cli_draws(smoke_data, tmp_path):
    """The library reports scalinglab.events.Progress (it draws nothing); the CLI's bars take every event."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    import shutil

    from scalinglab.cli.sweep import _Bars
    from scalinglab.events import Progress
    from scalinglab.sweep.runner import run_sweep
    from scalinglab.sweep.spec import spec_from_dict

    spec = spec_from_dict({**PRESETS["smoke"], "train": {**PRESETS["smoke"]["train"], "checkpoint_every": 5},
                           "runs": [{"layers": 1, "width": 16, "tokens": 8 * 64 * 10, "name": "one"}]})
    out = tmp_path / "events"
    shutil.copytree(smoke_data[1], out / "data" / smoke_data[0])
    events: list[Progress] = []
    lines: list[str] = []
    summary = run_sweep(spec, out, progress=events.append, log=lines.append)
    assert summary["finished"] == 1 and any("1 runs, 0 already finished" in m for m in lines)
    assert all(isinstance(e, Progress) for e in events)
    assert (events[0].task, events[0].done, events[0].total) == ("runs", 0, 1)
    assert (events[-1].task, events[-1].done, events[-1].total, events[-1].item) == ("runs", 1, 1, "one")
    assert events[-1].info["status"] == "finished" and events[-1].info["step"] == 10
    run = [e for e in events if e.task == "run"]
    assert run[0].info["phase"] == "start" and run[-1].info["phase"] == "done"
    assert [e.done for e in run if e.info["phase"] == "checkpoint"] == [5, 10]
    assert all(e.item == "one" and e.total == 10 for e in run)
    with _Bars(show=False) as bars:  # every kind of event drives the bars
        for e in events:
            bars(e)
    assert len(bars.tasks) == 2 and bars.bar.tasks[bars.tasks["one"]].completed == 10


def test_imports_stay_light_and_separate():
    """`import scalinglab` and the CLI never import torch; the sweep never imports fitting/planning/report."""
    light = ("import sys, scalinglab, scalinglab.cli.main, scalinglab.sweep, scalinglab.sweep.runner, "
             "scalinglab.sweep.executors, scalinglab.cli.sweep\n"
             "assert 'torch' not in sys.modules, 'torch imported'\n")
    r = subprocess.run([sys.executable, "-c", light], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    mods = ["corpus", "filters", "dedupe", "tokenizer", "shards", "flops", "spec", "presets", "executors",
            "runner", "model", "train"]
    separate = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    try: importlib.import_module('scalinglab.sweep.' + m)\n"
        "    except ImportError as e: assert 'torch' in str(e), e\n"
        "bad = [m for m in sys.modules if m.startswith(('scalinglab.fitting', 'scalinglab.planning', "
        "'scalinglab.report'))]\n"
        "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", separate], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_missing_torch_is_one_clear_line(tmp_path):
    """With torch unimportable, `sweep run` prints one 'install scalinglab[train]' line, exit 2."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "run", "--preset", "smoke", "--out",
                        str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "error: training sweeps need PyTorch: install scalinglab[train]"
    plan = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "plan", "--preset", "tiny"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert plan.returncode == 0, plan.stderr
