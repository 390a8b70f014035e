"""``scalinglab datasets`` and ``scalinglab export``: the tables shipped in the package, as files."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, handle_errors
from scalinglab.cli.options import a, o


def register(app: typer.Typer) -> None:
    app.command("datasets")(handle_errors(datasets))
    app.command("export")(handle_errors(export))


def datasets(json_out: opt.Json = False) -> None:
    """List the data sets shipped in the package (usable as bundled:NAME)."""
    from scalinglab.data.bundled import BundledDatasets

    listing = BundledDatasets()
    echo_json(listing.rows) if json_out else typer.echo(listing.text())  # --json: the list of rows


def export(
    source: a(str, "bundled:NAME (see `scalinglab datasets`) or a table file."),
    out: o(Path, "File to write: .csv, .tsv, .parquet or .jsonl.", "--out", "-o"),
) -> None:
    """Write a bundled data set (or convert a table) to a file, in the format of its suffix."""
    from scalinglab.data.io import read_table
    from scalinglab.data.write import write_table

    frame = read_table(source)
    write_table(frame, out)
    typer.echo(f"wrote {out} ({len(frame)} rows, {frame.shape[1]} columns)")
