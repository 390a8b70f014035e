"""Runs tables: read files, map columns to canonical names, validate every value."""

from scalinglab.data.io import read_table
from scalinglab.data.runs import RunsTable, load_runs

__all__ = ["RunsTable", "load_runs", "read_table"]
