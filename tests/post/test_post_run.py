"""``scalinglab post run`` in real subprocesses: gates, post_runs.csv, SIGKILL during SFT and exact resume."""

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


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "post_runs.csv") as f:
        return list(csv.DictReader(f))


def test_post_run_gates_metrics_and_sigkill_resume(cli, base_sweep, tmp_path):
    pytest.importorskip("torch", reason="post-training needs PyTorch (scalinglab[train])")
    (run,) = [r["run"] for r in csv.DictReader(open(base_sweep / "runs.csv"))]

    # killed during SFT (after its first checkpoint, before it finished), then the same command again
    killed = tmp_path / "killed"
    ckpt, result = killed / run / "sft" / "stage.pt", killed / run / "sft" / "result.json"
    cmd = [sys.executable, "-m", "scalinglab", "post", "run", "--preset", "smoke", "--base", str(base_sweep),
           "--out", str(killed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while not ckpt.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no SFT checkpoint appeared"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and not result.exists()
    assert not (killed / "post_runs.csv").exists()
    summary = json.loads(cli("post", "run", "--preset", "smoke", "--base", base_sweep, "--out", killed, "--json",
                             check=True).stdout)
    assert summary["bases"] == 1 and summary["rows"] == 4

    clean = tmp_path / "clean"
    cli("post", "run", "--preset", "smoke", "--base", base_sweep, "--out", clean, check=True)
    log_killed = json.loads(result.read_text())["log"]
    log_clean = json.loads((clean / run / "sft" / "result.json").read_text())["log"]
    assert [e["step"] for e in log_killed] == list(range(1, 1001))  # none lost, none repeated
    assert log_killed == log_clean  # the resumed stage is the uninterrupted one, loss for loss

    rows = _rows(killed)
    assert [r["stage"] for r in rows] == ["base", "sft", "dpo", "grpo"]
    assert [(r["base_run"], r["N"], r["D"]) for r in rows] == [(run, rows[0]["N"], rows[0]["D"])] * 4
    base, sft, dpo, grpo = rows
    assert float(sft["accuracy"]) > float(base["accuracy"])  # SFT raises held-out exact match
    assert sft["promoted"] == "True" and sft["examples"] == "1024" and sft["steps"] == "1000"
    assert float(dpo["reward_accuracy"]) > 0.5 and float(dpo["reward_margin"]) > 0  # on held-out pairs
    assert dpo["pairs"] == "1024" and dpo["steps"] == "30"
    assert dpo["promoted"] == str(float(dpo["accuracy"]) >= float(sft["accuracy"]))
    # GRPO starts from the last promoted model; reward = held-out verifier reward of sampled answers
    assert grpo["from"] == ("dpo" if dpo["promoted"] == "True" else "sft")
    assert grpo["prompts"] == "1024" and grpo["steps"] == "20" and 0.0 <= float(grpo["reward"]) <= 1.0
    start = dpo if grpo["from"] == "dpo" else sft
    assert grpo["promoted"] == str(float(grpo["accuracy"]) >= float(start["accuracy"]))
    assert all(float(r["wall_s"]) > 0 for r in (sft, dpo, grpo))
    assert float(sft["eval_loss"]) < float(base["eval_loss"])  # SFT lowers the held-out answer loss
    assert [{k: v for k, v in r.items() if k != "wall_s"} for r in _rows(clean)] == \
        [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]

    # a rerun of a finished folder trains nothing and writes the same table
    before = [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]
    cli("post", "run", "--preset", "smoke", "--base", base_sweep, "--out", killed, check=True)
    assert [{k: v for k, v in r.items() if k != "wall_s"} for r in _rows(killed)] == before


def test_gates_stop_a_bad_base_and_errors_are_one_line(cli, base_sweep, tmp_path):
    pytest.importorskip("torch", reason="post-training needs PyTorch (scalinglab[train])")
    spec = tmp_path / "gated.toml"
    spec.write_text("[gates]\nbase_max_val_loss = 1.0\n")
    out = tmp_path / "gated"
    cli("post", "run", "--spec", spec, "--base", base_sweep, "--out", out, check=True)
    (row,) = _rows(out)
    assert row["stage"] == "base" and row["promoted"] == "False" and "not under gate 1.0" in row["reason"]
    assert not (out / row["base_run"] / "sft").exists()

    bad = tmp_path / "bad.toml"
    bad.write_text("[sft]\nstepz = 3\n")
    for args, msg in [(["--spec", bad], "unknown key(s) in [sft]: stepz"),
                      (["--preset", "huge"], "unknown post preset"),
                      (["--preset", "smoke", "--base", tmp_path], "no runs.csv")]:
        full = ["post", "run", "--out", tmp_path / "x", *args]
        if "--base" not in args:
            full += ["--base", base_sweep]
        proc = cli(*full)
        assert proc.returncode == 2 and msg in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    # another spec into a used folder is refused
    proc = cli("post", "run", "--spec", spec, "--base", base_sweep, "--out", out.parent / "killed_none")
    assert proc.returncode == 0
    proc = cli("post", "run", "--preset", "smoke", "--base", base_sweep, "--out", out)
    assert proc.returncode == 2 and "another spec" in proc.stderr
