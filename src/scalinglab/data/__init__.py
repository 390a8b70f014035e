"""Runs tables: read files, map columns to canonical names, validate every value.

The names below are imported on first use (PEP 562): ``scalinglab.data.columns`` and
``scalinglab.data.fastcsv`` load without pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalinglab.lazy import lazy_exports

if TYPE_CHECKING:
    from scalinglab.data.bundled import BundledDatasets
    from scalinglab.data.io import read_table
    from scalinglab.data.runs import RunsTable, load_runs
    from scalinglab.data.write import write_table

__getattr__, __dir__ = lazy_exports(__name__, {
    "bundled": "BundledDatasets", "io": "read_table", "runs": "RunsTable load_runs", "write": "write_table"})
__all__ = ["BundledDatasets", "RunsTable", "load_runs", "read_table", "write_table"]
