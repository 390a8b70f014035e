"""``scalinglab datasets`` and ``scalinglab export``: the tables shipped in the package, as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli.common import echo_json, handle_errors


def register(app: typer.Typer) -> None:
    app.command("datasets")(datasets)
    app.command("export")(export)


def _source_file(name: str) -> str:
    """The NAME.md / NAME_SOURCE.md / PREFIX_SOURCE.md beside a bundled table that cites its source."""
    from scalinglab.datasets import HERE

    for path in (HERE / f"{name}.md", HERE / f"{name}_SOURCE.md", HERE / f"{name.split('_')[0]}_SOURCE.md"):
        if path.is_file():
            return path.name
    return ""


@handle_errors
def datasets(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the data sets shipped in the package (usable as bundled:NAME)."""
    from scalinglab.data.io import read_table
    from scalinglab.datasets import available

    rows = []
    for name in available():
        frame = read_table(f"bundled:{name}")
        rows.append({"name": f"bundled:{name}", "rows": len(frame), "columns": frame.shape[1],
                     "source": _source_file(name)})
    if json_out:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:28s} {r['rows']:6d} rows × {r['columns']:3d} columns   source: {r['source']}")


@handle_errors
def export(
    source: Annotated[str, typer.Argument(help="bundled:NAME (see `scalinglab datasets`) or a table file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .csv, .tsv, .parquet or .jsonl.")],
) -> None:
    """Write a bundled data set (or convert a table) to a file, in the format of its suffix."""
    from scalinglab.data.io import read_table
    from scalinglab.data.write import write_table

    frame = read_table(source)
    write_table(frame, out)
    typer.echo(f"wrote {out} ({len(frame)} rows, {frame.shape[1]} columns)")
