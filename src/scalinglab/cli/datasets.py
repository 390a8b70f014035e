"""``scalinglab datasets`` and ``scalinglab export``: the tables shipped in the package, as files."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import data
from scalinglab.cli.common import command, echo_json
from scalinglab.cli.options import Json, a, o

app = typer.Typer()


@command(app, "datasets")
def datasets(json_out: Json = False) -> None:
    """List the data sets shipped in the package (usable as bundled:NAME)."""
    listing = data.BundledDatasets()
    echo_json(listing.rows) if json_out else typer.echo(listing.text())  # --json: the list of rows


@command(app, "export")
def export(
    source: a(str, "bundled:NAME (see `scalinglab datasets`) or a table file."),
    out: o(Path, "File to write: .csv, .tsv, .parquet or .jsonl.", "--out", "-o"),
) -> None:
    """Write a bundled data set (or convert a table) to a file, in the format of its suffix."""
    frame = data.read_table(source)
    data.write_table(frame, out)
    typer.echo(f"wrote {out} ({len(frame)} rows, {frame.shape[1]} columns)")
