"""Canonical run-table columns and their aliases, and option text: ``--col INPUT=COLUMN`` items and comma-separated
lists of numbers or names (no pandas here)."""

from __future__ import annotations

import math
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


def parse_numbers(text: str, name: str, *, positive: bool = False, whole: bool = False,
                  what: str = "numbers") -> tuple[float, ...]:
    """Comma-separated numbers of parameter ``name`` (with ``whole``: positive whole numbers, 1e4 allowed, as
    ints); a bad or empty list is one InputError naming `name` (in the CLI: its flag)."""
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"`{name}` must be comma-separated numbers, got {text!r}") from None
    if any(not math.isfinite(v) for v in values):  # nan/inf: int(nan) was a traceback, inf passed on unnamed
        raise InputError(f"`{name}` must be finite numbers, got {text!r}")
    if whole:
        if not values or any(v < 1 or v != int(v) for v in values):
            raise InputError(f"`{name}` must be positive whole numbers, got {text!r}")
        return tuple(int(v) for v in values)
    if not values:
        raise InputError(f"`{name}` is empty")
    if positive and any(not v > 0 for v in values):
        raise InputError(f"`{name}` must be positive {what}")
    return values


def parse_names(text: str | None, name: str) -> list[str] | None:
    """Comma-separated names of parameter ``name`` (None stays None; a list of nothing is an InputError)."""
    if text is None:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError(f"`{name}` is an empty list")
    return names
