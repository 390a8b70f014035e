"""Built-in sweep specs (the same mappings a TOML spec file parses to).

* ``smoke``: two tiny models on a 60-file slice of the standard library; well under a minute on two
  CPU cores. For tests and for checking an installation.
* ``tiny``: a real family of six sizes (about 6k to 0.4M non-embedding parameters) on the whole
  standard-library corpus, one token budget, cosine schedule; about 10-15 minutes on two CPU cores.
  The five smaller models' fitted law predicts the largest model's final loss.
"""

from __future__ import annotations

from typing import Any

from scalinglab.errors import InputError

PRESETS: dict[str, dict[str, Any]] = {
    "smoke": {
        "name": "smoke",
        "seed": 0,
        "data": {"source": "stdlib", "max_docs": 60, "vocab_size": 512, "val_fraction": 0.1},
        "model": {"seq_len": 64, "head_dim": 16, "aspect_ratio": 16},
        "train": {"batch_size": 8, "lr": 3e-3, "warmup_steps": 5, "checkpoint_every": 10, "eval_windows": 32},
        "runs": [{"layers": 1, "width": 32, "tokens": 8 * 64 * 60},
                 {"layers": 2, "width": 48, "tokens": 8 * 64 * 60}],
    },
    "tiny": {
        "name": "tiny",
        "seed": 0,
        "data": {"source": "stdlib", "vocab_size": 1024, "val_fraction": 0.05},
        "model": {"seq_len": 128, "head_dim": 16, "aspect_ratio": 32},
        "train": {"batch_size": 16, "lr": 3e-3, "warmup_steps": 30, "checkpoint_every": 50,
                  "eval_windows": 256},
        "grid": {"params": [6e3, 1.5e4, 4e4, 1e5, 2e5, 4e5], "tokens": [2.0e6]},
    },
}


def preset(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r} (presets: {', '.join(PRESETS)})")
    return PRESETS[name]
