"""Write a table as CSV, TSV, Parquet or JSON Lines (chosen by the file's suffix), atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from scalinglab.errors import InputError
from scalinglab.serialize import write_bytes_atomic

SUFFIXES = (".csv", ".tsv", ".tab", ".parquet", ".pq", ".jsonl", ".ndjson")


def table_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """The bytes of ``frame`` in the format that ``suffix`` names (the formats ``read_table`` reads)."""
    suffix = suffix.lower()
    if suffix == ".csv":
        return frame.to_csv(index=False).encode("utf-8")
    if suffix in (".tsv", ".tab"):
        return frame.to_csv(index=False, sep="\t").encode("utf-8")
    if suffix in (".parquet", ".pq"):
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    if suffix in (".jsonl", ".ndjson"):
        return frame.to_json(orient="records", lines=True).encode("utf-8")
    raise InputError(f"unknown table format {suffix!r} (use {', '.join(SUFFIXES)})")


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` in the format of its suffix; never a half-written file."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a directory; give a file name such as runs.csv", file=str(path))
    try:
        data = table_bytes(frame, path.suffix)
    except InputError as exc:
        raise InputError(exc.detail, file=str(path)) from None
    write_bytes_atomic(path, data)
    return path
