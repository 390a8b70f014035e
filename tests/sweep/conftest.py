"""Fixtures for the sweep tests: one small prepared corpus per session and a run-config factory."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from scalinglab.sweep.presets import PRESETS
from scalinglab.sweep.shards import DataConfig, prepare_data
from scalinglab.sweep.spec import RunConfig, spec_from_dict


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> Path:
    """Token shards from 40 stdlib files, vocab 384 (a few seconds to build)."""
    pytest.importorskip("tokenizers", reason="the data pipeline needs tokenizers (scalinglab[train])")
    pytest.importorskip("datasketch", reason="dedupe needs datasketch (scalinglab[train])")
    root = tmp_path_factory.mktemp("data")
    return prepare_data(DataConfig(source="stdlib", max_docs=40, vocab_size=384, val_fraction=0.1), root,
                        seed=0, log=lambda m: None)


@pytest.fixture(scope="session")
def smoke_data(tmp_path_factory) -> tuple[str, Path]:
    """The smoke preset's prepared data folder: (fingerprint, path), to copy into a fresh --out."""
    pytest.importorskip("tokenizers", reason="the data pipeline needs tokenizers (scalinglab[train])")
    spec = spec_from_dict(PRESETS["smoke"])
    root = tmp_path_factory.mktemp("smoke-data")
    path = prepare_data(spec.data, root, seed=spec.seed, log=lambda m: None)
    return path.name, path


@pytest.fixture
def smoke_out(tmp_path, smoke_data):
    """``smoke_out(name)`` -> a fresh --out folder whose data/ already holds the smoke preset's shards."""

    def make(name: str) -> Path:
        out = tmp_path / name
        fp, path = smoke_data
        shutil.copytree(path, out / "data" / fp)
        return out

    return make


@pytest.fixture
def make_cfg(small_data):
    """``make_cfg(**overrides)`` -> a 2-layer width-32 RunConfig on ``small_data``."""

    def make(**kw) -> RunConfig:
        base = RunConfig(name="t", seed=0, data_dir=str(small_data), n_layer=2, d_model=32, n_head=2, seq_len=32,
                         vocab_size=384, mlp_ratio=4, steps=30, batch_size=8, micro_batch=None, lr=3e-3,
                         min_lr_ratio=0.1, warmup_steps=3, schedule="cosine", decay_fraction=0.2,
                         weight_decay=0.1, beta1=0.9, beta2=0.95, grad_clip=1.0, checkpoint_every=10,
                         eval_windows=16, cpu_threads=1)
        return replace(base, **kw)

    return make
