"""SFT, DPO and GRPO on a sweep GPT: one loop, one file, no framework (nanoGPT-style).

    for step in range(start, steps):
        lr = warmup then cosine(step)
        batch = examples at a seeded permutation position     # a pure function of (seed, step)
        SFT: cross-entropy on the answer tokens only (the prompt is masked)
        DPO: -log sigmoid(beta * [(log pi(y+) - log ref(y+)) - (log pi(y-) - log ref(y-))])
                                                             # Rafailov et al. 2023, eq. 7
             + nll_weight * (-log pi(y+) / |y+|)             # optional NLL term, Pang et al. 2024, eq. 1
        GRPO: G sampled completions per prompt (a torch.Generator seeded by (seed, step)), reward =
             the verifier's exact match, advantage = (r - mean(group)) / std(group); then `iterations`
             updates of the clipped ratio objective minus kl_beta * KL(pi || ref), KL by the unbiased
             k3 estimator ref/pi - log(ref/pi) - 1, averaged per completion then over completions
                                                             # Shao et al. 2024 (DeepSeekMath), sec. 4.1, eqs. 3-4
        clip; AdamW step
        every checkpoint_every steps and at the end: save model, optimiser, step and per-step log atomically

There is no dropout and every batch is a function of the step, so a stage killed at any moment
resumes from its last complete checkpoint and finishes with the same weights and the same log
(no step lost or repeated) as an uninterrupted one; GRPO's samples are drawn from a generator seeded
by (seed, step) from the weights the step starts with, so they too are a function of the step. The DPO
and GRPO reference is a frozen copy of the stage's starting model, rebuilt from the same starting
weights on resume.

Imports torch at module level.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from scalinglab.atomic import atomic_path
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.post.tasks import EOT, Example, chat_prompt, chat_text, verify
from scalinglab.sweep.model import GPT, param_groups

KINDS = ("sft", "dpo", "grpo")
STAGE_CHECKPOINT = "stage.pt"
ProgressFn = Callable[[int, int, float], None]


@dataclass(frozen=True)
class StageConfig:
    """Hyper-parameters of one SFT, DPO or GRPO stage (GRPO: ``batch_size`` prompts per step)."""

    kind: str = "sft"
    steps: int = 60
    batch_size: int = 16
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 5
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    beta: float = 0.1
    nll_weight: float = 0.0
    checkpoint_every: int = 10
    seed: int = 0
    # GRPO (Shao et al. 2024): group size G, sampling temperature, clip range epsilon, KL weight beta,
    # policy updates per batch of samples (mu) and answer length
    group_size: int = 8
    temperature: float = 1.0
    clip_eps: float = 0.2
    kl_beta: float = 0.04
    iterations: int = 1
    max_new: int = 8

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScalingLabError(f"stage kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if min(self.steps, self.batch_size, self.checkpoint_every, self.iterations, self.max_new) < 1:
            raise ScalingLabError("steps, batch_size, checkpoint_every, iterations and max_new must be at least 1")
        if self.group_size < 2:
            raise ScalingLabError(f"group_size must be at least 2, got {self.group_size}")
        if not self.temperature > 0:
            raise ScalingLabError(f"temperature must be positive, got {self.temperature}")


def lr_at(step: int, c: StageConfig) -> float:
    """Linear warmup, then cosine decay to ``lr * min_lr_ratio``."""
    if step < c.warmup_steps:
        return c.lr * (step + 1) / c.warmup_steps
    p = min(1.0, (step - c.warmup_steps + 1) / max(1, c.steps - c.warmup_steps))
    lo = c.lr * c.min_lr_ratio
    return lo + 0.5 * (c.lr - lo) * (1.0 + math.cos(math.pi * p))


def batch_indices(step: int, batch_size: int, n: int, seed: int) -> list[int]:
    """Items of optimiser step ``step``: consecutive slots of per-epoch seeded permutations of ``n`` items."""
    out = []
    for pos in range(step * batch_size, (step + 1) * batch_size):
        epoch, i = divmod(pos, n)
        out.append(int(np.random.default_rng((seed, epoch)).permutation(n)[i]))
    return out


# ----------------------------------------------------------------------------- tokens
def encode_pair(tok: Any, prompt: str, completion: str, seq_len: int) -> tuple[list[int], int]:
    """Token ids of prompt + completion (cut to ``seq_len + 1``) and the index where the completion starts."""
    p = tok.encode(prompt).ids
    c = tok.encode(completion).ids
    ids = (p + c)[: seq_len + 1]
    if len(p) >= len(ids):
        raise ScalingLabError(f"prompt {prompt!r} leaves no room for an answer in {seq_len} tokens")
    return ids, len(p)


def _pad(rows: Sequence[tuple[list[int], int]], pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs, targets, mask of completion targets), right-padded (causal attention never sees padding)."""
    T = max(len(ids) for ids, _ in rows) - 1
    x = torch.full((len(rows), T), pad, dtype=torch.long)
    y = torch.full((len(rows), T), pad, dtype=torch.long)
    m = torch.zeros((len(rows), T), dtype=torch.bool)
    for r, (ids, start) in enumerate(rows):
        n = len(ids) - 1
        x[r, :n] = torch.tensor(ids[:-1])
        y[r, :n] = torch.tensor(ids[1:])
        m[r, start - 1:n] = True  # predict completion token j from position j-1
    return x, y, m


