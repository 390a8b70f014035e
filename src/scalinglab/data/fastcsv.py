"""A law's inputs from a plain CSV/TSV file, read without pandas — the fast path of ``predict --at``.

It takes only the plain case: a .csv/.txt/.tsv/.tab file whose columns for the law's inputs are found
directly (by alias or ``--col``) and whose every cell in a canonical column (N, D, C, loss, ...) and
in an input's column is a finite number in range (positive where the full loader demands it). Anything
else — a product or derived input, a missing or unparsable cell, quotes spanning lines, an unknown
``--col`` key, Parquet or JSON — returns None, and the caller uses ``scalinglab.data.runs`` (pandas),
which accepts exactly the same files and reports the first problem in one line naming file, row and
column. So this module never decides what is an error; it only skips pandas when nothing is wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.data.columns import ALIASES, POSITIVE
from scalinglab.data.io import BUNDLED_PREFIX, detect_delimiter
from scalinglab.data.validate import LIMIT

SUFFIXES = {".csv": None, ".txt": None, ".tsv": "\t", ".tab": "\t"}


def _match(names: list[str], aliases: tuple[str, ...]) -> int | None:
    """Index of the first alias among the header names (case-insensitive, stripped), as load_runs does."""
    lower: dict[str, int] = {}
    for i, name in enumerate(names):
        lower.setdefault(name.strip().lower(), i)  # load_runs keeps the last of equal keys; duplicates bail
    for alias in aliases:
        if alias.lower() in lower:
            return lower[alias.lower()]
    return None


def _numbers(cells: list[str], positive: bool) -> np.ndarray | None:
    """The cells as floats, or None unless every one is a plain finite number within LIMIT (> 0 if asked)."""
    try:
        values = np.array([float(c) for c in cells])
    except ValueError:
        return None
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values) & (np.abs(values) <= LIMIT)
        if positive:
            ok &= values > 0
    return values if ok.all() else None


def read_law_inputs_fast(source: Any, law: Any, columns: Mapping[str, str] | None = None
                         ) -> dict[str, np.ndarray] | None:
    """{input: values} for ``law``'s inputs from a plain delimited file, or None (use the full loader)."""
    if not isinstance(source, (str, Path)) or str(source).startswith(BUNDLED_PREFIX):
        return None
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES or not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    header = text.split("\n", 1)[0]
    if not header.strip():
        return None
    sep = SUFFIXES[suffix] or detect_delimiter(header)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if r]  # pandas skips blank lines
    names, body = rows[0], rows[1:]
    keys = [n.strip() for n in names]
    if not body or len(set(keys)) != len(keys) or len({k.lower() for k in keys}) != len(keys):
        return None
    if any(len(r) != len(names) for r in body):
        return None
    specs = {law.input_spec(k).table_column: law.input_spec(k) for k in law.inputs}
    by_input = {spec.name: canonical for canonical, spec in specs.items()}
    given: dict[str, int] = {}
    for key, col in (columns or {}).items():
        if key not in by_input or col not in names:
            return None
        given[by_input[key]] = names.index(col)
    found: dict[str, int] = {}
    for canonical, aliases in ALIASES.items():
        extra = tuple(specs[canonical].aliases) if canonical in specs else ()
        i = given.get(canonical, _match(names, tuple(aliases) + extra))
        if i is not None:
            found[canonical] = i
    for canonical, spec in specs.items():
        if canonical in ALIASES:
            continue
        i = given.get(canonical, _match(names, tuple(spec.aliases) or (spec.name,)))
        if i is None:
            return None  # a product input (V·d) or a missing column: the full loader decides
        found[canonical] = i
    if any(c not in found for c in specs):
        return None  # e.g. D from C/(6N): derived by the full loader
    signed_loss = not getattr(law, "log_response", True)
    values: dict[str, np.ndarray] = {}
    for canonical, i in found.items():
        cells = [r[i] for r in body]
        # float() also takes " 1", "1_000" and non-ASCII digits, which pandas reads otherwise
        if any(c != c.strip() or "_" in c or not c.isascii() for c in cells):
            return None
        if canonical in specs:
            positive = bool(specs[canonical].positive)
        else:
            positive = canonical in POSITIVE and not (canonical == "loss" and signed_loss)
        parsed = _numbers(cells, positive)
        if parsed is None:
            return None
        values[canonical] = parsed
    # the full loader derives C = 6ND (or D = C/(6N)) and refuses a derived value out of range
    derived = None
    if "C" not in values and "D" in values and "N" in values:
        derived = 6.0 * values["N"] * values["D"]
    elif "D" not in values and "C" in values and "N" in values:
        derived = values["C"] / (6.0 * values["N"])
    if derived is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            if not (np.isfinite(derived) & (derived > 0) & (derived <= LIMIT)).all():
                return None
    return {k: values[law.input_spec(k).table_column] for k in law.inputs}
