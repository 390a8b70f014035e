"""Read a finished sweep run: its GPT (from ``checkpoint.pt``), its config, tokenizer and result.

Imports torch at module level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from scalinglab.errors import InputError
from scalinglab.sweep.model import GPT
from scalinglab.sweep.spec import CHECKPOINT, RESULT, RunConfig
from scalinglab.sweep.tokenizer import load_tokenizer


@dataclass
class BaseRun:
    """A sweep run's trained model with what post-training needs to know about it."""

    name: str
    run_dir: Path
    cfg: RunConfig
    model: GPT
    tokenizer: Any
    result: dict[str, Any]

    @property
    def tokenizer_path(self) -> Path:
        return data_dir_of(self.run_dir, self.cfg) / "tokenizer.json"


def data_dir_of(run_dir: Path, cfg: RunConfig) -> Path:
    """The run's data folder; a relative or moved one is looked up beside the run (``<out>/data/<fp>``)."""
    stored = Path(cfg.data_dir)
    if stored.is_absolute() and stored.exists():
        return stored
    return run_dir.resolve().parent.parent / "data" / stored.name


def load_base(run_dir: Path | str) -> BaseRun:
    """Load the model of a sweep run folder (``runs/<name>``) on CPU, in eval mode."""
    run_dir = Path(run_dir)
    ckpt = run_dir / CHECKPOINT
    if not ckpt.exists():
        raise InputError("not a sweep run folder (no checkpoint.pt)", file=str(run_dir))
    try:
        ck = torch.load(ckpt, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, another format, not a checkpoint at all: was an UnpicklingError traceback
        raise InputError(f"unreadable checkpoint ({type(exc).__name__}: truncated, or not a checkpoint that "
                         "loads with weights_only=True)", file=str(ckpt)) from None
    if not (isinstance(ck, dict) and isinstance(ck.get("config"), dict) and isinstance(ck.get("model"), dict)):
        raise InputError("not a sweep checkpoint (no config and model)", file=str(ckpt))
    cfg = RunConfig.from_dict(ck["config"], str(ckpt))
    model = GPT(cfg.shape)
    try:
        model.load_state_dict(ck["model"])
    except RuntimeError as exc:  # weights of another shape than its config
        raise InputError(f"the weights do not match the run's config ({str(exc).splitlines()[0][:120]})",
                         file=str(ckpt)) from None
    model.eval()
    result_path = run_dir / RESULT
    result = json.loads(result_path.read_text()) if result_path.exists() else {}
    tok_path = data_dir_of(run_dir, cfg) / "tokenizer.json"
    if not tok_path.exists():
        raise InputError("the run's tokenizer is missing (was the sweep folder moved?)", file=str(tok_path))
    return BaseRun(cfg.name, run_dir, cfg, model, load_tokenizer(tok_path), result)
