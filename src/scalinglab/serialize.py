"""JSON conversion and atomic file writes shared by results, reports and the CLI."""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any


def jsonable(obj: Any) -> Any:
    """Numpy scalars/arrays → Python values; non-finite floats → None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


_NUM_LIST = re.compile(r"\[\s*((?:-?[0-9][0-9.eE+-]*|null)(?:,\s*(?:-?[0-9][0-9.eE+-]*|null))*)\s*\]")


def dumps(obj: Any) -> str:
    """Indented JSON with lists of numbers kept on one line (bootstrap draws stay readable)."""
    text = json.dumps(jsonable(obj), indent=2, allow_nan=False)
    return _NUM_LIST.sub(lambda m: "[" + ", ".join(s.strip() for s in m.group(1).split(",")) + "]", text)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and os.replace: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Atomic write of UTF-8 text (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or malformed file is a one-line InputError naming it."""
    import json as _json

    from scalinglab.errors import InputError

    path = Path(path)
    try:
        return _json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except (_json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from None
