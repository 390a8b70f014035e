"""Byte-level BPE tokenizer trained with Hugging Face ``tokenizers`` (Sennrich et al. 2016; GPT-2's variant).

Byte-level pre-tokenisation means every string is encodable (no unknown tokens) and the 256 byte
symbols are the initial alphabet; merges are learnt up to ``vocab_size``. Training is
single-threaded over a fixed document order so the learnt merges are the same on every run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scalinglab.atomic import atomic_path
from scalinglab.errors import ScalingLabError

EOT = "<|endoftext|>"


def _tokenizers() -> Any:
    try:
        import tokenizers
    except ImportError:
        raise ScalingLabError("the sweep needs `tokenizers`: install scalinglab[train]") from None
    return tokenizers


def train_bpe(texts: Sequence[str], vocab_size: int, path: Path) -> Any:
    """Train a byte-level BPE tokenizer on ``texts``, save it to ``path`` (JSON) and return it."""
    tk = _tokenizers()
    if vocab_size < 257 + 1:
        raise ScalingLabError(f"vocab_size must exceed the 256 byte symbols, got {vocab_size}")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # reproducible merges, no fork warnings
    tok = tk.Tokenizer(tk.models.BPE())
    tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT], show_progress=False,
                                     initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer, length=len(texts))
    with atomic_path(path) as tmp:
        tok.save(str(tmp))
    return tok


def load_tokenizer(path: Path) -> Any:
    return _tokenizers().Tokenizer.from_file(str(path))
