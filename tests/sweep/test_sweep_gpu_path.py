"""The GPU code path, run on CPU: bf16 autocast, the fused chunked loss, torch.compile, MFU, kept checkpoints."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")

from scalinglab.sweep import model as model_mod  # noqa: E402
from scalinglab.sweep.flops import Shape, model_flops_per_token  # noqa: E402
from scalinglab.sweep.model import GPT, chunked_cross_entropy  # noqa: E402
from scalinglab.sweep.train import autocast_for, eval_batches, kept_checkpoint_name, train  # noqa: E402


def test_bf16_autocast_path_trains_on_cpu(make_cfg, tmp_path):
    """The line that crashed on CUDA (an autocast object called) runs here, with CPU bf16 autocast."""
    with autocast_for(torch.device("cpu"), True)():
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    result = train(make_cfg(steps=20, dtype="bf16", peak_flops=1e11, micro_batch=4), tmp_path / "r")
    curve = json.loads((tmp_path / "r" / "curve.json").read_text())
    assert result["bf16"] is True and result["status"] == "finished"
    assert curve[-1]["loss"] < curve[0]["loss"] - 0.1  # it learns in bf16 ...
    fp32 = train(make_cfg(steps=20, micro_batch=4), tmp_path / "fp32")
    assert fp32["bf16"] is False and abs(result["loss"] - fp32["loss"]) < 0.05  # ... as fp32 does
    # MFU per checkpoint: tokens/s x model FLOPs per token / peak, in the curve and in the result
    cfg = make_cfg(steps=20, dtype="bf16", peak_flops=1e11)
    for p in curve:
        assert p["mfu"] == pytest.approx(p["tokens_per_s"] * model_flops_per_token(cfg.shape) / 1e11)
        assert 0 < p["mfu"] < 1
    assert result["mfu"] == pytest.approx(result["tokens_per_s"] * model_flops_per_token(cfg.shape) / 1e11)


def test_chunked_cross_entropy_matches_full_logits(monkeypatch):
    monkeypatch.setattr(model_mod, "CHUNK_ELEMENTS", 7 * 64)  # 7 rows per chunk: several chunks, a ragged last
    g = torch.Generator().manual_seed(0)
    h = torch.randn(30, 16, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn(64, 16, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 50, (30,), generator=g)
    ref = torch.nn.functional.cross_entropy(h @ w.t(), y, reduction="sum")
    ref.backward()
    gh, gw = h.grad.clone(), w.grad.clone()
    h.grad = w.grad = None
    got = chunked_cross_entropy(h, w, y)
    (2.0 * got).backward()  # the incoming gradient scales the stored ones
    assert float(got.detach()) == pytest.approx(float(ref.detach()), rel=1e-12)
    assert torch.allclose(h.grad, 2 * gh, atol=1e-12) and torch.allclose(w.grad, 2 * gw, atol=1e-12)
    with torch.no_grad():
        assert float(chunked_cross_entropy(h, w, y)) == pytest.approx(float(ref.detach()), rel=1e-12)


def test_fused_model_loss_equals_plain_and_vocab_is_padded():
    s = Shape(2, 32, 2, 100, 16)
    torch.manual_seed(0)
    plain = GPT(s)
    fused = GPT(s, fused_loss=True)
    fused.load_state_dict(plain.state_dict())
    assert plain.tok_emb.weight.shape[0] == 128  # 100 rounded up to a multiple of 64
    x = torch.randint(0, 100, (3, 16))
    y = torch.randint(0, 100, (3, 16))
    a, b = plain(x, y)[1].detach(), fused(x, y)[1].detach()
    assert float(a) == pytest.approx(float(b), rel=1e-5)
    per_plain, per_fused = (m(x, y, reduction="none")[1].detach() for m in (plain, fused))
    assert torch.allclose(per_plain, per_fused, rtol=1e-5) and float(per_plain.mean()) == pytest.approx(float(a))


def test_compile_path_on_cpu_reports_compile_time(make_cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("SCALINGLAB_COMPILE_BACKEND", "aot_eager")  # dynamo + AOT autograd, no C++ build
    result = train(make_cfg(steps=10, compile=True), tmp_path / "r")
    assert result["status"] == "finished" and result["compile_s"] > 0
    assert math.isfinite(result["tokens_per_s"])


def test_eval_batches_equal_on_every_rank():
    idx = np.arange(9) * 10
    for world, micro in ((2, 1), (2, 4), (3, 2), (4, 3), (1, 4)):
        per_rank = [eval_batches(idx, r, world, micro) for r in range(world)]
        assert len({len(b) for b in per_rank}) == 1  # same number of forward calls on every rank
        assert all(len(i) == len(per_rank[0][k][0]) for b in per_rank for k, (i, _) in enumerate(b))
        counted = sorted(int(i) for b in per_rank for win, n in b for i in win[:n])
        assert counted == list(idx)  # every chosen window exactly once


def test_keep_checkpoints(make_cfg, tmp_path):
    train(make_cfg(steps=30, keep_checkpoints=(10, 30)), tmp_path / "r")
    kept = sorted(p.name for p in (tmp_path / "r").glob("checkpoint-*.pt"))
    assert kept == [kept_checkpoint_name(10), kept_checkpoint_name(30)]
    ck = torch.load(tmp_path / "r" / kept_checkpoint_name(10), weights_only=True)
    assert ck["state"]["step"] == 10
