"""``scalinglab import-scores``: lm-evaluation-harness results and leaderboard exports to a score table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli.common import emit, handle_errors


def import_scores(
    sources: Annotated[list[str], typer.Argument(
        help="lm-evaluation-harness result files (results_*.json), folders holding them (searched "
             "recursively), or Open LLM Leaderboard contents exports (.csv/.parquet/.jsonl).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Score table to write (.csv, .tsv, .parquet, "
                                                          ".jsonl).")] = Path("scores.csv"),
    meta: Annotated[Path | None, typer.Option(
        "--meta", help="Table of model metadata joined on its Model column: Family, '#Params (B)', "
                       "'Pretraining Data Size (T)', release_date (and any other columns).")] = None,
    family: Annotated[str | None, typer.Option(
        "--family", help="Family of the imported models that --meta leaves without one.")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="Map a harness task to a benchmark column, TASK=COLUMN or TASK=COLUMN:METRIC "
                      "(repeatable), e.g. --map lambada_openai=LAMBADA:acc.")] = None,
    skip_unknown: Annotated[bool, typer.Option(
        "--skip-unknown", help="Skip tasks with no mapping instead of stopping.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Build the score table that skills, observe and density read (docs/benchmark_laws.md)."""
    from scalinglab.atomic import check_writable
    from scalinglab.skills.score_import import import_scores as run
    from scalinglab.skills.score_import import parse_mapping

    check_writable(out)
    res = run(sources, mapping=parse_mapping(mapping), meta=meta, family=family, skip_unknown=skip_unknown)
    res.write(out)
    emit(res, json)


def register(app: typer.Typer) -> None:
    """Add the ``import-scores`` command to the top-level app."""
    app.command("import-scores")(handle_errors(import_scores))
