"""Option declarations shared by commands that read runs tables (fit, report, evaluate, ...)."""

from __future__ import annotations

from typing import Annotated

import typer

ParamsCol = Annotated[str | None, typer.Option("--params-col", help="Column with parameter counts N.")]
TokensCol = Annotated[str | None, typer.Option("--tokens-col", help="Column with training tokens D.")]
FlopsCol = Annotated[str | None, typer.Option("--flops-col", help="Column with training FLOPs C.")]
LossCol = Annotated[str | None, typer.Option("--loss-col", help="Column with the loss (nats/token).")]
ModelCol = Annotated[str | None, typer.Option("--model-col", help="Column with model/run names.")]
Where = Annotated[str | None, typer.Option("--where", help='Keep rows matching a filter, e.g. "loss < 3.44".')]
DropInvalid = Annotated[bool, typer.Option("--drop-invalid", help="Skip invalid rows (and count them) "
                                                                  "instead of stopping at the first.")]
Law = Annotated[str, typer.Option("--law", help="Law to fit: chinchilla, kaplan, kaplan-n, kaplan-d, "
                                               "kaplan-c, compute, ...")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a report.")]
UniqueTokensCol = Annotated[str | None, typer.Option("--unique-tokens-col",
                                                    help="Column with unique tokens U (data-constrained).")]
Col = Annotated[list[str] | None, typer.Option(
    "--col", help="Map a law input (or loss/model) to a column, INPUT=COLUMN (repeatable), e.g. "
                  "--col experts=num_experts; `scalinglab laws` lists each law's inputs.")]
