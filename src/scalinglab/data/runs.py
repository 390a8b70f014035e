"""The runs table: canonical columns (model, N, D, C, loss, ...), filled and validated at the boundary.

Column names are found by common aliases or given explicitly. D = C/(6N) when only C is given and
C = 6ND when only D is (Kaplan et al. 2020, Sec. 2.1). Every bad value is reported with the file, the
1-based data row (header excluded) and the column, or skipped and counted with ``drop_invalid``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.columns import ALIASES, MODEL_ALIASES, POSITIVE, parse_col_options  # noqa: F401 - re-exported
from scalinglab.data.io import read_table
from scalinglab.data.validate import LIMIT, plain
from scalinglab.errors import InputError


@dataclass
class RunsTable:
    """A validated table of runs in canonical columns; ``frame`` keeps the original row numbers."""

    frame: pd.DataFrame
    source: str = "<table>"
    dropped: int = 0
    columns_used: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype=float)

    @property
    def N(self) -> np.ndarray:  # noqa: N802 - the papers' symbol
        return self.column("N")

    @property
    def D(self) -> np.ndarray:  # noqa: N802
        return self.column("D")

    @property
    def C(self) -> np.ndarray:  # noqa: N802
        return self.column("C")

    @property
    def loss(self) -> np.ndarray:
        return self.column("loss")



def _find_column(frame: pd.DataFrame, given: str | None, source: str,
                 aliases: Iterable[str]) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise InputError(f"column {given!r} not found (columns: {', '.join(map(str, frame.columns))})",
                             file=source, column=given)
        return given
    lower = {str(c).strip().lower(): c for c in frame.columns}
    for alias in aliases:
        if alias.lower() in lower:
            return lower[alias.lower()]
    return None


def _parse_numeric(frame: pd.DataFrame, col: str, canonical: str, source: str, row_numbers: np.ndarray,
                   drop_invalid: bool, bad: np.ndarray, positive: bool | None = None) -> np.ndarray:
    raw = frame[col]
    coerced = pd.to_numeric(raw, errors="coerce")
    values = coerced.to_numpy(dtype=float)
    missing = raw.isna().to_numpy()
    problems = [
        (missing, "is missing or NaN"),
        (coerced.isna().to_numpy() & ~missing, "is not a number"),
        (np.isinf(values), "is infinite"),
        (np.isfinite(values) & (np.abs(values) > LIMIT),
         f"is outside the supported range (magnitude at most {LIMIT:g})"),
    ]
    if (canonical in POSITIVE) if positive is None else positive:
        with np.errstate(invalid="ignore"):
            problems.append((np.isfinite(values) & (values <= 0), "must be positive"))
    for mask, what in problems:
        if mask.any():
            if not drop_invalid:
                i = int(np.flatnonzero(mask)[0])
                shown = raw.iloc[i] if what == "is not a number" else values[i]
                text = "value is missing or NaN" if what.startswith("is missing") else f"value {plain(shown)} {what}"
                raise InputError(text, file=source, row=int(row_numbers[i]), column=str(col))
            bad |= mask
    return values


def _check_derived(out: pd.DataFrame, found: dict[str, str], src: str, row_numbers: np.ndarray,
                   drop_invalid: bool, bad: np.ndarray) -> None:
    """A derived D = C/(6N) or C = 6ND must stay a positive finite number of at most LIMIT."""
    for key, how in (("D", "C/(6N)"), ("C", "6ND")):
        if key in found or key not in out:
            continue
        values = out[key].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            mask = ~bad & ~(np.isfinite(values) & (values > 0) & (values <= LIMIT))
        if mask.any():
            if not drop_invalid:
                i = int(np.flatnonzero(mask)[0])
                raise InputError(f"{key} = {how} = {plain(values[i])} is outside the supported range "
                                 f"(positive, at most {LIMIT:g})", file=src, row=int(row_numbers[i]))
            bad |= mask


def _where_mask(scope: pd.DataFrame, where: str, src: str) -> np.ndarray:
    """The rows where the filter holds; it must be a row-wise condition (one True/False per row)."""
    try:
        mask = scope.eval(where, engine="python")
    except Exception as exc:
        raise InputError(f"`where` {where!r}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                         file=src) from None
    if not isinstance(mask, pd.Series) or len(mask) != len(scope) or not pd.api.types.is_bool_dtype(mask):
        raise InputError(f"`where` {where!r} must be a row-wise condition (one true/false per row), "
                         "such as \"loss < 3.44\" or \"N > 1e8 and D < 1e11\"", file=src)
    return mask.fillna(False).to_numpy(dtype=bool)


def _mapped_columns(columns: Mapping[str, str], specs: Mapping[str, Any], model_col: str | None) -> dict:
    """Explicit columns by canonical name, from {input or canonical name: column}."""
    by_name = {v.name: canonical for canonical, v in specs.items()}
    known = set(ALIASES) | set(by_name) | {"model", "U"}
    out = {}
    for key, col in columns.items():
        if key not in known:
            raise InputError(f"`columns` {key}={col}: no such input (the law's inputs: "
                             f"{', '.join(by_name) or 'none'}; also loss, model)")
        if key == "model":
            continue
        out[by_name.get(key, "unique_tokens" if key == "U" else key)] = col
    return out


def _check_required(need: set[str], found: Mapping[str, str], specs: Mapping[str, Any], src: str) -> None:
    """Every required canonical column was found (or can be derived: D from C and N, C from N and D)."""
    if "D" in need and "D" not in found and not ("C" in found and "N" in found):
        need.discard("D")
        if "C" not in found or "N" not in found:
            raise InputError("no tokens column (D) and no compute column (C) to derive it from; "
                             "name one with `tokens_col` or `flops_col`", file=src)
    if "C" in need and "C" not in found and not ("D" in found and "N" in found):
        raise InputError("no compute column (C), nor N and D to derive it; name one with `flops_col`",
                         file=src)
    for canonical in need:
        if canonical not in found and canonical not in ("C", "D"):
            flag = {"N": "`params_col`", "loss": "`loss_col`", "unique_tokens": "`unique_tokens_col`"}.get(
                canonical, "")
            col_name = specs[canonical].name if canonical in specs else canonical
            how = f"{flag} or `columns` {col_name}=COLUMN" if flag else f"`columns` {col_name}=COLUMN"
            raise InputError(f"missing column for {col_name} (looked for "
                             f"{', '.join(ALIASES[canonical][:6])}); name it with {how}",
                             file=src, column=col_name)


def _apply_where(out: pd.DataFrame, raw: pd.DataFrame, where: str, src: str) -> pd.DataFrame:
    """Rows of ``out`` passing the pandas query ``where`` (on canonical and original columns)."""
    extra = raw.loc[out.index, [c for c in raw.columns if c not in out.columns]]
    try:
        keep = pd.concat([out, extra], axis=1).query(where, engine="python")
    except Exception as exc:
        raise InputError(f"`where` {where!r}: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                         file=src) from None
    return out.loc[keep.index]


def load_runs(
    source: str | Path | pd.DataFrame,
    *,
    params_col: str | None = None,
    tokens_col: str | None = None,
    flops_col: str | None = None,
    loss_col: str | None = None,
    model_col: str | None = None,
    unique_tokens_col: str | None = None,
    where: str | None = None,
    drop_invalid: bool = False,
    require: Sequence[str] = ("N", "D", "loss"),
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
    inputs: Sequence[Any] = (),
    signed_loss: bool = False,
) -> RunsTable:
    """Load and validate a runs table from a file (CSV/TSV/Parquet/JSONL, or ``bundled:NAME``) or a frame.

    ``require`` names the canonical columns the caller needs: ("N", "D", "loss") for a law of N and D,
    ("C", "loss") for the compute law. ``where`` is a pandas query on canonical and original columns.
    ``inputs`` are a law's declared inputs (``scalinglab.laws.Input``: name, aliases, table column); each
    is found by its aliases or by ``columns`` ({input name: column}, the CLI's ``--col NAME=COLUMN``),
    stored under its table column and required. ``signed_loss`` lets the loss be ≤ 0 (e.g. Tao et al.'s
    unigram-normalised loss).
    """
    if isinstance(source, pd.DataFrame):
        raw, src = source.reset_index(drop=True), name or "<table>"
    else:
        raw, src = read_table(source), name or str(source)
    row_numbers = np.arange(1, len(raw) + 1)
    given = {"N": params_col, "D": tokens_col, "C": flops_col, "loss": loss_col,
             "unique_tokens": unique_tokens_col}
    specs = {v.table_column: v for v in inputs}
    given |= _mapped_columns(columns or {}, specs, model_col)
    if "model" in (columns or {}):
        model_col = columns["model"]
    found: dict[str, str] = {}
    products: dict[str, tuple[str, str]] = {}
    for canonical, aliases in ALIASES.items():
        extra = specs[canonical].aliases if canonical in specs else ()
        col = _find_column(raw, given.get(canonical), src, tuple(aliases) + tuple(extra))
        if col is not None:
            found[canonical] = col
    for canonical, spec in specs.items():
        if canonical in ALIASES:
            continue
        col = _find_column(raw, given.get(canonical), src, spec.aliases or (spec.name,))
        factors = getattr(spec, "product_of", None)
        if col is None and factors:
            pair = [_find_column(raw, None, src, f) for f in factors]
            if all(p is not None for p in pair):
                products[canonical] = (pair[0], pair[1])
                continue
        if col is None:
            looked = ", ".join((spec.aliases or (spec.name,))[:6])
            what = f" ({spec.description})" if spec.description else ""
            raise InputError(f"no column for the law's input {spec.name!r}{what} (looked for {looked}); "
                             f"map it with `columns` {spec.name}=COLUMN", file=src, column=spec.name)
        found[canonical] = col
    require = tuple(require) + tuple(c for c in specs if c not in require)
    model_name = _find_column(raw, model_col, src, MODEL_ALIASES)

    _check_required(set(require) - set(products), found, specs, src)

    bad = np.zeros(len(raw), dtype=bool)
    out = pd.DataFrame(index=raw.index)
    out["model"] = raw[model_name].astype(str) if model_name else [f"run{i}" for i in row_numbers]
    for canonical, col in found.items():
        positive = None
        if canonical in specs:
            positive = bool(specs[canonical].positive)
        elif canonical == "loss" and signed_loss:
            positive = False
        out[canonical] = _parse_numeric(raw, col, canonical, src, row_numbers, drop_invalid, bad, positive)
    for canonical, (c1, c2) in products.items():
        out[canonical] = (_parse_numeric(raw, c1, canonical, src, row_numbers, drop_invalid, bad, True)
                          * _parse_numeric(raw, c2, canonical, src, row_numbers, drop_invalid, bad, True))
    if "D" not in out and "C" in out and "N" in out:
        out["D"] = out["C"] / (6.0 * out["N"])
    if "C" not in out and "D" in out and "N" in out:
        out["C"] = 6.0 * out["N"] * out["D"]
    _check_derived(out, found, src, row_numbers, drop_invalid, bad)
    for col in ("step", "seed"):
        if col in out:
            out[col] = out[col].astype(float)
    out["row"] = row_numbers
    dropped = int(bad.sum())
    out = out[~bad]

    if where:
        extra = raw.loc[out.index, [c for c in raw.columns if c not in out.columns]]
        out = out[_where_mask(pd.concat([out, extra], axis=1), where, src)]
    if len(out) == 0:
        raise InputError("no rows left after validation and filtering", file=src)
    used = dict(found)
    if model_name:
        used["model"] = str(model_name)
    return RunsTable(out.reset_index(drop=True), src, dropped, used)


def load_law_inputs(source: str | Path | pd.DataFrame, law: Any, *, columns: Mapping[str, str] | None = None,
                    with_loss: bool = True, **kwargs: Any) -> RunsTable:
    """A runs (or points) table with a column for each of ``law``'s declared inputs (``law.variables``),
    found by alias or by ``columns`` ({input: column}); the loss too unless ``with_loss`` is False.
    Other keywords go to ``load_runs``. Input ``X`` is then ``table.column(law.column_of(X))``."""
    require = tuple(law.column_of(k) for k in law.inputs) + (("loss",) if with_loss else ())
    return load_runs(source, columns=columns, inputs=law.variables, require=require,
                     signed_loss=not getattr(law, "log_response", True), **kwargs)
