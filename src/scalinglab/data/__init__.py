"""Runs tables: read files, map columns to canonical names, validate every value.

The names below are imported on first use (PEP 562): ``scalinglab.data.columns`` and
``scalinglab.data.fastcsv`` load without pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scalinglab.data.io import read_table
    from scalinglab.data.runs import RunsTable, load_runs

_WHERE = {"read_table": "io", "RunsTable": "runs", "load_runs": "runs"}

__all__ = ["RunsTable", "load_runs", "read_table"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"scalinglab.data.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scalinglab.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
