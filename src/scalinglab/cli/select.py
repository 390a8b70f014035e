"""``scalinglab select``: rank candidate laws by how well they extrapolate to the largest runs."""

from __future__ import annotations

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import check_outputs, emit, handle_errors
from scalinglab.cli.options import o


def register(app: typer.Typer) -> None:
    app.command("select")(handle_errors(select))


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
    from scalinglab.data.runs import load_runs
    from scalinglab.fitting.selection import select_laws
    from scalinglab.laws.registry import get_law

    check_outputs(out)  # before the fits: a bad --out fails at once and writes nothing
    names = [name.strip() for name in laws.split(",") if name.strip()]
    candidates = [get_law(n) for n in names]
    need = {split, "loss"} | {law.column_of(k) for law in candidates for k in law.inputs}
    variables = list({v.name: v for law in candidates for v in law.variables}.values())
    runs = load_runs(data, require=tuple(sorted(need)), inputs=variables, **columns)
    result = select_laws(runs, names, split=split, holdout=holdout, bootstrap=bootstrap, seed=seed)
    if out is not None:
        result.save(out)
    emit(result, json)
