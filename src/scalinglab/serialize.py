"""JSON conversion and atomic file writes shared by results, reports and the CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from scalinglab.atomic import write_bytes_atomic, write_text_atomic

__all__ = ["dumps", "jsonable", "read_json", "write_bytes_atomic", "write_text_atomic"]


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


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or malformed file is a one-line InputError naming it."""
    import json as _json

    from scalinglab.errors import InputError

    path = Path(path)
    try:
        return _json.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is not part of the JSON
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a JSON file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    except _json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                         file=str(path)) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {type(exc).__name__}", file=str(path)) from None