def token_logp(model: GPT, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Log-probability of each target token, (rows, positions)."""
    logits, _ = model(x)
    return torch.log_softmax(logits.float(), dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)


def seq_logp(model: GPT, x: torch.Tensor, y: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """Summed log-probability of the masked target tokens, per row."""
    logits, _ = model(x)
    lp = torch.log_softmax(logits.float(), dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)
    return (lp * m).sum(-1)


def sft_loss(model: GPT, x: torch.Tensor, y: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    logits, _ = model(x)
    ce = F.cross_entropy(logits.float().transpose(1, 2), y, reduction="none")
    return (ce * m).sum() / m.sum()


def dpo_terms(model: GPT, ref: GPT, chosen: tuple, rejected: tuple, beta: float, nll_weight: float = 0.0
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean DPO loss, chosen rewards, rejected rewards); reward = beta * (log pi - log pi_ref).

    ``nll_weight`` adds the chosen answers' per-token negative log-likelihood (the DPO+NLL loss of
    Pang et al. 2024, eq. 1), which keeps DPO from lowering the likelihood of the correct answer too.
    """
    with torch.no_grad():
        ref_c, ref_r = seq_logp(ref, *chosen), seq_logp(ref, *rejected)
    pc = seq_logp(model, *chosen)
    rc = beta * (pc - ref_c)
    rr = beta * (seq_logp(model, *rejected) - ref_r)
    loss = -F.logsigmoid(rc - rr).mean()
    if nll_weight:
        loss = loss - nll_weight * (pc / chosen[2].sum(-1)).mean()
    return loss, rc.detach(), rr.detach()


# ----------------------------------------------------------------------------- GRPO
def step_generator(seed: int, step: int, purpose: int = 0) -> torch.Generator:
    """The sampling generator of GRPO step ``step`` (a pure function of seed and step; purpose 1: evaluation)."""
    state = np.random.SeedSequence([0x6790, purpose, seed, step]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


@torch.no_grad()
def sample_group(model: GPT, tok: Any, examples: Sequence[Example], group: int, temperature: float,
                 max_new: int, gen: torch.Generator) -> list[list[tuple[list[int], int]]]:
    """``group`` sampled completions per example: ``[[(prompt + completion ids, completion start)] * G]``.

    A completion ends with its first ``<|endoftext|>`` (kept, so the model learns to stop) or after
    ``max_new`` tokens. Prompts are batched by length, in a fixed order.
    """
    model.eval()
    eot = tok.token_to_id(EOT)
    prompts = [tok.encode(chat_prompt(ex.prompt)).ids for ex in examples]
    out: list[list[tuple[list[int], int]]] = [[] for _ in examples]
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    for n, idx in by_len.items():
        seq = torch.tensor([prompts[i] for i in idx for _ in range(group)])
        done = torch.zeros(len(seq), dtype=torch.bool)
        for _ in range(min(max_new, model.shape.seq_len - n)):
            probs = torch.softmax(model(seq)[0][:, -1].float() / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
            nxt = torch.where(done, torch.full_like(nxt, eot), nxt)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            done |= nxt == eot
            if bool(done.all()):
                break
        for r, row in enumerate(seq.tolist()):
            gen_ids = row[n:]
            if eot in gen_ids:
                gen_ids = gen_ids[: gen_ids.index(eot) + 1]
            out[idx[r // group]].append((row[:n] + gen_ids, n))
    return out


def group_rewards(tok: Any, examples: Sequence[Example], samples: Sequence[Sequence[tuple[list[int], int]]]
                  ) -> torch.Tensor:
    """The verifier's reward (1 for an exact match, else 0) of each sample, (examples, G)."""
    eot = tok.token_to_id(EOT)
    return torch.tensor([[float(verify(ex, tok.decode([t for t in ids[start:] if t != eot])))
                          for ids, start in group] for ex, group in zip(examples, samples, strict=True)])


def group_advantages(rewards: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """Outcome supervision (Shao et al. 2024, sec. 4.1.2): (r - mean(group)) / std(group), 0 for a tied group.

    The std is the population one (the group is all there is); ``eps`` only guards a zero std, where
    every numerator is 0 as well.
    """
    mean = rewards.mean(1, keepdim=True)
    return (rewards - mean) / (rewards.std(1, keepdim=True, correction=0) + eps)


def grpo_loss(model: GPT, ref_lp: torch.Tensor, old_lp: torch.Tensor, adv: torch.Tensor, x: torch.Tensor,
              y: torch.Tensor, m: torch.Tensor, clip_eps: float, kl_beta: float
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss = -J_GRPO, mean per-token KL); ``adv`` has one advantage per completion (row).

    J = mean_i 1/|o_i| sum_t [min(rho A_i, clip(rho, 1-eps, 1+eps) A_i) - beta k3], rho = pi/pi_old,
    k3 = pi_ref/pi - log(pi_ref/pi) - 1 (Shao et al. 2024, eqs. 3-4).
    """
    lp = token_logp(model, x, y)
    zero = torch.zeros_like(lp)
    ratio = torch.exp(torch.where(m, lp - old_lp, zero))
    a = adv[:, None]
    surrogate = torch.minimum(ratio * a, ratio.clamp(1 - clip_eps, 1 + clip_eps) * a)
    d = torch.where(m, ref_lp - lp, zero)
    k3 = torch.exp(d) - d - 1
    per_token = torch.where(m, surrogate - kl_beta * k3, zero)
    n = m.sum(1).clamp(min=1)
    loss = -(per_token.sum(1) / n).mean()
    return loss, (torch.where(m, k3, zero).sum(1) / n).mean().detach()


@torch.no_grad()
def sampled_reward(model: GPT, tok: Any, examples: Sequence[Example], c: StageConfig, seed: int) -> float:
    """Mean verifier reward of ``c.group_size`` samples per example (the held-out view of GRPO's reward)."""
    samples = sample_group(model, tok, examples, c.group_size, c.temperature, c.max_new, step_generator(seed, 0, purpose=1))
    return float(group_rewards(tok, examples, samples).mean())


# ----------------------------------------------------------------------------- checkpoints


def read_stage_checkpoint(path: Path) -> dict[str, Any]:
    """A stage's ``stage.pt`` (``weights_only=True``); unreadable or of another shape: one InputError naming it."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, another format, not a checkpoint: was an UnpicklingError traceback
        raise InputError(f"unreadable stage checkpoint ({type(exc).__name__}: truncated, or not a checkpoint that "
                         "loads with weights_only=True)", file=str(path)) from None
    if not (isinstance(ck, dict) and isinstance(ck.get("model"), dict) and isinstance(ck.get("state"), dict)):
        raise InputError("not a stage checkpoint (no model and state)", file=str(path))
    return ck


def _load_weights(model: GPT, weights: dict[str, Any], path: Path) -> None:
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:  # a stage of another base model (another shape)
        raise InputError(f"the weights do not fit this base model ({str(exc).splitlines()[0][:100]})",
                         file=str(path)) from None


def load_stage_model(stage_dir: Path, init: GPT) -> GPT:
    """The finished (or latest) model of a stage folder, in eval mode."""
    path = Path(stage_dir) / STAGE_CHECKPOINT
    ck = read_stage_checkpoint(path)
    model = copy.deepcopy(init)
    _load_weights(model, ck["model"], path)
    return model.eval()


# ----------------------------------------------------------------------------- the stage
def train_stage(c: StageConfig, init: GPT, tok: Any, data: Sequence[tuple], stage_dir: Path | str,
                on_progress: ProgressFn | None = None) -> tuple[GPT, dict[str, Any]]:
    """Train (or resume, or reload) one stage from ``init``; returns (model, state with the per-step log).

    ``data`` holds ``(example, completion)`` for SFT, ``(example, chosen, rejected)`` for DPO and
    ``(example,)`` for GRPO.
    """
    stage_dir = Path(stage_dir)
    stage_dir.mkdir(parents=True, exist_ok=True)
    seq_len, pad = init.shape.seq_len, tok.token_to_id(EOT)
    rows = [[encode_pair(tok, *chat_text(d[0], a), seq_len) for a in d[1:]] for d in data]
    model = copy.deepcopy(init).train()
    ref = copy.deepcopy(init).eval() if c.kind in ("dpo", "grpo") else None
    optim = torch.optim.AdamW(param_groups(model, c.weight_decay), lr=c.lr, betas=(0.9, 0.95))
    state: dict[str, Any] = {"step": 0, "log": [], "wall_s": 0.0, "config": asdict(c)}
    path = stage_dir / STAGE_CHECKPOINT
    if path.exists():
        ck = read_stage_checkpoint(path)
        if ck["state"].get("config") != asdict(c):
            raise ScalingLabError(f"{path}: stage was started with another config; use a fresh output folder")
        _load_weights(model, ck["model"], path)
        optim.load_state_dict(ck["optim"])
        state = ck["state"]
    t_last = time.perf_counter()
    while state["step"] < c.steps:
        step = state["step"]
        for g in optim.param_groups:
            g["lr"] = lr_at(step, c)
        which = batch_indices(step, c.batch_size, len(rows), c.seed)
        picked = [rows[i] for i in which]
        if c.kind == "grpo":
            entry = _grpo_step(model, ref, optim, tok, [data[i][0] for i in which], c, step, pad)
            _after_step(state, entry, c, on_progress)
            t_last = _maybe_save(state, c, model, optim, path, t_last)
            continue
        if c.kind == "sft":
            loss = sft_loss(model, *_pad([r[0] for r in picked], pad))
            entry = {"step": step + 1, "loss": float(loss.detach())}
        else:
            loss, rc, rr = dpo_terms(model, ref, _pad([r[0] for r in picked], pad),
                                     _pad([r[1] for r in picked], pad), c.beta, c.nll_weight)
            entry = {"step": step + 1, "loss": float(loss.detach()),
                     "reward_accuracy": float((rc > rr).float().mean()), "margin": float((rc - rr).mean())}
        _update(model, optim, loss, c.grad_clip)
        _after_step(state, entry, c, on_progress)
        t_last = _maybe_save(state, c, model, optim, path, t_last)
    return model.eval(), state


def _update(model: GPT, optim: torch.optim.Optimizer, loss: torch.Tensor, grad_clip: float) -> None:
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optim.step()
    optim.zero_grad(set_to_none=True)


def _after_step(state: dict[str, Any], entry: dict[str, Any], c: StageConfig, on_progress: ProgressFn | None
                ) -> None:
    state["step"] = entry["step"]
    state["log"].append(entry)
    if on_progress:
        on_progress(state["step"], c.steps, entry["loss"])


def _maybe_save(state: dict[str, Any], c: StageConfig, model: GPT, optim: torch.optim.Optimizer, path: Path,
                t_last: float) -> float:
    if state["step"] % c.checkpoint_every == 0 or state["step"] == c.steps:
        now = time.perf_counter()
        state["wall_s"] += now - t_last
        t_last = now
        with atomic_path(path) as tmp, open(tmp, "wb") as f:  # never half a checkpoint
            torch.save({"model": model.state_dict(), "optim": optim.state_dict(), "state": state}, f)
    return t_last


def _grpo_step(model: GPT, ref: GPT, optim: torch.optim.Optimizer, tok: Any, examples: list[Example],
               c: StageConfig, step: int, pad: int) -> dict[str, Any]:
    """One GRPO step (Shao et al. 2024, Algorithm 1 with one outer iteration): sample, score, update mu times."""
    samples = sample_group(model, tok, examples, c.group_size, c.temperature, c.max_new,
                           step_generator(c.seed, step))
    rewards = group_rewards(tok, examples, samples)
    adv = group_advantages(rewards).flatten()
    x, y, m = _pad([s for group in samples for s in group], pad)
    with torch.no_grad():
        old_lp, ref_lp = token_logp(model, x, y), token_logp(ref, x, y)
    model.train()
    losses, kls = [], []
    for _ in range(c.iterations):
        loss, kl = grpo_loss(model, ref_lp, old_lp, adv, x, y, m, c.clip_eps, c.kl_beta)
        _update(model, optim, loss, c.grad_clip)
        losses.append(float(loss.detach()))
        kls.append(float(kl))
    return {"step": step + 1, "loss": sum(losses) / len(losses), "reward": float(rewards.mean()),
            "kl": sum(kls) / len(kls)}


# ----------------------------------------------------------------------------- evaluation
@torch.no_grad()
def greedy_answers(model: GPT, tok: Any, examples: Sequence[Example], max_new: int = 8) -> list[str]:
    """Greedy answers (up to ``max_new`` tokens or ``<|endoftext|>``), batched by prompt length."""
    model.eval()
    eot = tok.token_to_id(EOT)
    prompts = [tok.encode(chat_prompt(ex.prompt)).ids for ex in examples]
    out: list[str] = [""] * len(examples)
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    for n, idx in by_len.items():
        seq = torch.tensor([prompts[i] for i in idx])
        done = torch.zeros(len(idx), dtype=torch.bool)
        for _ in range(min(max_new, model.shape.seq_len - n)):
            nxt = model(seq)[0][:, -1].argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, eot), nxt)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            done |= nxt == eot
            if bool(done.all()):
                break
        for r, i in enumerate(idx):
            gen = seq[r, n:].tolist()
            out[i] = tok.decode(gen[: gen.index(eot)] if eot in gen else gen)
    return out


def exact_match(model: GPT, tok: Any, examples: Sequence[Example]) -> dict[str, float]:
    """Exact-match accuracy overall (``"accuracy"``) and per task (``"acc_<task>"``)."""
    answers = greedy_answers(model, tok, examples)
    hits: dict[str, list[bool]] = {}
    for ex, a in zip(examples, answers, strict=True):
        hits.setdefault(ex.task, []).append(verify(ex, a))
    allhits = [h for v in hits.values() for h in v]
    return {"accuracy": sum(allhits) / max(1, len(allhits)),
            **{f"acc_{t}": sum(v) / len(v) for t, v in hits.items()}}


@torch.no_grad()
def answer_loss(model: GPT, tok: Any, examples: Sequence[Example]) -> float:
    """Mean cross-entropy (nats/token) of the correct answers (and their end token) on ``examples``."""
    seq_len, pad = model.shape.seq_len, tok.token_to_id(EOT)
    x, y, m = _pad([encode_pair(tok, *chat_text(ex), seq_len) for ex in examples], pad)
    return float(sft_loss(model.eval(), x, y, m))


def heldout_metrics(model: GPT, tok: Any, examples: Sequence[Example]) -> dict[str, float]:
    """Exact match (overall and per task) and the answers' held-out loss (``eval_loss``)."""
    return {**exact_match(model, tok, examples), "eval_loss": answer_loss(model, tok, examples)}


@torch.no_grad()
def reward_stats(model: GPT, ref: GPT, tok: Any, pairs: Sequence[tuple], beta: float) -> dict[str, float]:
    """DPO implicit-reward accuracy (chosen reward > rejected) and mean margin on ``pairs``."""
    seq_len, pad = model.shape.seq_len, tok.token_to_id(EOT)
    chosen = _pad([encode_pair(tok, *chat_text(p[0], p[1]), seq_len) for p in pairs], pad)
    rejected = _pad([encode_pair(tok, *chat_text(p[0], p[2]), seq_len) for p in pairs], pad)
    _, rc, rr = dpo_terms(model.eval(), ref.eval(), chosen, rejected, beta)
    return {"reward_accuracy": float((rc > rr).float().mean()), "reward_margin": float((rc - rr).mean())}
