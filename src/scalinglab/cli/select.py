"""``scalinglab select``: rank candidate laws by how well they extrapolate to the largest runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.atomic import check_writable
from scalinglab.cli import options as opt
from scalinglab.cli.common import emit, handle_errors


def register(app: typer.Typer) -> None:
    app.command("select")(select)


@handle_errors
def select(
    data: Annotated[str, typer.Argument(help="Runs table (.csv/.tsv/.parquet/.jsonl) or bundled:NAME.")],
    laws: Annotated[str, typer.Option("--laws", help="Comma-separated candidate laws, e.g. "
                                                     "chinchilla,kaplan,compute.")],
    split: Annotated[str, typer.Option("--split", help="Hold out the largest runs by N, D or C.")] = "N",
    holdout: Annotated[float, typer.Option("--holdout", help="Fraction of runs (at least) held out.")] = 0.2,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Refits of resampled train runs for the "
                                                               "error intervals (0: none).")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the ranking as JSON here (read back by "
                                                           "SelectionResult.load).")] = None,
    json: opt.Json = False,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    flops_col: opt.FlopsCol = None,
    loss_col: opt.LossCol = None,
    unique_tokens_col: opt.UniqueTokensCol = None,
    where: opt.Where = None,
    col: opt.Col = None,
) -> None:
    """Fit each law on the smaller runs, score it on the larger ones, rank by extrapolation error."""
    from scalinglab.data.runs import load_runs, parse_col_options
    from scalinglab.fitting.selection import select_laws
    from scalinglab.laws.registry import get_law

    if out is not None:
        check_writable(out)  # before the fits: a bad --out fails at once and writes nothing
    names = [name.strip() for name in laws.split(",") if name.strip()]
    candidates = [get_law(n) for n in names]
    need = {split, "loss"} | {law.column_of(k) for law in candidates for k in law.inputs}
    variables = list({v.name: v for law in candidates for v in law.variables}.values())
    runs = load_runs(data, params_col=params_col, tokens_col=tokens_col, flops_col=flops_col,
                     loss_col=loss_col, unique_tokens_col=unique_tokens_col, where=where,
                     require=tuple(sorted(need)), columns=parse_col_options(col), inputs=variables)
    result = select_laws(runs, names, split=split, holdout=holdout, bootstrap=bootstrap, seed=seed)
    if out is not None:
        result.save(out)
    emit(result, json)
