"""Corpus to token shards: filter, dedupe, split, train the tokenizer, encode, write memory-mapped arrays.

``prepare_data`` runs the whole pipeline once per distinct data configuration and caches the result
under ``<out>/data/<fingerprint>/``: ``tokenizer.json``, ``train_00000.npy``, ... (``.npy`` files opened
with ``mmap_mode="r"``, so a run touches only the pages it reads), ``val.npy`` (documents held out
*before* the tokenizer is trained, so validation text is unseen in every sense) and ``meta.json``,
written last and atomically, which marks the directory complete.

Training reads fixed windows of ``seq_len + 1`` tokens. :class:`TokenShards` numbers the windows of
all shards; :func:`batch_windows` maps a data position (windows consumed so far) to the windows of
the next batch through a seeded permutation per epoch. The position is the whole data-loader state,
so a checkpoint that stores it resumes on exactly the next batch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from scalinglab.atomic import atomic_path, write_text_atomic
from scalinglab.errors import ScalingLabError
from scalinglab.sweep.filters import QualityConfig, quality_filter

PIPELINE_VERSION = 1


@dataclass(frozen=True)
class DataConfig:
    """Everything that determines the token shards (and so the cache key)."""

    source: str = "stdlib"
    text_field: str = "text"
    split: str | None = None
    max_docs: int | None = None
    vocab_size: int = 2048
    val_fraction: float = 0.05
    dedupe_threshold: float = 0.8
    dedupe_num_perm: int = 64
    shard_tokens: int = 1 << 24
    quality: QualityConfig = field(default_factory=QualityConfig)

    def fingerprint(self, seed: int) -> str:
        """Cache key: pipeline version, seed, this config, the corpus files' content hash and Python version."""
        from scalinglab.sweep.corpus import corpus_fingerprint

        payload = json.dumps({"v": PIPELINE_VERSION, "seed": seed, **asdict(self),
                              **corpus_fingerprint(self.source)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


def write_json_atomic(path: Path, obj: object) -> None:
    """Write JSON to a temporary file beside ``path``, then ``os.replace`` it in (never half-written)."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True))


def _write_npy(path: Path, tokens: list[np.ndarray], dtype: np.dtype) -> int:
    n = int(sum(len(t) for t in tokens))
    with atomic_path(path) as tmp:
        arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(n,))
        i = 0
        for t in tokens:
            arr[i:i + len(t)] = t
            i += len(t)
        arr.flush()
        del arr
    return n


def prepare_data(cfg: DataConfig, root: Path, seed: int = 0, log=print) -> Path:
    """Build (or reuse) the token shards for ``cfg`` under ``root``; returns the data directory."""
    from scalinglab.sweep.corpus import load_corpus
    from scalinglab.sweep.dedupe import dedupe
    from scalinglab.sweep.tokenizer import EOT, train_bpe

    out = root / cfg.fingerprint(seed)
    if (out / "meta.json").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    docs = load_corpus(cfg.source, text_field=cfg.text_field, split=cfg.split, max_docs=cfg.max_docs)
    n_raw = len(docs)
    docs, report = quality_filter(docs, cfg.quality)
    docs, n_dup = dedupe(docs, threshold=cfg.dedupe_threshold, num_perm=cfg.dedupe_num_perm, seed=seed)
    if len(docs) < 2:
        raise ScalingLabError(f"only {len(docs)} document(s) left after filtering and dedupe; "
                              "need at least 2 (one for validation)")
    order = np.random.default_rng(seed).permutation(len(docs))
    n_val = min(len(docs) - 1, max(1, round(cfg.val_fraction * len(docs))))
    val_docs = [docs[i] for i in order[:n_val]]
    train_docs = [docs[i] for i in order[n_val:]]
    log(f"data: {n_raw} documents, {sum(report.rejected.values())} filtered "
        f"({dict(report.rejected)}), {n_dup} near-duplicates, {len(train_docs)} train / {n_val} val")

    tok = train_bpe([d.text for d in train_docs], cfg.vocab_size, out / "tokenizer.json")
    eot = tok.token_to_id(EOT)
    vocab = tok.get_vocab_size()
    dtype = np.dtype(np.uint16 if vocab <= 1 << 16 else np.uint32)

    def encode(ds: list) -> list[np.ndarray]:
        pieces = []
        for enc in tok.encode_batch([d.text for d in ds]):
            pieces.append(np.asarray(enc.ids + [eot], dtype=dtype))
        return pieces

    train_files, buf, buf_n, n_train = [], [], 0, 0
    for piece in encode(train_docs):
        buf.append(piece)
        buf_n += len(piece)
        if buf_n >= cfg.shard_tokens:
            f = out / f"train_{len(train_files):05d}.npy"
            n_train += _write_npy(f, buf, dtype)
            train_files.append(f.name)
            buf, buf_n = [], 0
    if buf:
        f = out / f"train_{len(train_files):05d}.npy"
        n_train += _write_npy(f, buf, dtype)
        train_files.append(f.name)
    n_val_tokens = _write_npy(out / "val.npy", encode(val_docs), dtype)
    meta = {"config": asdict(cfg), "seed": seed, "vocab_size": vocab, "eot": eot, "dtype": dtype.name,
            "train_files": train_files, "val_file": "val.npy", "train_tokens": n_train,
            "val_tokens": n_val_tokens, "documents": {"raw": n_raw, "filtered": dict(report.rejected),
                                                      "near_duplicates": n_dup, "train": len(train_docs),
                                                      "val": n_val}}
    write_json_atomic(out / "meta.json", meta)
    log(f"data: {n_train:,} train tokens in {len(train_files)} shard(s), {n_val_tokens:,} val tokens, "
        f"vocab {vocab}")
    return out


def read_meta(data_dir: Path) -> dict:
    return json.loads((data_dir / "meta.json").read_text())


class TokenShards:
    """Non-overlapping windows of ``seq_len + 1`` tokens over memory-mapped ``.npy`` shards."""

    def __init__(self, files: list[Path], seq_len: int) -> None:
        self.seq_len = seq_len
        self.arrays = [np.load(f, mmap_mode="r") for f in files]
        counts = [max(0, (len(a) - 1) // seq_len) for a in self.arrays]
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.n_windows = int(self.offsets[-1])
        if self.n_windows == 0:
            raise ScalingLabError(f"shards hold fewer than seq_len+1 = {seq_len + 1} tokens")

    def window(self, i: int) -> np.ndarray:
        s = int(np.searchsorted(self.offsets, i, side="right") - 1)
        j = (i - int(self.offsets[s])) * self.seq_len
        return np.asarray(self.arrays[s][j:j + self.seq_len + 1], dtype=np.int64)

    def windows(self, idx: np.ndarray) -> np.ndarray:
        return np.stack([self.window(int(i)) for i in idx])


@lru_cache(maxsize=4)
def _epoch_perm(n: int, seed: int, epoch: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch, 7919]).permutation(n)


def batch_windows(position: int, count: int, n_windows: int, seed: int) -> np.ndarray:
    """Window indices for data positions ``position .. position+count-1`` (a new permutation per epoch)."""
    pos = np.arange(position, position + count, dtype=np.int64)
    out = np.empty(count, dtype=np.int64)
    for epoch in np.unique(pos // n_windows):
        sel = pos // n_windows == epoch
        out[sel] = _epoch_perm(n_windows, seed, int(epoch))[pos[sel] % n_windows]
    return out
