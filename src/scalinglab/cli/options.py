"""The CLI's one option vocabulary: shared declarations, and the old names kept as hidden aliases.

Columns of an input table are ``--X-col`` everywhere; ``--json`` prints the result's ``to_dict()``;
``--out`` names only outputs. Old spellings still parse for a release (:func:`aliases`) but are not
shown in ``--help``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

#: Old option names (without the dashes) → their new names, accepted by every command.
OLD_NAMES = {"params-column": "params-col", "tokens-column": "tokens-col", "loss-column": "loss-col",
             "family-column": "family-col", "date-column": "date-col", "model-column": "model-col"}


def aliases(**renamed: str) -> dict[str, Any]:
    """``context_settings`` for a command or group that also accepts ``renamed`` (old=new, with ``_``
    for ``-``) and :data:`OLD_NAMES`; click normalises each option name before matching it."""
    table = {**OLD_NAMES, **{old.replace("_", "-"): new for old, new in renamed.items()}}
    return {"token_normalize_func": lambda name: table.get(name, name)}


def o(kind: Any, help: str, *decls: str, **kwargs: Any) -> Any:
    """A command's own option in one line: ``Annotated[kind, typer.Option(*decls, help=help, **kwargs)]``
    (no ``decls``: the flag is the parameter's name, ``seed_noise`` → ``--seed-noise``)."""
    return Annotated[kind, typer.Option(*decls, help=help, **kwargs)]


def a(kind: Any, help: str, **kwargs: Any) -> Any:
    """A command's argument in one line: ``Annotated[kind, typer.Argument(help=help, **kwargs)]``."""
    return Annotated[kind, typer.Argument(help=help, **kwargs)]


ParamsCol = o(str | None, "Column with parameter counts N.", "--params-col")
TokensCol = o(str | None, "Column with training tokens D.", "--tokens-col")
FlopsCol = o(str | None, "Column with training FLOPs C.", "--flops-col")
LossCol = o(str | None, "Column with the loss (nats/token).", "--loss-col")
ModelCol = o(str | None, "Column with model/run names.", "--model-col")
UniqueTokensCol = o(str | None, "Column with unique tokens U (data-constrained).", "--unique-tokens-col")
Where = o(str | None, 'Keep rows matching a filter, e.g. "loss < 3.44".', "--where")
DropInvalid = o(bool, "Skip invalid rows (and count them) instead of stopping at the first.", "--drop-invalid")
Col = o(list[str] | None, "Map a law input (or loss/model) to a column, INPUT=COLUMN (repeatable), e.g. --col "
                          "experts=num_experts; `scalinglab laws` lists each law's inputs.", "--col")
Law = o(str, "Law to fit: chinchilla, kaplan, kaplan-n, kaplan-d, kaplan-c, compute, ...", "--law")
Json = o(bool, "Print one JSON document instead of a report.", "--json")
Seed = o(int | None, "Seed of the bootstrap.", "--seed")
Bootstrap = o(int, "Bootstrap resamples for intervals (0: none).", "--bootstrap")
Fit = o(Path | None, "FIT.json from `scalinglab fit --out`.", "--fit")
Preset = o(str | None, "Published constants, e.g. epoch2024.", "--preset")
RunsArg = a(str, "Runs table (.csv/.tsv/.parquet/.jsonl) or bundled:NAME.")
LossObjective = o(str, "Objective: huber (default), lsq, asymmetric.", "--loss")
Delta = o(float, "Huber threshold on log residuals.", "--delta")

#: The options of a runs table, added to a command by :func:`runs_columns` (name → annotation, default).
RUNS_COLUMNS: dict[str, tuple[Any, Any]] = {
    "params_col": (ParamsCol, None), "tokens_col": (TokensCol, None), "flops_col": (FlopsCol, None),
    "loss_col": (LossCol, None), "model_col": (ModelCol, None), "unique_tokens_col": (UniqueTokensCol, None),
    "where": (Where, None), "drop_invalid": (DropInvalid, False), "col": (Col, None)}


def option_group(options: dict[str, tuple[Any, Any]], *names: str, into: str,
                 convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
    """Decorator: add the options ``names`` of ``options`` (name → (annotation, default); default: all) to a
    command, and pass the values to it as one dict, keyword ``into`` (after ``convert``, if given)."""
    names = names or tuple(options)

    def decorate(func):
        sig = inspect.signature(func, eval_str=True)
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=options[n][1],
                                   annotation=options[n][0]) for n in names]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            group = {n: kwargs.pop(n) for n in names if n in kwargs}
            return func(*args, **{into: convert(group) if convert else group}, **kwargs)

        kept = [p for p in sig.parameters.values() if p.name != into]
        wrapper.__signature__ = sig.replace(parameters=kept + extra)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _parse_col(columns: dict[str, Any]) -> dict[str, Any]:
    """The runs-table options with ``col`` (INPUT=COLUMN items) parsed to ``columns["columns"]``."""
    from scalinglab.data.columns import parse_col_options

    if "col" in columns:
        columns["columns"] = parse_col_options(columns.pop("col"))
    return columns


def runs_columns(*names: str):
    """Decorator: add the runs-table options ``names`` (default: all of :data:`RUNS_COLUMNS`) to a command
    and pass them to it as one dict, ``columns`` (``col`` already parsed to ``columns["columns"]``)."""
    return option_group(RUNS_COLUMNS, *names, into="columns", convert=_parse_col)
