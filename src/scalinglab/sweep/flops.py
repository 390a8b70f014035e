"""Parameter and FLOP accounting for the sweep's GPT decoder, and sizing a model from a parameter target.

No torch here: the numbers are closed forms of the architecture in :mod:`scalinglab.sweep.model`
(pre-LayerNorm blocks without biases, 4x MLP, tied input/output embedding, learned positions), so a
sweep can be planned and its tables written without building a model. ``tests/sweep`` checks them
against ``sum(p.numel())`` of the real module.

Three compute counts per training token are provided:

* ``6N`` (Kaplan et al. 2020, Sec. 2.1): forward 2N, backward 4N, N = non-embedding parameters.
* Kaplan with attention: ``6N + 6 n_layer n_ctx d_model`` (their Table 1, forward ``2N + 2 n_layer
  n_ctx d_attn``, times 3 for training).
* Chinchilla (Hoffmann et al. 2022, App. F): embeddings, QKV projections, attention logits, softmax,
  attention-weighted values, output projection, MLP and final logits counted one by one; backward
  is twice the forward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scalinglab.errors import ScalingLabError

#: The embedding and output head have ``padded_vocab`` rows; the extra rows are never a target.
VOCAB_MULTIPLE = 64


@dataclass(frozen=True)
class Shape:
    """The architecture numbers that fix a model's size and cost."""

    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int
    seq_len: int
    mlp_ratio: int = 4

    @property
    def d_ff(self) -> int:
        return self.mlp_ratio * self.d_model

    @property
    def padded_vocab(self) -> int:
        """Embedding rows: the vocabulary rounded up to a multiple of 64 (aligned matmuls, as nanoGPT's 50304)."""
        return -(-self.vocab_size // VOCAB_MULTIPLE) * VOCAB_MULTIPLE


def non_embedding_params(s: Shape) -> int:
    """Parameters outside the token and position embeddings (Kaplan's N).

    Per block: QKV ``3d^2``, output projection ``d^2``, MLP ``2 d d_ff``, two LayerNorm weights
    ``2d``; plus the final LayerNorm ``d``. The output head is tied to the token embedding.
    """
    d = s.d_model
    per_layer = 4 * d * d + 2 * d * s.d_ff + 2 * d
    return s.n_layer * per_layer + d


def embedding_params(s: Shape) -> int:
    """Token embedding (shared with the output head, ``padded_vocab`` rows) plus learned positions."""
    return s.padded_vocab * s.d_model + s.seq_len * s.d_model


def total_params(s: Shape) -> int:
    return non_embedding_params(s) + embedding_params(s)


def flops_6nd(n_params: float, tokens: float) -> float:
    """Training compute C = 6 N D (Kaplan et al. 2020)."""
    return 6.0 * float(n_params) * float(tokens)


def kaplan_flops_per_token(s: Shape) -> float:
    """Training FLOPs per token with the attention term: 6N + 6 n_layer n_ctx d_model."""
    return 6.0 * non_embedding_params(s) + 6.0 * s.n_layer * s.seq_len * s.d_model


def chinchilla_forward_flops_per_sequence(s: Shape) -> float:
    """Forward FLOPs for one sequence of ``seq_len`` tokens, counted as in Chinchilla App. F."""
    T, d, V, H = s.seq_len, s.d_model, s.padded_vocab, s.n_head
    attn_width = d  # key_size * num_heads
    embeddings = 2 * T * V * d
    qkv = 2 * 3 * T * d * attn_width
    logits_qk = 2 * T * T * attn_width
    softmax = 3 * H * T * T
    reduce_v = 2 * T * T * attn_width
    out_proj = 2 * T * attn_width * d
    attention = qkv + logits_qk + softmax + reduce_v + out_proj
    dense = 2 * T * (d * s.d_ff + s.d_ff * d)
    final_logits = 2 * T * d * V
    return float(embeddings + s.n_layer * (attention + dense) + final_logits)


def chinchilla_flops_per_token(s: Shape) -> float:
    """Training FLOPs per token, Chinchilla App. F: forward + backward (= 2x forward)."""
    return 3.0 * chinchilla_forward_flops_per_sequence(s) / s.seq_len


def model_flops_per_token(s: Shape) -> float:
    """FLOPs per token that MFU is measured against: 6 x all matmul parameters + causal attention.

    Counts the output head (tied or not, it is a matmul) and the attention score/value products, i.e.
    the work the hardware must do, as in PaLM's MFU definition (Chowdhery et al. 2022, App. B).
    """
    matmul_params = non_embedding_params(s) + s.padded_vocab * s.d_model
    return 6.0 * matmul_params + 12.0 * s.n_layer * s.seq_len * s.d_model


def size_model(target_params: float, *, vocab_size: int, seq_len: int, head_dim: int = 32,
               aspect_ratio: float = 32.0, max_layers: int = 64, n_layer: int | None = None,
               n_head: int | None = None) -> Shape:
    """The (layers, width) whose non-embedding parameter count is closest to ``target_params``.

    Width is a multiple of ``head_dim`` and the shape prefers ``d_model / n_layer`` near
    ``aspect_ratio`` (Kaplan et al. found loss depends weakly on shape over a wide range, so fixing
    the aspect ratio makes N the only knob). Score: squared log-distance to the target plus a small
    penalty on log-distance to the aspect ratio. ``n_layer`` fixes the depth (only the width varies:
    a family whose size changes smoothly, as an IsoFLOP profile needs); ``n_head`` fixes the number of
    heads instead of their size (width a multiple of ``n_head``: finer steps between small models).
    """
    if not (target_params > 0 and math.isfinite(target_params)):
        raise ScalingLabError(f"target parameter count must be positive, got {target_params}")
    if head_dim <= 0 or seq_len <= 0 or vocab_size <= 0:
        raise ScalingLabError("head_dim, seq_len and vocab_size must be positive")
    if n_layer is not None and n_layer < 1:
        raise ScalingLabError(f"n_layer must be at least 1, got {n_layer}")
    if n_head is not None and n_head < 1:
        raise ScalingLabError(f"n_head must be at least 1, got {n_head}")
    step = n_head or head_dim
    best: tuple[float, Shape] | None = None
    for depth in ([n_layer] if n_layer is not None else range(1, max_layers + 1)):
        # width solving 12 L d^2 = target, then the nearest multiples of head_dim (or n_head) around it
        d_est = math.sqrt(target_params / (12.0 * depth))
        k0 = max(1, int(d_est // step))
        for k in {max(1, k0 - 1), k0, k0 + 1, k0 + 2}:
            d = k * step
            shape = Shape(n_layer=depth, d_model=d, n_head=n_head or max(1, d // head_dim),
                          vocab_size=vocab_size, seq_len=seq_len)
            n = non_embedding_params(shape)
            score = math.log(n / target_params) ** 2 + 0.02 * math.log((d / depth) / aspect_ratio) ** 2
            if best is None or score < best[0]:
                best = (score, shape)
    assert best is not None
    return best[1]
