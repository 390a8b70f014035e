"""The ``scalinglab`` command: registers each command group's module."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from scalinglab.cli.options import aliases

app = typer.Typer(
    name="scalinglab",
    help="Fit neural scaling laws, predict untrained models, and plan compute.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: flags without a <bool> placeholder (typer 0.29's rich help adds one)
    context_settings=aliases(),
)

#: Command modules, each with ``register(app)``. They import their libraries lazily, so that
#: ``scalinglab --help`` stays quick.
COMMAND_MODULES = ("core", "select", "plan", "curves", "skills", "observe", "density", "report", "sweep",
                   "test_time", "datasets", "post", "scores")



def _print_version(value: bool) -> None:
    if value:
        from scalinglab import __version__

        typer.echo(f"scalinglab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
          ) -> None:
    """Fit neural scaling laws, predict untrained models, and plan compute."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"scalinglab.cli.{_name}").register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
