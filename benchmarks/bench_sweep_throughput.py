"""Training throughput of the sweep's GPT: tokens/s and MFU, against a plain fp32 eager baseline.

Both contestants run the same model, batch and optimiser step (forward, backward, clip, AdamW) on
random tokens, measured in this process after warm-up:

* ``baseline``: fp32, eager, torch's default thread count, unfused AdamW, no TF32;
* ``sweep``: what :mod:`scalinglab.sweep.train` does on this device: on CUDA bf16 autocast, TF32,
  fused AdamW and (with ``--compile``) ``torch.compile``; on CPU one intra-op thread per process
  (the small matmuls of a sweep lose more to thread synchronisation than they gain).

MFU = achieved model FLOP/s / peak FLOP/s, with model FLOPs per token = 6 x (non-embedding + output
head parameters) + 12 x layers x seq_len x width (causal attention products; PaLM App. B). The
peak is the device's dense bf16 rate from a small table (or ``--peak-tflops``); on CPU, MFU is
reported only when ``--peak-tflops`` is given, since there is no standard nominal peak.

    python benchmarks/bench_sweep_throughput.py                 # the tiny preset's largest model
    python benchmarks/bench_sweep_throughput.py --layers 12 --width 768 --seq-len 1024 --batch 16 --compile
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch

from scalinglab.sweep.flops import Shape, model_flops_per_token
from scalinglab.sweep.model import GPT, param_groups

#: Dense bf16 peak TFLOP/s (no sparsity) by substring of the CUDA device name.
PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10G": 70.0,
                    "RTX 4090": 165.0, "V100": 125.0, "T4": 65.0}


def measure(shape: Shape, batch: int, steps: int, warmup: int, device: torch.device, *, bf16: bool,
            compile_model: bool, fused: bool, threads: int | None) -> float:
    """Tokens per second over ``steps`` optimiser steps after ``warmup`` steps."""
    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = GPT(shape).to(device)
    opt = torch.optim.AdamW(param_groups(model, 0.1), lr=1e-3, betas=(0.9, 0.95), fused=fused)
    fwd = torch.compile(model) if compile_model else model
    ctx = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    x = torch.randint(0, shape.vocab_size, (batch, shape.seq_len + 1), device=device)

    def step() -> None:
        with ctx():
            _, loss = fwd(x[:, :-1], x[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch * shape.seq_len / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--width", type=int, default=80)
    ap.add_argument("--head-dim", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--compile", action="store_true", help="torch.compile the sweep contestant")
    ap.add_argument("--peak-tflops", type=float, default=None, help="device peak for MFU (default: table)")
    args = ap.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    shape = Shape(args.layers, args.width, max(1, args.width // args.head_dim), args.vocab, args.seq_len)
    flops_tok = model_flops_per_token(shape)
    peak = args.peak_tflops
    name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    if peak is None and device.type == "cuda":
        peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False
    default_threads = torch.get_num_threads()
    base = measure(shape, args.batch, args.steps, args.warmup, device, bf16=False, compile_model=False,
                   fused=False, threads=default_threads)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    sweep = measure(shape, args.batch, args.steps, args.warmup, device, bf16=cuda and torch.cuda.is_bf16_supported(),
                    compile_model=args.compile, fused=cuda, threads=None if cuda else 1)

    print(f"device: {name}; model L{shape.n_layer} d{shape.d_model} vocab {shape.vocab_size} T {shape.seq_len}, "
          f"batch {args.batch}; {flops_tok / 1e6:.2f} MFLOP/token (model FLOPs)")
    for label, tps, what in (("baseline", base, f"fp32 eager, {default_threads} threads, unfused AdamW"),
                             ("sweep", sweep, "bf16 autocast + TF32 + fused AdamW" + (" + compile" if args.compile
                                                                                     else "") if cuda
                              else "fp32, 1 thread" + (" + compile" if args.compile else ""))):
        achieved = tps * flops_tok
        mfu = f"{100 * achieved / (peak * 1e12):.2f}% of {peak:g} TFLOP/s" if peak else "N/A (no nominal CPU peak)"
        print(f"{label:9s} {tps:12,.0f} tokens/s  {achieved / 1e9:8.2f} GFLOP/s  MFU {mfu}   [{what}]")
    print(f"speed-up sweep / baseline: {sweep / base:.2f}x")


if __name__ == "__main__":
    main()
