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


class GPT(nn.Module):
    """Decoder-only language model; ``forward(idx, targets)`` returns (logits, mean cross-entropy)."""

    def __init__(self, s: Shape) -> None:
        super().__init__()
        self.shape = s
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

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        T = idx.size(1)
        pos = torch.arange(T, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss


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
