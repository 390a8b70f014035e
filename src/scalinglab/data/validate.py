"""Checks of loaded tables: columns present, numbers finite, positive, in range; one-line InputErrors.

Every check names the file, the 1-based data row (header excluded) and the column. Values in messages
are plain numbers (``inf``, ``1e+308``), never numpy reprs. Magnitudes above :data:`LIMIT` are refused:
products such as C = 6ND of such values leave the float range (1.8e308) and would turn into inf.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: Largest magnitude accepted for a quantity (parameters, tokens, FLOPs, loss, sizes).
LIMIT = 1e150


def plain(value: Any) -> str:
    """A value as a user reads it: numbers with ``g`` formatting, text quoted, numpy scalars unwrapped."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return f"{number:g}" if math.isfinite(number) else str(number)
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def check_columns(df: pd.DataFrame, columns: Sequence[str], *, file: str, what: str = "column",
                  exclude: Sequence[str] = ()) -> None:
    """Raise a one-line InputError for the first of ``columns`` not in ``df`` (listing numeric ones)."""
    import pandas as pd

    for col in columns:
        if col not in df.columns:
            numeric = [c for c in df.columns if c not in exclude and pd.api.types.is_numeric_dtype(df[c])]
            raise InputError(f"unknown {what} {col!r}; available: {', '.join(map(str, numeric))}",
                             file=file, column=col)


def numeric_column(df: pd.DataFrame, col: str, *, file: str, positive: bool = False, unit: bool = False,
                   limit: float | None = LIMIT, what: str = "value", hint: str = "") -> np.ndarray:
    """``df[col]`` as floats; missing cells stay NaN, anything else must be a finite number.

    ``positive``: > 0; ``unit``: in [0, 1] (``hint`` follows that error); ``limit``: magnitude at most
    this (None: no limit).
    """
    import pandas as pd

    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    missing = raw.isna().to_numpy()
    with np.errstate(invalid="ignore"):
        checks = [(np.isnan(values) & ~missing, "is not a number"),
                  (np.isinf(values), "is not a finite number")]
        if limit is not None:
            checks.append((np.isfinite(values) & (np.abs(values) > limit),
                           f"is outside the supported range (magnitude at most {limit:g})"))
        if positive:
            checks.append((values <= 0, "must be positive"))
        if unit:
            checks.append(((values < 0) | (values > 1), f"is outside [0, 1]{hint}"))
    for mask, problem in checks:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            shown = plain(raw.iloc[i]) if problem == "is not a number" else plain(values[i])
            raise InputError(f"{what} {shown} {problem}", file=file, row=i + 1, column=str(col))
    return values


# -- tables whose columns go by several names (test-time counts and curves) ----------------------------
def find_alias(frame: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    """The first alias present: exact names first, then case-insensitive (never for one-letter names,
    since ``N`` (parameters) and ``n`` (samples) differ only in case)."""
    exact = {str(c).strip(): c for c in frame.columns}
    hit = next((exact[a] for a in aliases if a in exact), None)
    if hit is not None:
        return hit
    lower = {str(c).strip().lower(): c for c in frame.columns}
    return next((lower[a.lower()] for a in aliases if len(a) > 1 and a.lower() in lower), None)


def alias_columns(frame: pd.DataFrame, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...],
                  source: str) -> dict[str, str]:
    """{key: column} for each key whose aliases name a column; a missing required key is one InputError."""
    found = {key: col for key, names in aliases.items() if (col := find_alias(frame, names)) is not None}
    for key in required:
        if key not in found:
            raise InputError(f"missing column {key!r} (looked for {', '.join(aliases[key])})", file=source,
                             column=key)
    return found


def checked_numbers(frame: pd.DataFrame, col: str, source: str, *, integer: bool = False, positive: bool = False,
             lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """``frame[col]`` as floats where every cell is present and a finite number (``integer``: whole;
    ``positive``: > 0; ``lo``/``hi``: bounds); the first bad cell is one InputError (file, row, column)."""
    import pandas as pd

    raw = frame[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    checks = [(raw.isna().to_numpy(), "value is missing or NaN"),
              (np.isnan(values) & ~raw.isna().to_numpy(), "is not a number"),
              (np.isinf(values), "is infinite")]
    with np.errstate(invalid="ignore"):
        if integer:
            checks.append((np.isfinite(values) & (values != np.round(values)), "must be a whole number"))
        if positive:
            checks.append((np.isfinite(values) & (values <= 0), "must be positive"))
        if lo is not None:
            checks.append((np.isfinite(values) & (values < lo), f"must be >= {lo:g}"))
        if hi is not None:
            checks.append((np.isfinite(values) & (values > hi), f"must be <= {hi:g}"))
    for mask, what in checks:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            cell = raw.iloc[i]
            cell = cell.item() if isinstance(cell, np.generic) else cell  # -1, not np.int64(-1)
            text = what if what.startswith("value is") else f"value {cell!r} {what}"
            raise InputError(text, file=source, row=i + 1, column=str(col))
    return values
