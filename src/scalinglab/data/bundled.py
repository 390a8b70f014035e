"""The list of data sets shipped in the package (``scalinglab datasets``), each usable as ``bundled:NAME``."""

from __future__ import annotations

from typing import Any

from scalinglab.results import Result


def _source_file(name: str) -> str:
    """The NAME.md / NAME_SOURCE.md / PREFIX_SOURCE.md beside a bundled table that cites its source."""
    from scalinglab.datasets import HERE

    for path in (HERE / f"{name}.md", HERE / f"{name}_SOURCE.md", HERE / f"{name.split('_')[0]}_SOURCE.md"):
        if path.is_file():
            return path.name
    return ""


class BundledDatasets(Result):
    """Name, rows, columns and source file of every bundled table."""

    def __init__(self) -> None:
        from scalinglab.data.io import read_table
        from scalinglab.datasets import available

        self.rows = []
        for name in available():
            frame = read_table(f"bundled:{name}")
            self.rows.append({"name": f"bundled:{name}", "rows": len(frame), "columns": frame.shape[1],
                              "source": _source_file(name)})

    def to_dict(self) -> dict[str, Any]:
        return {"datasets": self.rows}

    def text(self) -> str:
        return "\n".join(f"{r['name']:28s} {r['rows']:6d} rows × {r['columns']:3d} columns   source: {r['source']}"
                         for r in self.rows)
