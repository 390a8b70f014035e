"""JSON conversion and atomic file writes shared by results, reports and the CLI."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from scalinglab.atomic import write_bytes_atomic, write_text_atomic

__all__ = ["dumps", "jsonable", "write_bytes_atomic", "write_text_atomic"]


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
