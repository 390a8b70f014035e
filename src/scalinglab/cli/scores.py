"""``scalinglab import-scores``: lm-evaluation-harness results and leaderboard exports to a score table."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, emit, handle_errors
from scalinglab.cli.options import a, o


def import_scores(
    sources: a(list[str], "lm-evaluation-harness result files (results_*.json), folders holding them (searched "
                          "recursively), or Open LLM Leaderboard contents exports (.csv/.parquet/.jsonl)."),
    out: o(Path, "Score table to write (.csv, .tsv, .parquet, .jsonl).", "--out", "-o") = Path("scores.csv"),
    meta: o(Path | None, "Table of model metadata joined on its Model column: Family, '#Params (B)', "
                         "'Pretraining Data Size (T)', release_date (and any other columns).") = None,
    family: o(str | None, "Family of the imported models that --meta leaves without one.") = None,
    mapping: o(list[str] | None, "Map a harness task to a benchmark column, TASK=COLUMN or TASK=COLUMN:METRIC "
                                 "(repeatable), e.g. --map lambada_openai=LAMBADA:acc.", "--map") = None,
    skip_unknown: o(bool, "Skip tasks with no mapping instead of stopping.", "--skip-unknown") = False,
    json: opt.Json = False,
) -> None:
    """Build the score table that skills, observe and density read (docs/benchmark_laws.md)."""
    from scalinglab.skills.score_import import import_scores as run
    from scalinglab.skills.score_import import parse_mapping

    check_outputs(out)
    res = run(sources, mapping=parse_mapping(mapping), meta=meta, family=family, skip_unknown=skip_unknown)
    res.write(out)
    emit(res, json)


def register(app: typer.Typer) -> None:
    """Add the ``import-scores`` command to the top-level app."""
    app.command("import-scores")(handle_errors(import_scores))
