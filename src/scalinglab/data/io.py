"""Read CSV, TSV, Parquet and JSON Lines into a DataFrame, or fail with a one-line InputError."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scalinglab.errors import InputError

BUNDLED_PREFIX = "bundled:"


def resolve_path(source: str | Path) -> Path:
    """A file path, or ``bundled:NAME`` for a data set shipped inside the package."""
    text = str(source)
    if text.startswith(BUNDLED_PREFIX):
        from scalinglab.datasets import bundled_path

        return bundled_path(text[len(BUNDLED_PREFIX):])
    return Path(text)


def read_table(source: str | Path) -> pd.DataFrame:
    """Read a table by its suffix: .csv, .tsv/.tab, .parquet/.pq, .jsonl/.ndjson (and .json lines)."""
    path = resolve_path(source)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a table file", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path)
        elif suffix in (".tsv", ".tab"):
            frame = pd.read_csv(path, sep="\t")
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.read_json(path, lines=True)
        else:
            raise InputError(f"unknown table format {suffix!r} (use .csv, .tsv, .parquet or .jsonl)",
                             file=str(path))
    except InputError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read table: {first}", file=str(path)) from None
    except Exception as exc:  # pyarrow raises its own error types for corrupt parquet
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read table: {first}", file=str(path)) from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise InputError("the table has no data rows", file=str(path))
    return frame
