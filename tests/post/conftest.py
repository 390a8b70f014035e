"""Fixtures for the post-training tests: one small trained sweep per session (the smoke preset's first run)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from scalinglab.sweep.presets import PRESETS


def one_run_smoke() -> dict:
    """The smoke sweep preset cut to its first (1-layer) run."""
    raw = copy.deepcopy(PRESETS["smoke"])
    raw["runs"] = raw["runs"][:1]
    return raw


@pytest.fixture(scope="session")
def base_sweep(tmp_path_factory) -> Path:
    """A finished one-run sweep folder (real data pipeline, real training; about 5 s of CPU)."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    pytest.importorskip("tokenizers", reason="the data pipeline needs tokenizers (scalinglab[train])")
    from scalinglab.sweep import spec_from_dict
    from scalinglab.sweep.runner import run_sweep

    out = tmp_path_factory.mktemp("sweep")
    run_sweep(spec_from_dict(one_run_smoke(), "test"), out, log=lambda m: None)
    return out


@pytest.fixture(scope="session")
def base_run_dir(base_sweep) -> Path:
    (run,) = sorted((base_sweep / "runs").iterdir())
    return run
