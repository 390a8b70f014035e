"""A GPT-style decoder-only transformer, small enough to read in one sitting (nanoGPT-style).

Token + learned position embeddings, ``n_layer`` pre-LayerNorm blocks (causal multi-head
self-attention through ``scaled_dot_product_attention``, then a 4x GELU MLP), a final LayerNorm and
an output head tied to the token embedding. No biases, no dropout: the sweep trains every model for
less than one epoch, and fewer moving parts make the parameter count in
:mod:`scalinglab.sweep.flops` exact. Initialisation follows GPT-2: N(0, 0.02), with residual output
projections scaled by ``1/sqrt(2 n_layer)``.

Imports torch at module level: only import this module from sweep code paths that need it.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from scalinglab.sweep.flops import Shape


class CausalSelfAttention(nn.Module):
    def __init__(self, s: Shape) -> None:
        super().__init__()
        self.n_head = s.n_head
        self.qkv = nn.Linear(s.d_model, 3 * s.d_model, bias=False)
        self.proj = nn.Linear(s.d_model, s.d_model, bias=False)
        self.proj.residual = True  # type: ignore[assignment]  # marks scaled init

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, head_dim)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, s: Shape) -> None:
        super().__init__()
        self.up = nn.Linear(s.d_model, s.d_ff, bias=False)
        self.down = nn.Linear(s.d_ff, s.d_model, bias=False)
        self.down.residual = True  # type: ignore[assignment]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    def __init__(self, s: Shape) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(s.d_model, bias=False)
        self.attn = CausalSelfAttention(s)
        self.ln2 = nn.LayerNorm(s.d_model, bias=False)
        self.mlp = MLP(s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


#: Rows of logits materialised at once by the chunked loss (about 256 MB of fp32 per chunk).
CHUNK_ELEMENTS = 1 << 26


def _chunk_rows(vocab: int) -> int:
    return max(1, CHUNK_ELEMENTS // vocab)


def _compute_dtype(h: torch.Tensor) -> torch.dtype:
    return torch.get_autocast_dtype(h.device.type) if torch.is_autocast_enabled(h.device.type) else h.dtype


def _softmax_dtype(dt: torch.dtype) -> torch.dtype:
    """fp32 for the softmax of bf16/fp16/fp32 logits (fp64 stays fp64)."""
    return torch.promote_types(dt, torch.float32)


class _LinearCrossEntropy(torch.autograd.Function):
    """``cross_entropy(h @ W.T, y)`` summed over rows, chunk by chunk: no full (rows x vocab) logits kept.

    The gradients are computed in the forward pass, one chunk at a time (softmax minus one-hot, times W
    or h), and scaled by the incoming gradient in backward, so neither the fp32 logits nor their
    softmax is ever stored for the whole batch. Matmuls run in the autocast dtype; softmax in fp32.
    """

    @staticmethod
    def forward(ctx: Any, h: torch.Tensor, w: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        dt = _compute_dtype(h)
        acc = _softmax_dtype(dt)
        with torch.autocast(h.device.type, enabled=False):
            hc, wc = h.to(dt), w.to(dt)
            total = torch.zeros((), dtype=acc, device=h.device)
            grad_h = torch.empty_like(h)
            grad_w = torch.zeros(w.shape, dtype=acc, device=w.device)
            step = _chunk_rows(w.shape[0])
            for i in range(0, h.shape[0], step):
                logits = (hc[i:i + step] @ wc.t()).to(acc)
                lse = torch.logsumexp(logits, dim=-1)
                yi = y[i:i + step]
                total += (lse - logits.gather(1, yi[:, None]).squeeze(1)).sum()
                p = torch.exp_(logits.sub_(lse[:, None]))  # softmax, in place
                p[torch.arange(len(yi), device=p.device), yi] -= 1.0
                pc = p.to(dt)
                grad_h[i:i + step] = (pc @ wc).to(h.dtype)
                grad_w += (pc.t() @ hc[i:i + step]).to(acc)
        ctx.save_for_backward(grad_h, grad_w.to(w.dtype))
        return total

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        grad_h, grad_w = ctx.saved_tensors
        return grad_h * grad_out, grad_w * grad_out, None


def chunked_cross_entropy(h: torch.Tensor, w: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Summed cross-entropy of ``h @ w.T`` against ``y`` (rows of h), never holding all logits in fp32."""
    if torch.is_grad_enabled() and (h.requires_grad or w.requires_grad):
        return _LinearCrossEntropy.apply(h, w, y)
    dt = _compute_dtype(h)
    total = torch.zeros((), dtype=_softmax_dtype(dt), device=h.device)
    step = _chunk_rows(w.shape[0])
    for i in range(0, h.shape[0], step):
        logits = (h[i:i + step].to(dt) @ w.to(dt).t()).to(total.dtype)
        total += F.cross_entropy(logits, y[i:i + step], reduction="sum")
    return total


