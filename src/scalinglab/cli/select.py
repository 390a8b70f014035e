"""``scalinglab select``: rank candidate laws by how well they extrapolate to the largest runs."""

from __future__ import annotations

import typer

from scalinglab import fitting
from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, command, emit, parse_names
from scalinglab.cli.options import o

app = typer.Typer()


@command(app, "select")
@opt.runs_columns("params_col", "tokens_col", "flops_col", "loss_col", "unique_tokens_col", "where", "col")
def select(
    data: opt.RunsArg, columns: dict,
    laws: o(str, "Comma-separated candidate laws, e.g. chinchilla,kaplan,compute."),
    split: o(str, "Hold out the largest runs by N, D or C.") = "N",
    holdout: o(float, "Fraction of runs (at least) held out.") = 0.2,
    bootstrap: o(int, "Refits of resampled train runs for the error intervals (0: none).") = 100,
    seed: opt.Seed = 0, out: o(opt.Path | None, "Write the ranking as JSON here.") = None,
    json: opt.Json = False,
) -> None:
    """Fit each law on the smaller runs, score it on the larger ones, rank by extrapolation error."""
    check_outputs(out)  # before the fits: a bad --out fails at once and writes nothing
    result = fitting.select_laws_file(data, parse_names(laws, "--laws"), split=split, holdout=holdout,
                                      bootstrap=bootstrap, seed=seed, columns=columns)
    if out is not None:  # quietly: the text is exactly the ranking's (SelectionResult.load(out).text())
        result.save(out)
    emit(result, json)
