"""Canonical run-table columns and their aliases, and ``--col INPUT=COLUMN`` parsing (no pandas here)."""

from __future__ import annotations

from collections.abc import Iterable

from scalinglab.errors import InputError

#: Canonical numeric columns, and the names they are commonly found under (matched case-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "N": ("N", "params", "parameters", "num_params", "n_params", "model_size", "model size", "params_n",
          "#params", "num_parameters", "non_embedding_params"),
    "D": ("D", "tokens", "num_tokens", "n_tokens", "tokens_d", "training_tokens", "tokens_seen",
          "train_tokens", "data_size"),
    "C": ("C", "flops", "compute", "training flop", "training_flop", "training_flops", "train_flops",
          "flop"),
    "loss": ("loss", "final_loss", "val_loss", "validation_loss", "final_val_loss", "eval_loss",
             "train_loss"),
    "unique_tokens": ("unique_tokens", "unique_tokens_u", "U", "unique"),
    "active_params": ("active_params", "n_active", "active_parameters"),
    "step": ("step", "steps", "iteration", "iter"),
    "seed": ("seed",),
}
MODEL_ALIASES = ("model", "run", "name", "model_name", "run_name")
POSITIVE = ("N", "D", "C", "loss", "unique_tokens", "active_params")


def parse_col_options(items: Iterable[str] | None) -> dict[str, str]:
    """``["experts=num_experts", ...]`` (the CLI's repeatable ``--col INPUT=COLUMN``) → {input: column}."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"`col` expects INPUT=COLUMN, got {item!r}")
        out[key.strip()] = value.strip()
    return out