class GPT(nn.Module):
    """Decoder-only language model; ``forward(idx, targets)`` returns (logits, mean cross-entropy).

    With ``fused_loss`` (the default on GPU and under bf16) and targets given, the loss comes from
    :func:`chunked_cross_entropy` and no logits are returned; ``reduction="none"`` gives one mean loss
    per sequence (for evaluation over an exact set of windows).
    """

    def __init__(self, s: Shape, fused_loss: bool = False) -> None:
        super().__init__()
        self.shape = s
        self.fused_loss = fused_loss
        self.tok_emb = nn.Embedding(s.padded_vocab, s.d_model)
        self.pos_emb = nn.Embedding(s.seq_len, s.d_model)
        self.blocks = nn.ModuleList(Block(s) for _ in range(s.n_layer))
        self.ln_f = nn.LayerNorm(s.d_model, bias=False)
        self.head = nn.Linear(s.d_model, s.padded_vocab, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying
        self.apply(self._init)

    def _init(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            std = 0.02 / math.sqrt(2 * self.shape.n_layer) if getattr(module, "residual", False) else 0.02
            nn.init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameter count; ``non_embedding`` excludes token and position embeddings (Kaplan's N)."""
        n = sum(p.numel() for p in self.parameters())  # tied head counted once
        if non_embedding:
            n -= self.tok_emb.weight.numel() + self.pos_emb.weight.numel()
        return n

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, reduction: str = "mean"
                ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x)
        if targets is None:
            return self.head(h), None
        if reduction == "none":  # per sequence
            if self.fused_loss:
                per = [chunked_cross_entropy(h[b], self.head.weight, targets[b]) / T for b in range(B)]
                return None, torch.stack(per)
            logits = self.head(h)
            ce = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
            return logits, ce.view(B, T).mean(dim=1)
        if self.fused_loss:
            return None, chunked_cross_entropy(h.reshape(B * T, -1), self.head.weight, targets.reshape(-1)) / (B * T)
        logits = self.head(h)
        return logits, F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))


def param_groups(model: GPT, weight_decay: float, hidden_lr_mult: float = 1.0) -> list[dict]:
    """AdamW groups: embeddings (decayed), hidden matrices (decayed, lr x ``hidden_lr_mult``), gains (no decay).

    ``hidden_lr_mult = base_width / d_model`` is muP's Adam rule for hidden weights (Yang et al. 2022,
    Table 3: learning rate proportional to 1/fan_in); the tied embedding and the LayerNorm gains keep the
    base rate. Each group's ``lr_mult`` multiplies the scheduled learning rate.
    """
    emb = {id(model.tok_emb.weight), id(model.pos_emb.weight)}
    groups: dict[str, list[torch.Tensor]] = {"embedding": [], "hidden": [], "gain": []}
    for p in model.parameters():
        if p.requires_grad:
            groups["embedding" if id(p) in emb else "hidden" if p.dim() >= 2 else "gain"].append(p)
    return [{"params": groups["embedding"], "weight_decay": weight_decay, "lr_mult": 1.0},
            {"params": groups["hidden"], "weight_decay": weight_decay, "lr_mult": float(hidden_lr_mult)},
            {"params": groups["gain"], "weight_decay": 0.0, "lr_mult": 1.0}]
