"""``scalinglab import-scores``: lm-evaluation-harness results and leaderboard exports to a score table."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import skills
from scalinglab.cli.common import check_outputs, command, emit
from scalinglab.cli.options import Json, a, o

app = typer.Typer()


@command(app, "import-scores")
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
    json: Json = False,
) -> None:
    """Build the score table that skills, observe and density read (docs/benchmark_laws.md)."""
    check_outputs(out)
    res = skills.import_scores(sources, mapping=skills.parse_mapping(mapping), meta=meta, family=family,
                               skip_unknown=skip_unknown)
    res.write(out)
    emit(res, json)
