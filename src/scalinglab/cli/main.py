"""The ``scalinglab`` command: registers each command group's module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="scalinglab",
    help="Fit neural scaling laws, predict untrained models, and plan compute.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# --- command modules: each defines register(app) -------------------------------------------
from scalinglab.cli import core as _core  # noqa: E402

_core.register(app)
from scalinglab.cli import observe as _observe  # noqa: E402

_observe.register(app)
from scalinglab.cli import density as _density  # noqa: E402

_density.register(app)
from scalinglab.cli import sweep as _sweep  # noqa: E402

_sweep.register(app)
# --- end of command modules ------------------------------------------------------------------


def main() -> None:
    app()


if __name__ == "__main__":
    main()
