"""The training loop: one run, one file, no framework (nanoGPT-style). Also ``python -m`` / torchrun.

    for step in range(start, steps):
        lr = schedule(step)                      # linear warmup, then cosine or WSD decay
        x, y = next batch at data position       # seeded permutation of fixed windows
        loss = model(x, y); loss.backward()      # bf16 autocast on GPU, grad accumulation
        clip; optimiser.step()                   # AdamW
        every checkpoint_every steps and at the end:
            validation loss -> curve; eval gates; save checkpoint atomically

A checkpoint holds the model, the optimiser, the step, the data position, the curve so far and the
RNG states (torch CPU/CUDA, numpy, python) as tensors and plain types, so ``torch.load`` runs with
``weights_only=True``. It is written to a temporary file and moved into place with ``os.replace``:
a run killed at any moment resumes from the last complete checkpoint, and because the curve lives
inside the checkpoint, no point is ever repeated or lost.

Distributed: launched by ``torchrun`` (``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` set), the same file
initialises a process group (NCCL on GPU, gloo on CPU), wraps the model in DDP (or FSDP2 with
``parallel = "fsdp"``), gives each rank a slice of every global batch and of the validation
windows, and lets rank 0 write files. Usage::

    torchrun --nproc_per_node 8 -m scalinglab.sweep.train --config RUN_DIR/config.json --run-dir RUN_DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from scalinglab.errors import ScalingLabError
from scalinglab.sweep.flops import chinchilla_flops_per_token, flops_6nd, kaplan_flops_per_token, total_params
from scalinglab.sweep.model import GPT, param_groups
from scalinglab.sweep.shards import TokenShards, batch_windows, read_meta, write_json_atomic
from scalinglab.sweep.spec import CHECKPOINT, CURVE, RESULT, RunConfig

ProgressFn = Callable[[int, int, dict[str, Any]], None]


# ----------------------------------------------------------------------------- helpers
def lr_at(step: int, cfg: RunConfig) -> float:
    """Learning rate for optimiser step ``step`` (0-based): warmup, then cosine or WSD to lr*min_lr_ratio."""
    lr_min = cfg.lr * cfg.min_lr_ratio
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if cfg.schedule == "wsd":  # warmup-stable-decay (Hu et al. 2024): flat, then linear decay at the end
        decay_start = max(cfg.warmup_steps, int(cfg.steps * (1.0 - cfg.decay_fraction)))
        if step < decay_start:
            return cfg.lr
        p = (step - decay_start + 1) / max(1, cfg.steps - decay_start)
        return cfg.lr + (lr_min - cfg.lr) * min(1.0, p)
    p = (step - cfg.warmup_steps + 1) / max(1, cfg.steps - cfg.warmup_steps)
    return lr_min + 0.5 * (cfg.lr - lr_min) * (1.0 + math.cos(math.pi * min(1.0, p)))


def rng_state() -> dict[str, Any]:
    """All RNG states as tensors / lists, loadable with ``weights_only=True``."""
    np_state = np.random.get_state()  # noqa: NPY002 - the legacy global state is what libraries use
    py = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *map(int, np_state[2:4]),
                  float(np_state[4])],
        "python": [py[0], list(py[1]), py[2]],
    }


def set_rng_state(s: dict[str, Any]) -> None:
    torch.set_rng_state(s["torch"])
    if s["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(s["cuda"])
    n = s["numpy"]
    np.random.set_state((n[0]  # noqa: NPY002
                         , n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
    random.setstate((s["python"][0], tuple(s["python"][1]), s["python"][2]))


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, fsync, then ``os.replace`` (readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Dist:
    """Rank/world bookkeeping; a single process when torchrun's env vars are absent."""

    def __init__(self, device_pref: str) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        want_cuda = device_pref == "cuda" or (device_pref == "auto" and torch.cuda.is_available())
        if want_cuda:
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device("cpu")
            local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
            if self.world > 1:  # share the cores between ranks on one host
                torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
        self.on = self.world > 1
        if self.on and not dist.is_initialized():
            dist.init_process_group("nccl" if want_cuda else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.on:
            dist.barrier()

    def sum(self, *values: float) -> list[float]:
        if not self.on:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()


# ----------------------------------------------------------------------------- the run
def train(cfg: RunConfig, run_dir: Path | str, on_progress: ProgressFn | None = None, *,
          max_threads: int | None = None) -> dict[str, Any]:
    """Train (or resume, or return the finished result of) one run in ``run_dir``.

    ``max_threads`` caps the CPU intra-op threads (``cfg.cpu_threads``, or all cores when unset) for a
    process that shares the machine with other runs (``LocalExecutor(jobs=N)``). The thread count
    changes floating-point summation order, so a run is bit-identical across executors only when it
    gets the same number of threads in each.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if (run_dir / RESULT).exists():
        return json.loads((run_dir / RESULT).read_text())
    d = Dist(cfg.device)
    dev = d.device
    if dev.type == "cpu" and not d.on:
        threads = cfg.cpu_threads  # tiny matmuls: extra threads cost more than they give
        if max_threads:
            threads = min(threads or max_threads, max_threads)
        if threads:
            torch.set_num_threads(threads)
    if cfg.batch_size % d.world:
        raise ScalingLabError(f"batch_size {cfg.batch_size} is not divisible by world size {d.world}")
    per_rank = cfg.batch_size // d.world
    micro = cfg.micro_batch or per_rank
    if per_rank % micro:
        raise ScalingLabError(f"per-rank batch {per_rank} is not divisible by micro_batch {micro}")
    accum = per_rank // micro
    use_bf16 = dev.type == "cuda" and cfg.dtype in ("auto", "bf16") and torch.cuda.is_bf16_supported()
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    meta = read_meta(Path(cfg.data_dir))
    if meta["vocab_size"] > cfg.vocab_size:
        raise ScalingLabError(f"tokenizer has {meta['vocab_size']} tokens but the model only {cfg.vocab_size}")
    train_data = TokenShards([Path(cfg.data_dir) / f for f in meta["train_files"]], cfg.seq_len)
    val_data = TokenShards([Path(cfg.data_dir) / meta["val_file"]], cfg.seq_len)
    n_val = min(cfg.eval_windows, val_data.n_windows)
    val_idx = np.linspace(0, val_data.n_windows - 1, n_val).round().astype(np.int64)

    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed % 2**32)  # noqa: NPY002
    model = GPT(cfg.shape).to(dev)
    fsdp = d.on and cfg.parallel == "fsdp"
    state: dict[str, Any] = {"step": 0, "position": 0, "curve": [], "best": math.inf, "wall_s": 0.0,
                             "train_loss_sum": 0.0, "train_loss_n": 0}
    ckpt_path = run_dir / CHECKPOINT
    ck = torch.load(ckpt_path, map_location="cpu", weights_only=True) if ckpt_path.exists() else None
    if ck is not None:  # resume: every rank reads the same file
        model.load_state_dict(ck["model"])
        state = ck["state"]
        set_rng_state(ck["rng"])

    ddp_model: torch.nn.Module = model
    if fsdp:
        from torch.distributed.fsdp import fully_shard

        for block in model.blocks:
            fully_shard(block)
        fully_shard(model)
    elif d.on:
        from torch.nn.parallel import DistributedDataParallel as DDP

        ddp_model = DDP(model, device_ids=[d.local_rank] if dev.type == "cuda" else None)
    optim = torch.optim.AdamW(param_groups(model, cfg.weight_decay, cfg.hidden_lr_mult), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2),
                              fused=dev.type == "cuda")
    if ck is not None and fsdp:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        set_optimizer_state_dict(model, optim, ck["optim"], options=StateDictOptions(full_state_dict=True))
    elif ck is not None:
        optim.load_state_dict(ck["optim"])
    del ck
    fwd = torch.compile(ddp_model) if cfg.compile else ddp_model

    def batch(position: int, rank_offset: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = batch_windows(position + rank_offset, n, train_data.n_windows, cfg.seed)
        xy = torch.from_numpy(train_data.windows(idx))
        if dev.type == "cuda":
            xy = xy.pin_memory().to(dev, non_blocking=True)
        return xy[:, :-1], xy[:, 1:]

    @torch.no_grad()
    def evaluate() -> float:
        model.eval()
        total, count = 0.0, 0
        mine = val_idx[d.rank::d.world]
        for i in range(0, len(mine), micro):
            xy = torch.from_numpy(val_data.windows(mine[i:i + micro])).to(dev)
            with autocast():
                _, loss = fwd(xy[:, :-1], xy[:, 1:])
            total += float(loss) * len(xy)
            count += len(xy)
        model.train()
        total, count = d.sum(total, count)
        return total / max(count, 1)

    def save() -> None:
        if fsdp:  # gather full (unsharded) tensors onto CPU, so the file is the same as without FSDP
            from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

            model_sd, optim_sd = get_state_dict(model, optim, options=StateDictOptions(full_state_dict=True,
                                                                                       cpu_offload=True))
        else:
            model_sd, optim_sd = model.state_dict(), optim.state_dict()
        if d.main:
            save_atomic({"model": model_sd, "optim": optim_sd, "state": state, "rng": rng_state(),
                         "config": cfg.to_dict()}, ckpt_path)
            write_json_atomic(run_dir / CURVE, state["curve"])
        d.barrier()

    def finish(status: str, reason: str = "") -> dict[str, Any]:
        final = state["curve"][-1] if state["curve"] else {}
        n = cfg.non_embedding_params
        tokens = state["step"] * cfg.batch_size * cfg.seq_len
        result = {
            "run": cfg.name, "status": status, "reason": reason, "N": n, "D": tokens, "C": flops_6nd(n, tokens),
            "loss": final.get("loss", math.nan), "train_loss": final.get("train_loss", math.nan),
            "step": state["step"], "steps": cfg.steps, "seed": cfg.seed, "non_embedding_params": n,
            "params": total_params(cfg.shape), "layers": cfg.n_layer, "width": cfg.d_model, "heads": cfg.n_head,
            "seq_len": cfg.seq_len, "batch_size": cfg.batch_size, "lr": cfg.lr, "schedule": cfg.schedule,
            "C_kaplan": kaplan_flops_per_token(cfg.shape) * tokens,
            "C_chinchilla": chinchilla_flops_per_token(cfg.shape) * tokens,
            "wall_s": state["wall_s"], "tokens_per_s": tokens / state["wall_s"] if state["wall_s"] else math.nan,
            "world_size": d.world, "device": dev.type, "bf16": use_bf16,
        }
        if d.main:
            write_json_atomic(run_dir / RESULT, result)
        d.barrier()
        return result

    def gate(loss: float) -> str | None:
        if not math.isfinite(loss):
            return "diverged: loss is not finite"
        if loss > cfg.divergence_factor * state["best"]:
            return f"diverged: loss {loss:.4g} > {cfg.divergence_factor} x best {state['best']:.4g}"
        f = cfg.forecast
        if f and state["step"] >= f.get("after_fraction", 0.25) * cfg.steps:
            tokens = state["step"] * cfg.batch_size * cfg.seq_len
            expected = f["E"] + f["B"] * tokens ** -f["beta"]
            if loss > expected * (1.0 + f.get("tolerance", 0.1)):
                return f"behind forecast: loss {loss:.4g} > forecast {expected:.4g} (+{f.get('tolerance', 0.1):.0%})"
        return None

    model.train()
    t_last = time.perf_counter()
    while state["step"] < cfg.steps:
        step = state["step"]
        lr = lr_at(step, cfg)
        for group in optim.param_groups:
            group["lr"] = lr * group.get("lr_mult", 1.0)
        step_loss = 0.0
        for k in range(accum):
            x, y = batch(state["position"], d.rank * per_rank + k * micro, micro)
            sync = k == accum - 1 or not d.on or fsdp
            with (contextlib.nullcontext() if sync else ddp_model.no_sync()), autocast():  # type: ignore[operator]
                _, loss = fwd(x, y)
            (loss / accum).backward()
            step_loss += float(loss.detach()) / accum
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optim.step()
        optim.zero_grad(set_to_none=True)
        state["step"] = step + 1
        state["position"] += cfg.batch_size
        state["train_loss_sum"] += step_loss
        state["train_loss_n"] += 1
        bad = not math.isfinite(step_loss)
        if d.on:  # agree across ranks, so every rank takes the same (collective) evaluation branch
            bad = d.sum(float(bad))[0] > 0
        if bad:  # evaluate now: the divergence gate stops the run
            state["train_loss_sum"] = math.nan
        if on_progress and d.main:
            on_progress(state["step"], cfg.steps, {"loss": step_loss, "lr": lr})
        if state["step"] % cfg.checkpoint_every == 0 or state["step"] == cfg.steps \
                or not math.isfinite(state["train_loss_sum"]):
            val = evaluate()
            tl_sum, tl_n = d.sum(state["train_loss_sum"], state["train_loss_n"])
            now = time.perf_counter()
            state["wall_s"] += now - t_last
            t_last = now
            tokens = state["step"] * cfg.batch_size * cfg.seq_len
            state["curve"].append({"step": state["step"], "tokens": tokens, "loss": val,
                                   "train_loss": tl_sum / max(tl_n, 1), "lr": lr, "wall_s": state["wall_s"]})
            state["train_loss_sum"], state["train_loss_n"] = 0.0, 0
            stop = gate(val)
            if math.isfinite(val):
                state["best"] = min(state["best"], val)
            save()
            if on_progress and d.main:
                on_progress(state["step"], cfg.steps, {"val_loss": val, "checkpoint": True})
            if stop:
                return finish("diverged" if stop.startswith("diverged") else "behind_forecast", stop)
    return finish("finished")


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``python -m scalinglab.sweep.train`` and ``torchrun -m scalinglab.sweep.train``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="run config JSON (RunConfig.to_dict())")
    ap.add_argument("--run-dir", required=True, help="directory for checkpoint, curve and result")
    args = ap.parse_args(argv)
    cfg = RunConfig.from_dict(json.loads(Path(args.config).read_text()))
    try:
        result = train(cfg, args.run_dir)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: result[k] for k in ("run", "status", "step", "loss")}))


if __name__ == "__main__":
    main()
