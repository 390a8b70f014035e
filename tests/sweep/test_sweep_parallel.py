"""``sweep run --jobs N``: runs trained at once in spawned processes give the sequential sweep's tables."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.sweep.executors import LocalExecutor
from scalinglab.sweep.presets import PRESETS

TIMING = {"wall_s", "tokens_per_s", "mfu", "compile_s"}  # the only runs.csv columns allowed to differ between executions


def _runs(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(f)]


def _sweep(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "run", "--preset", "smoke", "--out",
                        str(out), *args], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def sequential(smoke_data, tmp_path_factory) -> Path:
    """The smoke preset trained one run after another (the reference)."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    out = tmp_path_factory.mktemp("seq") / "out"
    shutil.copytree(smoke_data[1], out / "data" / smoke_data[0])
    _sweep(out, "--jobs", "1", "-q")
    return out


def test_jobs_2_gives_the_sequential_tables(cli, smoke_out, sequential):
    par = smoke_out("par")
    summary = json.loads(cli("sweep", "run", "--preset", "smoke", "--out", par, "--jobs", "2", "--json",
                             check=True).stdout)
    assert summary["finished"] == 2 and summary["stopped"] == [] and summary["curve_points"] == 12
    # same seeds, same one thread per run: bit-identical losses, curves and runs table (but wall times)
    assert (par / "curves.csv").read_text() == (sequential / "curves.csv").read_text()
    runs = _runs(par / "runs.csv")
    assert runs == _runs(sequential / "runs.csv")
    assert [r["run"] for r in runs] == ["L1-d32-D30.7k", "L2-d48-D30.7k"]
    for r in runs:
        result = json.loads((par / "runs" / r["run"] / "result.json").read_text())
        assert result["status"] == "finished" and repr(result["loss"]) == r["loss"]


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has stopped running


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="needs Linux /proc/PID/task/TID/children")
def test_sigkilled_parallel_sweep_stops_its_workers_and_resumes_exactly(smoke_out, sequential):
    out = smoke_out("killed")
    proc = subprocess.Popen([sys.executable, "-m", "scalinglab", "sweep", "run", "--preset", "smoke", "--out",
                             str(out), "--jobs", "2", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not list((out / "runs").glob("*/checkpoint.pt")):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) >= 2  # two workers (and multiprocessing's resource tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers):  # no orphan keeps training into the folder
        assert time.monotonic() < deadline, [w for w in workers if _alive(w)]
        time.sleep(0.05)
    assert not all((out / "runs" / r / "result.json").exists() for r in ("L1-d32-D30.7k", "L2-d48-D30.7k"))

    _sweep(out, "--jobs", "2", "-q")
    assert (out / "curves.csv").read_text() == (sequential / "curves.csv").read_text()
    assert _runs(out / "runs.csv") == _runs(sequential / "runs.csv")


def test_a_failing_run_is_named_and_stops_the_others(cli, smoke_out, tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    out = smoke_out("failing")
    data = PRESETS["smoke"]["data"]
    spec = tmp_path / "s.toml"
    spec.write_text(  # "bad" asks for a model vocabulary smaller than the tokenizer's: train() refuses it
        f'name = "s"\n[data]\nsource = "stdlib"\nmax_docs = {data["max_docs"]}\n'
        f'vocab_size = {data["vocab_size"]}\nval_fraction = {data["val_fraction"]}\n'
        f'[model]\nseq_len = 64\nhead_dim = 16\n'
        f'[train]\nbatch_size = 8\nlr = 0.003\ncheckpoint_every = 50\ncpu_threads = 1\n'
        f'[[runs]]\nname = "long"\nlayers = 2\nwidth = 48\ntokens = {8 * 64 * 5000}\n'
        f'[[runs]]\nname = "bad"\nlayers = 1\nwidth = 16\ntokens = 5120\nvocab_size = 100\n')
    r = cli("sweep", "run", "--spec", spec, "--out", out, "--jobs", "2", "-q")
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]  # after the "sweep s: 2 runs ..." log line
    assert last == "error: run bad: tokenizer has 512 tokens but the model only 100", r.stderr
    assert "Traceback" not in r.stderr
    assert not (out / "runs" / "long" / "result.json").exists()  # stopped, not left to finish its 5000 steps


def test_jobs_errors_are_one_line(cli, tmp_path):
    cases = [(["run", "--preset", "smoke", "--jobs", "0"], "error: --jobs must be at least 1, got 0"),
             (["run", "--preset", "smoke", "--jobs", "-2"], "error: --jobs must be at least 1, got -2"),
             (["resume", "--jobs", "0"], "error: --jobs must be at least 1, got 0"),
             (["run", "--preset", "smoke", "--jobs", "2", "--nproc-per-node", "2"], "torchrun"),
             (["run", "--preset", "smoke", "--jobs", "2", "--executor", "ray"], "local executor")]
    for args, message in cases:
        r = cli("sweep", *args, "--out", tmp_path / "o")
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith("error:") and message in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


def test_local_executor_checks_jobs():
    with pytest.raises(ScalingLabError, match="at least 1"):
        LocalExecutor(jobs=0)
    with pytest.raises(ScalingLabError, match="nproc_per_node"):
        LocalExecutor(jobs=2, nproc_per_node=2)
    assert LocalExecutor(jobs=3).jobs == 3


def test_max_threads_caps_a_runs_threads(make_cfg, tmp_path):
    torch = pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    from scalinglab.sweep.train import train

    before = torch.get_num_threads()
    try:
        train(make_cfg(steps=2, checkpoint_every=2, cpu_threads=4), tmp_path / "a", max_threads=1)
        assert torch.get_num_threads() == 1
        train(make_cfg(steps=2, checkpoint_every=2, cpu_threads=None), tmp_path / "b", max_threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
