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
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from scalinglab.atomic import atomic_path
from scalinglab.errors import ScalingLabError
from scalinglab.sweep.flops import (
    chinchilla_flops_per_token,
    flops_6nd,
    kaplan_flops_per_token,
    model_flops_per_token,
    total_params,
)
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
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(obj, f)


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


# ----------------------------------------------------------------------------- the run, in small pieces
@dataclass
class TrainState:
    """Everything the loop advances; stored in the checkpoint as a plain dict (``weights_only`` loadable)."""

    step: int = 0
    position: int = 0  # windows consumed so far: the whole data-loader state
    curve: list[dict[str, Any]] = field(default_factory=list)
    best: float = math.inf
    wall_s: float = 0.0  # training + evaluation time, without compilation
    train_loss_sum: float = 0.0
    train_loss_n: int = 0
    compile_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainState:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class Layout:
    """How one global batch is split: per rank, then into micro-batches of gradient accumulation."""

    per_rank: int
    micro: int
    accum: int


def batch_layout(cfg: RunConfig, world: int) -> Layout:
    if cfg.batch_size % world:
        raise ScalingLabError(f"batch_size {cfg.batch_size} is not divisible by world size {world}")
    per_rank = cfg.batch_size // world
    micro = min(cfg.micro_batch or per_rank, per_rank)
    if per_rank % micro:
        raise ScalingLabError(f"per-rank batch {per_rank} is not divisible by micro_batch {micro}")
    return Layout(per_rank, micro, per_rank // micro)


def use_bf16(cfg: RunConfig, dev: torch.device) -> bool:
    """bf16 autocast: on CUDA by default (where supported); on CPU only when the spec asks for it."""
    if dev.type == "cuda":
        return cfg.dtype in ("auto", "bf16") and torch.cuda.is_bf16_supported()
    return cfg.dtype == "bf16"


def autocast_for(dev: torch.device, bf16: bool) -> Callable[[], contextlib.AbstractContextManager[Any]]:
    """A factory of fresh autocast contexts (an autocast object is not callable, a factory is)."""
    if not bf16:
        return contextlib.nullcontext
    return lambda: torch.autocast(dev.type, dtype=torch.bfloat16)


def use_compile(cfg: RunConfig, dev: torch.device) -> bool:
    return cfg.compile is True or (cfg.compile == "auto" and dev.type == "cuda")


def set_threads(cfg: RunConfig, d: Dist, max_threads: int | None) -> None:
    """Cap CPU intra-op threads for a single-process CPU run (tiny matmuls lose from extra threads)."""
    if d.device.type == "cpu" and not d.on:
        threads = cfg.cpu_threads
        if max_threads:
            threads = min(threads or max_threads, max_threads)
        if threads:
            torch.set_num_threads(threads)


def load_data(cfg: RunConfig) -> tuple[TokenShards, TokenShards, np.ndarray]:
    """Train and validation windows, and the evenly spaced validation windows evaluated at checkpoints."""
    meta = read_meta(Path(cfg.data_dir))
    if meta["vocab_size"] > cfg.vocab_size:
        raise ScalingLabError(f"tokenizer has {meta['vocab_size']} tokens but the model only {cfg.vocab_size}")
    train_data = TokenShards([Path(cfg.data_dir) / f for f in meta["train_files"]], cfg.seq_len)
    val_data = TokenShards([Path(cfg.data_dir) / meta["val_file"]], cfg.seq_len)
    n_val = min(cfg.eval_windows, val_data.n_windows)
    return train_data, val_data, np.linspace(0, val_data.n_windows - 1, n_val).round().astype(np.int64)


def eval_batches(val_idx: np.ndarray, rank: int, world: int, micro: int) -> list[tuple[np.ndarray, int]]:
    """This rank's validation batches as (window indices, how many count): the same number on every rank.

    Ranks take every ``world``-th window; a rank with fewer windows pads its last batches with copies of
    window 0 that count zero, so every rank makes the same collective calls (FSDP all-gathers per
    forward) and the mean loss is over exactly the chosen windows, whatever the world size.
    """
    mine = val_idx[rank::world]
    longest = -(-len(val_idx) // world)
    out = []
    for i in range(0, longest, micro):
        real = mine[i:i + micro]
        n = min(micro, longest - i)
        pad = np.full(n - len(real), val_idx[0], dtype=np.int64)
        out.append((np.concatenate([real, pad]), len(real)))
    return out


def build_model_and_optim(cfg: RunConfig, d: Dist, ck: dict[str, Any] | None, fused_loss: bool
                          ) -> tuple[GPT, torch.nn.Module, torch.optim.Optimizer]:
    """The model (restored from ``ck``), its DDP/FSDP wrapper, and AdamW (restored)."""
    dev, fsdp = d.device, d.on and cfg.parallel == "fsdp"
    model = GPT(cfg.shape, fused_loss=fused_loss).to(dev)
    if ck is not None:
        model.load_state_dict(ck["model"])
    wrapped: torch.nn.Module = model
    if fsdp:
        from torch.distributed.fsdp import fully_shard

        for block in model.blocks:
            fully_shard(block)
        fully_shard(model)
    elif d.on:
        from torch.nn.parallel import DistributedDataParallel as DDP

        wrapped = DDP(model, device_ids=[d.local_rank] if dev.type == "cuda" else None)
    optim = torch.optim.AdamW(param_groups(model, cfg.weight_decay, cfg.hidden_lr_mult), lr=cfg.lr,
                              betas=(cfg.beta1, cfg.beta2), fused=dev.type == "cuda")
    if ck is not None and fsdp:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        set_optimizer_state_dict(model, optim, ck["optim"], options=StateDictOptions(full_state_dict=True))
    elif ck is not None:
        optim.load_state_dict(ck["optim"])
    return model, wrapped, optim


def get_batch(data: TokenShards, position: int, offset: int, n: int, seed: int, dev: torch.device
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets of ``n`` windows at data position ``position + offset`` (async copy to a GPU)."""
    xy = torch.from_numpy(data.windows(batch_windows(position + offset, n, data.n_windows, seed)))
    if dev.type == "cuda":
        xy = xy.pin_memory().to(dev, non_blocking=True)
    return xy[:, :-1], xy[:, 1:]


def step_batches(data: TokenShards, state: TrainState, cfg: RunConfig, lay: Layout, rank: int,
                 dev: torch.device) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The micro-batches of this rank for the step at ``state.position``."""
    return [get_batch(data, state.position, rank * lay.per_rank + k * lay.micro, lay.micro, cfg.seed, dev)
            for k in range(lay.accum)]


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: TokenShards, batches: list[tuple[np.ndarray, int]], d: Dist,
             autocast: Callable[[], Any]) -> float:
    """Mean validation loss over the chosen windows, summed across ranks (one GPU sync at the end)."""
    model.eval()
    total = torch.zeros((), dtype=torch.float64, device=d.device)
    count = 0
    for idx, n in batches:
        xy = torch.from_numpy(data.windows(idx)).to(d.device)
        with autocast():
            per_window = model(xy[:, :-1], xy[:, 1:], reduction="none")[1]
        total += per_window[:n].double().sum()
        count += n
    model.train()
    total_f, count_f = d.sum(float(total), count)
    return total_f / max(count_f, 1)


def gate(loss: float, state: TrainState, cfg: RunConfig) -> str | None:
    """Why the run must stop at this checkpoint (divergence, lagging the forecast), or None."""
    if not math.isfinite(loss):
        return "diverged: loss is not finite"
    if loss > cfg.divergence_factor * state.best:
        return f"diverged: loss {loss:.4g} > {cfg.divergence_factor} x best {state.best:.4g}"
    f = cfg.forecast
    if f and state.step >= f.get("after_fraction", 0.25) * cfg.steps:
        tokens = state.step * cfg.batch_size * cfg.seq_len
        expected = f["E"] + f["B"] * tokens ** -f["beta"]
        if loss > expected * (1.0 + f.get("tolerance", 0.1)):
            return f"behind forecast: loss {loss:.4g} > forecast {expected:.4g} (+{f.get('tolerance', 0.1):.0%})"
    return None


def save_checkpoint(model: GPT, optim: torch.optim.Optimizer, state: TrainState, cfg: RunConfig,
                    run_dir: Path, d: Dist) -> None:
    """Checkpoint (and, at a ``keep_checkpoints`` step, a step-numbered copy) then the curve; rank 0 writes."""
    if d.on and cfg.parallel == "fsdp":  # gather full tensors onto CPU: the file is the same as without FSDP
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

        model_sd, optim_sd = get_state_dict(model, optim, options=StateDictOptions(full_state_dict=True,
                                                                                   cpu_offload=True))
    else:
        model_sd, optim_sd = model.state_dict(), optim.state_dict()
    if d.main:
        obj = {"model": model_sd, "optim": optim_sd, "state": state.to_dict(), "rng": rng_state(),
               "config": cfg.to_dict()}
        if state.step in cfg.keep_checkpoints:
            save_atomic(obj, run_dir / kept_checkpoint_name(state.step))
        save_atomic(obj, run_dir / CHECKPOINT)
        write_json_atomic(run_dir / CURVE, state.curve)
    d.barrier()


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint, loaded with ``weights_only=True``; an unreadable one is one clear error."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated by hand, another format, not a checkpoint at all
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScalingLabError(f"{path}: unreadable checkpoint ({first[:120]}); delete it to restart this run") \
            from None


def kept_checkpoint_name(step: int) -> str:
    return f"checkpoint-{step:07d}.pt"


def finish(cfg: RunConfig, state: TrainState, run_dir: Path, d: Dist, bf16: bool, status: str,
           reason: str = "") -> dict[str, Any]:
    """The run's result row (written by rank 0 as result.json); N both non-embedding and total."""
    final = state.curve[-1] if state.curve else {}
    n = cfg.non_embedding_params
    tokens = state.step * cfg.batch_size * cfg.seq_len
    tps = tokens / state.wall_s if state.wall_s else math.nan
    result = {
        "run": cfg.name, "status": status, "reason": reason, "N": n, "D": tokens, "C": flops_6nd(n, tokens),
        "loss": final.get("loss", math.nan), "train_loss": final.get("train_loss", math.nan),
        "step": state.step, "steps": cfg.steps, "seed": cfg.seed, "non_embedding_params": n,
        "params": total_params(cfg.shape), "N_total": total_params(cfg.shape), "layers": cfg.n_layer,
        "width": cfg.d_model, "heads": cfg.n_head, "seq_len": cfg.seq_len, "batch_size": cfg.batch_size,
        "lr": cfg.lr, "schedule": cfg.schedule, "C_kaplan": kaplan_flops_per_token(cfg.shape) * tokens,
        "C_chinchilla": chinchilla_flops_per_token(cfg.shape) * tokens, "wall_s": state.wall_s,
        "tokens_per_s": tps, "compile_s": state.compile_s, "mfu": mfu(cfg, tps, d.world),
        "world_size": d.world, "device": d.device.type, "bf16": bf16,
    }
    if d.main:
        write_json_atomic(run_dir / RESULT, result)
    d.barrier()
    return result


def mfu(cfg: RunConfig, tokens_per_s: float, world: int) -> float:
    """Model FLOPs utilisation: achieved model FLOP/s (PaLM's count) over ``world x peak_flops`` (NaN if unknown)."""
    if not cfg.peak_flops or not math.isfinite(tokens_per_s):
        return math.nan
    return tokens_per_s * model_flops_per_token(cfg.shape) / (world * cfg.peak_flops)


def train_step(model: GPT, fwd: torch.nn.Module, wrapped: torch.nn.Module, optim: torch.optim.Optimizer,
               batches: list[tuple[torch.Tensor, torch.Tensor]], lr: float, cfg: RunConfig, sync_always: bool,
               autocast: Callable[[], Any]) -> torch.Tensor:
    """One optimiser step over the micro-batches; returns the mean loss as a tensor (no host sync)."""
    for group in optim.param_groups:
        group["lr"] = lr * group.get("lr_mult", 1.0)
    step_loss = torch.zeros((), dtype=torch.float64, device=batches[0][0].device)
    for k, (x, y) in enumerate(batches):
        sync = sync_always or k == len(batches) - 1
        with (contextlib.nullcontext() if sync else wrapped.no_sync()), autocast():
            _, loss = fwd(x, y)
        (loss / len(batches)).backward()
        step_loss += loss.detach().double() / len(batches)
    if cfg.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    optim.step()
    optim.zero_grad(set_to_none=True)
    return step_loss


def read_losses(pending: list[torch.Tensor], state: TrainState, d: Dist) -> tuple[float, bool]:
    """Bring the pending step losses to the host (one sync): add them up; (last loss, any not finite on any rank)."""
    losses = torch.stack(pending).tolist()
    pending.clear()
    state.train_loss_sum += sum(losses)
    state.train_loss_n += len(losses)
    bad = not all(math.isfinite(v) for v in losses)
    if d.on:  # agree across ranks, so every rank takes the same (collective) evaluation branch
        bad = d.sum(float(bad))[0] > 0
    return losses[-1], bad


def record_checkpoint(state: TrainState, cfg: RunConfig, point: dict[str, Any]) -> str | None:
    """Append the curve point, reset the train-loss sums, update the best loss; returns the gate's verdict."""
    state.curve.append(point)
    state.train_loss_sum, state.train_loss_n = 0.0, 0
    stop = gate(point["loss"], state, cfg)
    if math.isfinite(point["loss"]):
        state.best = min(state.best, point["loss"])
    return stop


def checkpoint_point(state: TrainState, cfg: RunConfig, lr: float, val: float, d: Dist, t_ckpt: float,
                     tokens_before: int) -> dict[str, Any]:
    """The curve point of a checkpoint: losses, lr, time, and the interval's tokens/s and MFU."""
    tl_sum, tl_n = d.sum(state.train_loss_sum, state.train_loss_n)
    tokens = state.step * cfg.batch_size * cfg.seq_len
    tps = (tokens - tokens_before) / t_ckpt if t_ckpt > 0 else math.nan
    return {"step": state.step, "tokens": tokens, "loss": val, "train_loss": tl_sum / max(tl_n, 1), "lr": lr,
            "wall_s": state.wall_s, "tokens_per_s": tps, "mfu": mfu(cfg, tps, d.world)}


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
    set_threads(cfg, d, max_threads)
    lay = batch_layout(cfg, d.world)
    bf16 = use_bf16(cfg, dev)
    autocast = autocast_for(dev, bf16)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    train_data, val_data, val_idx = load_data(cfg)
    val_batches = eval_batches(val_idx, d.rank, d.world, lay.micro)

    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed % 2**32)  # noqa: NPY002
    ckpt_path = run_dir / CHECKPOINT
    ck = load_checkpoint(ckpt_path) if ckpt_path.exists() else None
    model, wrapped, optim = build_model_and_optim(cfg, d, ck, fused_loss=dev.type == "cuda" or bf16)
    state = TrainState() if ck is None else TrainState.from_dict(ck["state"])
    if ck is not None:  # resume: every rank reads the same file
        set_rng_state(ck["rng"])
    del ck
    compiled = use_compile(cfg, dev)
    # SCALINGLAB_COMPILE_BACKEND (default inductor) lets a CPU test run these lines with a cheap backend
    fwd = torch.compile(wrapped, backend=os.environ.get("SCALINGLAB_COMPILE_BACKEND", "inductor")) \
        if compiled else wrapped
    sync_always = not d.on or cfg.parallel == "fsdp"
    read_every = 1 if dev.type == "cpu" else 10  # host syncs for progress / NaN checks: every step on CPU only

    model.train()
    pending: list[torch.Tensor] = []
    batches = step_batches(train_data, state, cfg, lay, d.rank, dev)
    t_last = time.perf_counter()
    tokens_last = state.step * cfg.batch_size * cfg.seq_len
    first = True
    while state.step < cfg.steps:
        lr = lr_at(state.step, cfg)
        pending.append(train_step(model, fwd, wrapped, optim, batches, lr, cfg, sync_always, autocast))
        state.step += 1
        state.position += cfg.batch_size
        if state.step < cfg.steps:  # prefetch: queue the next step's copies while the GPU works
            batches = step_batches(train_data, state, cfg, lay, d.rank, dev)
        if first and compiled:  # the first compiled step is mostly compilation: time it apart
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            now = time.perf_counter()
            state.compile_s += now - t_last
            t_last, first = now, False
        ckpt = state.step % cfg.checkpoint_every == 0 or state.step == cfg.steps
        if not (ckpt or state.step % read_every == 0):
            continue
        last, bad = read_losses(pending, state, d)
        if on_progress and d.main:
            on_progress(state.step, cfg.steps, {"loss": last, "lr": lr})
        if not (ckpt or bad):
            continue
        val = evaluate(model, val_data, val_batches, d, autocast)
        now = time.perf_counter()
        state.wall_s += now - t_last
        point = checkpoint_point(state, cfg, lr, val, d, now - t_last, tokens_last)
        t_last, tokens_last = now, point["tokens"]
        stop = record_checkpoint(state, cfg, point)
        save_checkpoint(model, optim, state, cfg, run_dir, d)
        if on_progress and d.main:
            on_progress(state.step, cfg.steps, {"val_loss": val, "checkpoint": True})
        if stop:
            return finish(cfg, state, run_dir, d, bf16, "diverged" if stop.startswith("diverged") else
                          "behind_forecast", stop)
    return finish(cfg, state, run_dir, d, bf16, "finished")


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``python -m scalinglab.sweep.train`` and ``torchrun -m scalinglab.sweep.train``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="run config JSON (RunConfig.to_dict())")
    ap.add_argument("--run-dir", required=True, help="directory for checkpoint, curve and result")
    args = ap.parse_args(argv)
    cfg = RunConfig.from_dict(json.loads(Path(args.config).read_text()), args.config)
    try:
        result = train(cfg, args.run_dir)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({k: result[k] for k in ("run", "status", "step", "loss")}))


if __name__ == "__main__":
    main()
