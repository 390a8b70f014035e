"""Training throughput of the sweep's GPT: tokens/s and MFU, against a plain fp32 eager baseline.

Both contestants run the same model, batch and optimiser step (forward, backward, clip, AdamW) on
random tokens, measured in this process after warm-up, **at the same thread count** (``--threads``,
default 1 — what the sweep gives each run on CPU):

* ``baseline``: fp32, eager, unfused AdamW, no TF32 — the plain PyTorch loop;
* ``sweep``: what :mod:`scalinglab.sweep.train` does on this device: on CUDA bf16 autocast, TF32,
  fused AdamW and (with ``--compile``) ``torch.compile``; on CPU the same fp32 eager step (so on CPU
  the two differ only by the sweep's code, and a ratio near 1 is the honest answer).

Utilisation is reported against the CPU's *measured* matmul peak (a 1024² fp32 ``torch.mm`` loop at
the same thread count, timed in this run) and, on CUDA, against the nominal dense bf16 peak from a
small table (or ``--peak-tflops``). FLOPs per token are counted three ways: 6N with N the
non-embedding parameters (Kaplan et al. 2020), 6N with N all parameters (Hoffmann et al. 2022, tied
head counted once), and the model FLOPs of :func:`model_flops_per_token` (6 × (non-embedding + head)
+ 12 × layers × seq_len × width, PaLM App. B).

    python benchmarks/bench_sweep_throughput.py                 # the tiny preset's largest model
    python benchmarks/bench_sweep_throughput.py --layers 12 --width 768 --seq-len 1024 --batch 16 --compile
"""

from __future__ import annotations

import argparse
import contextlib
import time

import torch

from scalinglab.sweep.flops import Shape, model_flops_per_token, non_embedding_params, total_params
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


def matmul_peak(device: torch.device, threads: int, n: int = 1024, reps: int = 20) -> float:
    """Measured fp32 matmul rate (FLOP/s) of an n×n ``torch.mm`` loop at ``threads`` threads."""
    if device.type == "cpu":
        torch.set_num_threads(threads)
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    for _ in range(3):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 * reps / best


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
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads of both contestants (CPU)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the sweep contestant")
    ap.add_argument("--peak-tflops", type=float, default=None, help="nominal device peak (default: table)")
    args = ap.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cuda = device.type == "cuda"
    shape = Shape(args.layers, args.width, max(1, args.width // args.head_dim), args.vocab, args.seq_len)
    per_token = {"6N non-embedding": 6.0 * non_embedding_params(shape), "6N all params": 6.0 * total_params(shape),
                 "model FLOPs": model_flops_per_token(shape)}
    name = torch.cuda.get_device_name() if cuda else "CPU"
    nominal = args.peak_tflops
    if nominal is None and cuda:
        nominal = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    measured = matmul_peak(device, args.threads)
    threads = None if cuda else args.threads
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False
    base = measure(shape, args.batch, args.steps, args.warmup, device, bf16=False, compile_model=False,
                   fused=False, threads=threads)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    sweep = measure(shape, args.batch, args.steps, args.warmup, device, bf16=cuda and torch.cuda.is_bf16_supported(),
                    compile_model=args.compile, fused=cuda, threads=threads)

    print(f"device: {name}, {args.threads if not cuda else 'all'} thread(s) for both contestants; model "
          f"L{shape.n_layer} d{shape.d_model} vocab {shape.vocab_size} T {shape.seq_len}, batch {args.batch}")
    print(f"measured fp32 matmul peak (1024² mm): {measured / 1e9:.1f} GFLOP/s"
          + (f"; nominal bf16 peak {nominal:g} TFLOP/s" if nominal else ""))
    print("FLOPs/token: " + ", ".join(f"{k} {v / 1e6:.2f} M" for k, v in per_token.items()))
    sweep_what = ("bf16 autocast + TF32 + fused AdamW" if cuda else "fp32 eager (the sweep's CPU step)") + (
        " + compile" if args.compile else "")
    for label, tps, what in (("baseline", base, "fp32 eager, unfused AdamW"), ("sweep", sweep, sweep_what)):
        fracs = ", ".join(f"{100 * tps * v / measured:.1f}% ({k})" for k, v in per_token.items())
        line = f"{label:9s} {tps:12,.0f} tokens/s   of measured matmul peak: {fracs}"
        if nominal:
            line += f"; MFU {100 * tps * per_token['model FLOPs'] / (nominal * 1e12):.2f}% of nominal"
        print(f"{line}   [{what}]")
    print(f"speed-up sweep / baseline at equal threads: {sweep / base:.2f}x")


if __name__ == "__main__":
    main()
