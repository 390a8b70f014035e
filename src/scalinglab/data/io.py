"""The one table loader: CSV, TSV, Parquet and JSON Lines into a DataFrame, or a one-line InputError."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalinglab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

BUNDLED_PREFIX = "bundled:"


def resolve_path(source: str | Path) -> Path:
    """A file path, or ``bundled:NAME`` for a data set shipped inside the package."""
    text = str(source)
    if not text.strip():  # '' read as '.': 'error: .: is a directory, not a table file'
        raise InputError("the table's file name is empty")
    if text.startswith(BUNDLED_PREFIX):
        from scalinglab.datasets import bundled_path

        return bundled_path(text[len(BUNDLED_PREFIX):])
    return Path(text)


def read_table(source: str | Path) -> pd.DataFrame:
    """Read a table by its suffix: .csv/.txt (comma, semicolon or tab: detected from the header), .tsv/.tab,
    .parquet/.pq, .jsonl/.ndjson/.json (JSON Lines, or one array of objects). A BOM is ignored; duplicate
    column names, unreadable files and bad JSON lines are one-line InputErrors naming the file."""
    path = resolve_path(source)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a table file", file=str(path))
    suffix = path.suffix.lower()
    import pandas as pd  # here, so that the pandas-free readers can share this module's helpers

    try:
        if suffix in (".csv", ".txt"):
            frame = _read_delimited(path, None)
        elif suffix in (".tsv", ".tab"):
            frame = _read_delimited(path, "\t")
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = _read_json_records(path)
        else:
            raise InputError(f"unknown table format {suffix!r} (use .csv, .tsv, .parquet or .jsonl)",
                             file=str(path))
    except InputError:
        raise
    except Exception as exc:  # pandas, OSError, UnicodeDecodeError, and pyarrow's own types for parquet
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read table: {first}", file=str(path)) from None
    _check_names([str(c) for c in frame.columns], str(path))
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputError("the table has no data rows", file=str(path))
    return frame


def _check_names(names: list[str], file: str) -> None:
    seen: set[str] = set()
    for name in names:
        key = name.strip()
        if key in seen:
            raise InputError("duplicate column name", file=file, column=key)
        seen.add(key)


def detect_delimiter(header: str) -> str:
    """The delimiter of a header line: comma if it has one, else tab, else semicolon, else comma."""
    for sep in (",", "\t", ";", "|"):
        if sep in header:
            return sep
    return ","


def _read_delimited(path: Path, sep: str | None) -> pd.DataFrame:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    if not header.strip():
        raise InputError("the file is empty or its first line (the header) is blank", file=str(path))
    sep = sep or detect_delimiter(header)
    _check_names(next(csv.reader([header], delimiter=sep)), str(path))
    import pandas as pd

    return pd.read_csv(path, sep=sep, encoding="utf-8-sig")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _loads(text: str, path: Path, line: int | None) -> Any:
    """Parse JSON (a whole file, or line ``line`` of a JSON Lines file) with one-line errors."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {line or exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})",
                         file=str(path)) from None
    except ValueError as exc:
        message = f"not valid JSON ({exc})" if line is None else f"line {line}: {exc}"
        raise InputError(message, file=str(path)) from None


def _no_whole_document(text: str, path: Path) -> None:
    """A JSON Lines table has one object per line; one object over many lines (a fit file) is an error."""
    first = text.lstrip().splitlines()[0]
    try:
        json.loads(first)
        return  # the first line is a record: a JSON Lines table
    except json.JSONDecodeError:
        pass
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return  # not one JSON document either: the line-by-line reader names the bad line
    what = ("a saved fit (from `scalinglab fit --out`; predict and the planners read it)"
            if isinstance(document, dict) and "law" in document else "one JSON document")
    kind = str(document.get("format", "")) if isinstance(document, dict) else ""
    if kind.startswith("scalinglab.test-time-fit"):
        what = "a saved test-time fit (from `scalinglab test-time fit --out`; `scalinglab plan test-time` reads it)"
    elif kind.startswith("scalinglab.test-time-sizes"):
        what = ("a saved size law (from `scalinglab test-time sizes --out`; `scalinglab plan test-time --size-law` "
                "reads it)")
    raise InputError(f"is {what}, not a table: a table is CSV, TSV, Parquet, JSON Lines (one object per "
                     "line) or a JSON array of objects", file=str(path))


def _read_json_records(path: Path) -> pd.DataFrame:
    import pandas as pd

    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("["):
        records = _loads(text, path, None)
        if not all(isinstance(r, dict) for r in records):
            raise InputError("a JSON array table must hold one object per row", file=str(path))
        return pd.DataFrame.from_records(records)
    if text.lstrip().startswith("{") and "\n" in text.strip():
        _no_whole_document(text, path)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = _loads(line, path, number)
        if not isinstance(record, dict):
            raise InputError(f"line {number}: expected one JSON object per line", file=str(path))
        records.append(record)
    return pd.DataFrame.from_records(records)
