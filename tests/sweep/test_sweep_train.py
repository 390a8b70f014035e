"""The training loop: losses fall, checkpoints load with weights_only, resume is exact, gates stop runs."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")

from scalinglab.errors import ScalingLabError  # noqa: E402
from scalinglab.sweep.train import CHECKPOINT, TrainState, gate, lr_at, train  # noqa: E402


class Crash(Exception):
    pass


def test_schedules(make_cfg):
    cfg = make_cfg(steps=100, warmup_steps=10, lr=1.0, min_lr_ratio=0.1)
    assert lr_at(0, cfg) == pytest.approx(0.1) and lr_at(9, cfg) == pytest.approx(1.0)
    assert lr_at(99, cfg) == pytest.approx(0.1)
    assert lr_at(54, cfg) == pytest.approx(0.55, abs=0.02)  # cosine midpoint
    wsd = replace(cfg, schedule="wsd", decay_fraction=0.2)
    assert lr_at(50, wsd) == 1.0 and lr_at(79, wsd) == 1.0
    assert lr_at(89, wsd) == pytest.approx(0.55) and lr_at(99, wsd) == pytest.approx(0.1)


def test_train_loss_falls_and_checkpoint_is_weights_only(make_cfg, tmp_path):
    cfg = make_cfg(steps=40)
    result = train(cfg, tmp_path / "r")
    curve = json.loads((tmp_path / "r" / "curve.json").read_text())
    assert [p["step"] for p in curve] == [10, 20, 30, 40]
    assert curve[-1]["loss"] < curve[0]["loss"] - 0.3
    assert result["status"] == "finished" and result["loss"] == curve[-1]["loss"]
    assert result["D"] == 40 * 8 * 32 and result["C"] == 6 * result["N"] * result["D"]
    ck = torch.load(tmp_path / "r" / CHECKPOINT, weights_only=True)
    assert ck["state"]["step"] == 40 and ck["state"]["position"] == 40 * 8
    assert set(ck["rng"]) == {"torch", "cuda", "numpy", "python"}
    assert not list((tmp_path / "r").glob(".*.tmp"))  # atomic writes leave no temporaries
    # a finished run is not retrained
    assert train(cfg, tmp_path / "r")["wall_s"] == result["wall_s"]


def test_resume_after_crash_is_exact(make_cfg, tmp_path):
    cfg = make_cfg(steps=30)
    clean = train(cfg, tmp_path / "clean")

    def crash_at_20(step, total, info):
        if info.get("checkpoint") and step == 20:
            raise Crash

    with pytest.raises(Crash):
        train(cfg, tmp_path / "crash", on_progress=crash_at_20)
    assert not (tmp_path / "crash" / "result.json").exists()
    resumed = train(cfg, tmp_path / "crash")
    a = json.loads((tmp_path / "clean" / "curve.json").read_text())
    b = json.loads((tmp_path / "crash" / "curve.json").read_text())
    assert [p["step"] for p in b] == [10, 20, 30]
    assert [p["loss"] for p in a] == [p["loss"] for p in b]  # bitwise: no step lost or repeated
    assert clean["loss"] == resumed["loss"]


def test_grad_accumulation_matches_full_batch(make_cfg, tmp_path):
    full = train(make_cfg(steps=10), tmp_path / "full")
    accum = train(make_cfg(steps=10, micro_batch=2), tmp_path / "accum")
    assert accum["loss"] == pytest.approx(full["loss"], rel=1e-4)
    with pytest.raises(ScalingLabError, match="micro_batch"):
        train(make_cfg(steps=10, micro_batch=3), tmp_path / "bad")


def test_divergence_gate(make_cfg, tmp_path):
    # the largest lr a spec allows (1e6), no clipping: parameters overflow and the loss is NaN
    result = train(make_cfg(steps=30, lr=1e6, grad_clip=0.0), tmp_path / "r")
    assert result["status"] == "diverged" and result["step"] < 30
    assert "not finite" in result["reason"]
    state = TrainState(step=5, best=3.0)
    assert gate(float("nan"), state, make_cfg()) == "diverged: loss is not finite"
    assert gate(6.5, state, make_cfg()).startswith("diverged: loss 6.5 > 2.0 x best 3")
    assert gate(5.9, state, make_cfg()) is None


def test_forecast_gate(make_cfg, tmp_path):
    forecast = {"E": 0.5, "B": 1e-6, "beta": 0.3, "tolerance": 0.1, "after_fraction": 0.3}
    result = train(make_cfg(steps=30, forecast=forecast), tmp_path / "r")
    assert result["status"] == "behind_forecast" and result["step"] == 10
    easy = {**forecast, "E": 50.0}
    assert train(make_cfg(steps=20, forecast=easy), tmp_path / "ok")["status"] == "finished"


@pytest.mark.slow
@pytest.mark.parametrize("parallel", ["ddp", "fsdp"])
def test_torchrun_two_ranks_matches_one_process(make_cfg, tmp_path, parallel):
    """Same global batch split over 2 gloo ranks gives the same losses as one process."""
    from scalinglab.sweep.executors import LocalExecutor

    cfg = make_cfg(steps=20, parallel=parallel)
    single = train(cfg, tmp_path / "single")
    events = []
    LocalExecutor(nproc_per_node=2).run([cfg], tmp_path / "multi", lambda k, i: events.append((k, i)))
    result = json.loads((tmp_path / "multi" / "runs" / "t" / "result.json").read_text())
    assert result["world_size"] == 2 and result["status"] == "finished"
    assert result["loss"] == pytest.approx(single["loss"], rel=1e-4)
    assert any(k == "done" for k, _ in events)
    assert math.isfinite(result["train_loss"])
