"""The one table loader: CSV, TSV, Parquet and JSON Lines into a DataFrame, or a one-line InputError."""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalinglab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

BUNDLED_PREFIX = "bundled:"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", ".jsonl", ".ndjson", ".json")

#: Byte-order marks and the codec that reads past each; UTF-32 first, as its LE mark starts with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"), (codecs.BOM_UTF8, "utf-8-sig"))
#: The first bytes of binary files that get a text suffix by mistake: (magic, what it is, what to do).
_MAGIC = ((b"\x1f\x8b", "a gzip-compressed file", ": decompress it first"),
          (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one)", ": save the sheet as CSV"),
          (b"PAR1", "a Parquet file", ": name it .parquet"),
          (b"\x89PNG", "a PNG image", ""), (b"%PDF", "a PDF document", ""))
_TEXT_BYTES = bytes(range(32, 256)) + b"\t\n\r\f\v"  # what plain text is made of, besides rare controls
_EXPECTED = re.compile(r"Expected (\d+) fields in line \d+, saw (\d+)")


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
    .parquet/.pq, .jsonl/.ndjson/.json (JSON Lines, or one array of objects). Text is UTF-8, or UTF-16/32
    with a BOM (Excel's "Unicode text"); a UTF-8 BOM is ignored. Binary files, text that is not UTF-8, rows
    with more fields than the header, unclosed quotes, duplicate column names, unreadable files and bad JSON
    lines are one-line InputErrors naming the file (and the row: row 1 is the first row under the header)."""
    path = resolve_path(source)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a table file", file=str(path))
    suffix = path.suffix.lower()
    import pandas as pd  # here, so that the pandas-free readers can share this module's helpers

    encoding = "utf-8-sig"
    try:
        if suffix in TEXT_SUFFIXES:
            encoding = _text_encoding(path)
        if suffix in (".csv", ".txt"):
            frame = _read_delimited(path, None, encoding)
        elif suffix in (".tsv", ".tab"):
            frame = _read_delimited(path, "\t", encoding)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = _read_json_records(path, encoding)
        else:
            raise InputError(f"unknown table format {suffix!r} (use .csv, .tsv, .parquet or .jsonl)",
                             file=str(path))
    except InputError:
        raise
    except UnicodeDecodeError:
        raise _decode_error(path, encoding) from None
    except Exception as exc:  # pandas, OSError, and pyarrow's own types for parquet
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


def _text_encoding(path: Path) -> str:
    """The codec of a text table, from its byte-order mark (UTF-8 without one); binary is an InputError."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    for magic, what, advice in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"is {what}, not a text table{advice}", file=str(path))
    if b"\x00" in head or len(head.translate(None, _TEXT_BYTES)) > len(head) // 20:
        raise InputError("is a binary file, not a text table (CSV, TSV and JSON Lines are plain text)",
                         file=str(path))
    return "utf-8-sig"


def _decode_error(path: Path, encoding: str) -> InputError:
    """A one-line error naming the first byte (and its line) that is not valid text in ``encoding``."""
    name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
    data = path.read_bytes()
    if encoding == "utf-8-sig":  # its error positions count from after the BOM
        data, encoding = data.removeprefix(codecs.BOM_UTF8), "utf-8"
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(encoding, errors="replace").count("\n") + 1
        return InputError(f"is not {name} text (byte 0x{data[exc.start]:02x} on line {line}): save it as UTF-8",
                          file=str(path))
    return InputError(f"is not {name} text: save it as UTF-8", file=str(path))


def _read_delimited(path: Path, sep: str | None, encoding: str) -> pd.DataFrame:
    """A CSV/TSV file (``sep`` None: detected from the header), with one-line errors for malformed rows."""
    with open(path, encoding=encoding, newline="") as fh:
        header = fh.readline()
    if not header.strip():
        raise InputError("the file is empty or its first line (the header) is blank", file=str(path))
    sep = sep or detect_delimiter(header)
    names = next(csv.reader([header], delimiter=sep))
    _check_names(names, str(path))
    first = None
    with contextlib.suppress(csv.Error):  # a field past csv's size limit, a NUL: pandas decides
        first = next(_records(path, sep, encoding), None)
    if first is not None and len(first[2]) > len(names):  # pandas would make the first column(s) the index
        raise _too_many_fields(path, *first, len(names))
    import pandas as pd

    try:
        return pd.read_csv(path, sep=sep, encoding=encoding)
    except pd.errors.ParserError as exc:
        raise _tokenizer_error(path, sep, encoding, len(names), str(exc)) from None


def _records(path: Path, sep: str, encoding: str) -> Iterator[tuple[int, int, list[str]]]:
    """(row, line, fields) of each record under the header; blank lines are no row, as in pandas."""
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        next(reader, None)
        row, end = 0, reader.line_num
        for fields in reader:
            start, end = end + 1, reader.line_num
            if fields:
                row += 1
                yield row, start, fields


def _too_many_fields(path: Path, row: int, line: int, fields: list[str], width: int) -> InputError:
    """The error for a row longer than the header (a hint when only empty fields are extra)."""
    trailing = "; a delimiter at the end of the line?" if not "".join(fields[width:]).strip() else ""
    return InputError(f"{len(fields)} fields, the header has {width} (line {line} of the file; row 1 is the "
                      f"first data row){trailing}", file=str(path), row=row)


def _unclosed_quote(path: Path, sep: str, encoding: str) -> tuple[int, int] | None:
    """(row, line) of the record whose quoted field runs to the end of the file, as the csv module sees it."""
    row, end = 0, 1
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, strict=True)
        try:
            next(reader, None)
            end = reader.line_num
            for fields in reader:
                row, end = row + bool(fields), reader.line_num
        except csv.Error as exc:
            return (row + 1, end + 1) if str(exc) == "unexpected end of data" else None
    return None


def _tokenizer_error(path: Path, sep: str, encoding: str, width: int, message: str) -> InputError:
    """pandas' tokenizer error as a plain sentence, at the row the csv module finds it on where it can."""
    with contextlib.suppress(csv.Error, OSError, UnicodeDecodeError):
        if "EOF inside string" in message:
            found = _unclosed_quote(path, sep, encoding)
            if found:
                return InputError(f'a quote (") opens a field that is never closed (line {found[1]} of the file; '
                                  "row 1 is the first data row)", file=str(path), row=found[0])
        else:
            long = next((r for r in _records(path, sep, encoding) if len(r[2]) > width), None)
            if long:
                return _too_many_fields(path, *long, width)
    counts = _EXPECTED.search(message)
    if counts:
        return InputError(f"a row has {counts[2]} fields, the header has {counts[1]}", file=str(path))
    kind = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(sep, repr(sep))
    return InputError(f"cannot be split into rows and fields as {kind}-separated text (check its quotes and "
                      "delimiters)", file=str(path))


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


def _read_json_records(path: Path, encoding: str = "utf-8-sig") -> pd.DataFrame:
    import pandas as pd

    text = path.read_text(encoding=encoding)
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
