"""Training throughput of the sweep's own step on a GPU: tokens/s and MFU, eager vs ``torch.compile``; DDP.

    python benchmarks/bench_gpu.py                 # CUDA: GPT-2-small class (124M parameters, seq 1024), bf16
    python benchmarks/bench_gpu.py --device cpu    # smoke mode: a tiny model through the same code (CI)

What is timed is :func:`scalinglab.sweep.train.train_step` on a :class:`~scalinglab.sweep.model.GPT` with
the settings a CUDA sweep uses (bf16 autocast, fused chunked cross-entropy, fused AdamW, vocabulary
padded to a multiple of 64), on random tokens already on the device. MFU = tokens/s x model FLOPs per
token (PaLM's count: 6 x matmul parameters + attention, :func:`~scalinglab.sweep.flops.model_flops_per_token`)
/ the GPU's dense bf16 peak from the accelerator catalogue (``planning/cost.py``). Compile time (the
first compiled step) is reported apart from tokens/s.

Baseline: eager mode (compile off), measured in the same run; the ratio printed is compiled / eager.
Last, a 2-process DDP run of the real training script (``torchrun -m scalinglab.sweep.train``) on the
CPU side with gloo checks the distributed code path end to end (it is not a speed figure).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from scalinglab.sweep.flops import Shape, model_flops_per_token, total_params
from scalinglab.sweep.model import GPT, param_groups
from scalinglab.sweep.spec import RunConfig
from scalinglab.sweep.train import autocast_for, train_step

GPT2_SMALL = Shape(n_layer=12, d_model=768, n_head=12, vocab_size=50257, seq_len=1024)
SMOKE = Shape(n_layer=2, d_model=64, n_head=2, vocab_size=500, seq_len=64)


def _cfg(shape: Shape, batch: int) -> RunConfig:
    return RunConfig(name="bench", seed=0, data_dir="", n_layer=shape.n_layer, d_model=shape.d_model,
                     n_head=shape.n_head, seq_len=shape.seq_len, vocab_size=shape.vocab_size, mlp_ratio=4,
                     steps=1, batch_size=batch, micro_batch=None, lr=3e-4, min_lr_ratio=0.1, warmup_steps=0,
                     schedule="cosine", decay_fraction=0.2, weight_decay=0.1, beta1=0.9, beta2=0.95,
                     grad_clip=1.0, checkpoint_every=1, eval_windows=1)


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def measure(shape: Shape, batch: int, steps: int, warmup: int, dev: torch.device, compiled: bool,
            backend: str, peak: float | None) -> dict:
    """Tokens/s (and MFU) of ``steps`` timed optimiser steps after ``warmup`` untimed ones."""
    torch.manual_seed(0)
    bf16 = dev.type == "cuda" and torch.cuda.is_bf16_supported()
    model = GPT(shape, fused_loss=True).to(dev)
    optim = torch.optim.AdamW(param_groups(model, 0.1), lr=3e-4, betas=(0.9, 0.95), fused=dev.type == "cuda")
    fwd = torch.compile(model, backend=backend) if compiled else model
    cfg, autocast = _cfg(shape, batch), autocast_for(dev, bf16)
    g = torch.Generator(device="cpu").manual_seed(0)
    xy = torch.randint(0, shape.vocab_size, (batch, shape.seq_len + 1), generator=g).to(dev)
    batches = [(xy[:, :-1], xy[:, 1:])]
    t0 = time.perf_counter()
    train_step(model, fwd, model, optim, batches, 3e-4, cfg, True, autocast)
    _sync(dev)
    first_s = time.perf_counter() - t0
    for _ in range(warmup):
        train_step(model, fwd, model, optim, batches, 3e-4, cfg, True, autocast)
    _sync(dev)
    t0 = time.perf_counter()
    losses = [train_step(model, fwd, model, optim, batches, 3e-4, cfg, True, autocast) for _ in range(steps)]
    _sync(dev)
    dt = time.perf_counter() - t0
    tps = steps * batch * shape.seq_len / dt
    out = {"compile": compiled, "tokens_per_s": tps, "step_ms": 1e3 * dt / steps, "first_step_s": first_s,
           "loss": float(losses[-1]), "bf16": bf16,
           "mfu": tps * model_flops_per_token(shape) / peak if peak else None}
    if dev.type == "cuda":
        out["max_memory_gb"] = torch.cuda.max_memory_allocated(dev) / 2**30
    del model, optim, fwd
    if dev.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    return out


def ddp_gloo(tmp: Path, timeout: int) -> dict:
    """Two CPU ranks (gloo) train a tiny run of the real script on synthetic tokens; returns its result."""
    data = tmp / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    np.save(data / "train_00000.npy", rng.integers(0, 500, 200_000, dtype=np.uint16))
    np.save(data / "val.npy", rng.integers(0, 500, 20_000, dtype=np.uint16))
    (data / "meta.json").write_text(json.dumps({"vocab_size": 500, "train_files": ["train_00000.npy"],
                                                "val_file": "val.npy"}))
    cfg = _cfg(SMOKE, 8).to_dict() | {"data_dir": str(data), "steps": 10, "checkpoint_every": 5, "eval_windows": 16,
                                      "device": "cpu", "cpu_threads": 1, "lr": 3e-3}
    run = tmp / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(cfg))
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # the CPU side of the machine, whatever GPUs it has
    t0 = time.perf_counter()
    for attempt in (1, 2):  # a loaded machine can miss torchrun's rendezvous once; a real fault fails twice
        for stale in run.iterdir():  # a failed attempt's checkpoints: the second one starts afresh
            if stale.name != "config.json":
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                               "-m", "scalinglab.sweep.train", "--config", str(run / "config.json"), "--run-dir",
                               str(run)], capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode == 0:
            break
        causes = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if "rror" in line][-3:]
        print(f"DDP gloo run, attempt {attempt}, failed: {causes}", file=sys.stderr)
    else:
        raise SystemExit(f"DDP gloo run failed twice: {causes}")
    result = json.loads((run / "result.json").read_text())
    return {"world_size": result["world_size"], "status": result["status"], "steps": result["step"],
            "loss": result["loss"], "wall_s": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=None, help="sequences per step (default 16 on GPU, 4 on CPU)")
    ap.add_argument("--steps", type=int, default=None, help="timed steps (default 20 on GPU, 3 on CPU)")
    ap.add_argument("--compile-backend", default=None, help="default inductor on GPU, aot_eager on CPU")
    ap.add_argument("--no-ddp", action="store_true", help="skip the 2-process gloo run")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = ap.parse_args(argv)
    dev = torch.device(args.device)
    gpu = dev.type == "cuda"
    shape = GPT2_SMALL if gpu else SMOKE
    batch, steps = args.batch or (16 if gpu else 4), args.steps or (20 if gpu else 3)
    backend = args.compile_backend or ("inductor" if gpu else "aot_eager")
    name, peak = "cpu", None
    if gpu:
        torch.backends.cuda.matmul.allow_tf32 = True
        from scalinglab.planning.cost import peak_for_device

        name = torch.cuda.get_device_name(dev)
        peak = peak_for_device(name)
    print(f"device {name}; model {total_params(shape) / 1e6:.1f}M parameters ({shape.n_layer} layers, width "
          f"{shape.d_model}, vocab {shape.vocab_size} padded to {shape.padded_vocab}), seq {shape.seq_len}, "
          f"batch {batch}; peak {peak / 1e12:.0f} TFLOP/s bf16 dense" if peak else
          f"device {name}; model {total_params(shape) / 1e6:.2f}M parameters, seq {shape.seq_len}, batch {batch}; "
          "no catalogue peak (MFU not computed)")
    report: dict = {"device": name, "peak_flops": peak, "params": total_params(shape), "seq_len": shape.seq_len,
                    "batch": batch, "runs": []}
    for compiled in (False, True):
        r = measure(shape, batch, steps, warmup=3 if gpu else 1, dev=dev, compiled=compiled, backend=backend,
                    peak=peak)
        report["runs"].append(r)
        mfu = f", MFU {100 * r['mfu']:.1f} %" if r["mfu"] is not None else ""
        print(f"  compile {'on ' if compiled else 'off'}: {r['tokens_per_s']:,.0f} tokens/s ({r['step_ms']:.1f} ms/step)"
              f"{mfu}; first step {r['first_step_s']:.1f} s{' (compilation)' if compiled else ''}")
    eager, comp = report["runs"]
    report["compile_speedup"] = comp["tokens_per_s"] / eager["tokens_per_s"]
    print(f"  compiled vs eager (baseline): {report['compile_speedup']:.2f}x tokens/s")
    if not args.no_ddp:
        with tempfile.TemporaryDirectory() as tmp:
            report["ddp_gloo"] = ddp_gloo(Path(tmp), timeout=300)
        d = report["ddp_gloo"]
        print(f"  DDP gloo, 2 CPU ranks, real training script: {d['status']} {d['steps']} steps, "
              f"world size {d['world_size']}, val loss {d['loss']:.3f} ({d['wall_s']:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
