"""Scale-out paths, really run on CPU: FSDP2 with uneven eval, Slurm multi-task (submitit local), Ray, GPU slots."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from scalinglab.sweep.executors import gpu_assignment, no_gpu_warning
from scalinglab.sweep.presets import PRESETS

ONE_RUN = {**PRESETS["smoke"], "runs": [{"layers": 1, "width": 32, "tokens": 8 * 64 * 20}],
           "train": {**PRESETS["smoke"]["train"], "checkpoint_every": 10, "eval_windows": 9}}


def _toml(spec: dict) -> str:
    """The few shapes of ONE_RUN as TOML (no writer in the stdlib)."""
    def val(v):
        return json.dumps(v) if not isinstance(v, bool) else str(v).lower()

    lines = [f"name = {val(spec['name'])}", f"seed = {spec['seed']}"]
    for section in ("data", "model", "train"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {val(v)}" for k, v in spec[section].items()]
    for r in spec["runs"]:
        lines.append("[[runs]]")
        lines += [f"{k} = {val(v)}" for k, v in r.items()]
    return "\n".join(lines) + "\n"


def test_gpu_assignment_is_round_robin():
    assert gpu_assignment(5, ["0", "1"]) == ["0", "1", "0", "1", "0"]
    assert gpu_assignment(3, ["4", "6", "7"]) == ["4", "6", "7"]  # through the parent's CUDA_VISIBLE_DEVICES
    assert gpu_assignment(2, []) == [None, None]
    assert no_gpu_warning("slurm", 2) is None


@pytest.mark.slow
def test_fsdp_two_gloo_ranks_with_uneven_eval_windows_finishes(make_cfg, tmp_path):
    """eval_windows = 9 over 2 ranks (5 + 4), micro_batch = 1: used to hang at the first checkpoint."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    from scalinglab.sweep.train import train

    cfg = make_cfg(steps=10, checkpoint_every=5, eval_windows=9, micro_batch=1, parallel="fsdp")
    single = train(cfg, tmp_path / "single")
    run_dir = tmp_path / "multi"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(cfg.to_dict()))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m",
           "scalinglab.sweep.train", "--config", str(run_dir / "config.json"), "--run-dir", str(run_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)  # a hang fails, not blocks
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads((run_dir / "result.json").read_text())
    assert result["world_size"] == 2 and result["status"] == "finished" and result["step"] == 10
    # the same 9 windows are evaluated as in one process
    assert result["loss"] == pytest.approx(single["loss"], rel=1e-4)


@pytest.mark.slow
def test_slurm_local_two_tasks_train_one_run_as_world_size_2(cli, smoke_data, tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    pytest.importorskip("submitit", reason="the slurm executor needs submitit (scalinglab[cluster])")
    spec = tmp_path / "one.toml"
    spec.write_text(_toml(ONE_RUN))
    out = tmp_path / "out"
    shutil.copytree(smoke_data[1], out / "data" / smoke_data[0])
    res = cli("sweep", "run", "--spec", spec, "--out", out, "--executor", "slurm", "--cluster", "local",
              "--nproc-per-node", "2", "--json", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads(res.stdout)["finished"] == 1
    (run_dir,) = (out / "runs").iterdir()
    result = json.loads((run_dir / "result.json").read_text())
    assert result["world_size"] == 2 and result["step"] == 20  # both tasks joined one process group


@pytest.mark.slow
def test_ray_executor_runs_the_smoke_preset_and_fails_in_one_line(cli, smoke_out, tmp_path, monkeypatch):
    """A local Ray (1 CPU, no dashboard; HOME and Ray's temp dir in a scratch folder) runs the smoke preset."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    pytest.importorskip("ray", reason="the ray executor needs ray (scalinglab[cluster])")
    scratch = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths have a length limit
    home_ray = Path.home() / ".ray"
    had_home_ray = home_ray.exists()
    try:
        monkeypatch.setenv("HOME", str(scratch))
        monkeypatch.setenv("RAY_TMPDIR", str(scratch))
        monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        out = smoke_out("ray")
        res = cli("sweep", "run", "--preset", "smoke", "--out", out, "--executor", "ray", "--json", timeout=300)
        assert res.returncode == 0, res.stderr[-3000:]
        assert json.loads(res.stdout)["finished"] == 2
        refused = cli("sweep", "run", "--preset", "smoke", "--out", out, "--executor", "ray",
                      "--nproc-per-node", "2")
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "nproc-per-node" in refused.stderr
        # a run whose checkpoint is corrupt fails inside its Ray task: one line naming the run
        broken = tmp_path / "broken"
        shutil.copytree(out, broken)
        run = broken / "runs" / "L1-d32-D30.7k"
        (run / "result.json").unlink()
        (run / "checkpoint.pt").write_bytes(b"not a checkpoint")
        res = cli("sweep", "run", "--preset", "smoke", "--out", broken, "--executor", "ray", "-q", timeout=300)
        assert res.returncode == 2, res.stderr[-3000:]
        last = res.stderr.strip().splitlines()[-1]  # before it: the sweep's own info line, Ray's start-up note
        assert "Traceback" not in res.stderr and last.startswith("error: ray task for run L1-d32-D30.7k failed")
        assert "unreadable checkpoint" in last
        assert home_ray.exists() == had_home_ray  # Ray's token and session files went to the scratch HOME
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
