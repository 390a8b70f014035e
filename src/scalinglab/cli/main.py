"""The ``scalinglab`` command: registers each command group's module.

:data:`app` is the full application (every command; the tests and ``cli/reference.py`` use it), built on
first access. :func:`main`, the entry point, builds only the command that ``argv[1]`` names (with its
module, :data:`COMMANDS`), so that e.g. ``scalinglab predict`` does not import and build the other 40-odd
commands; no arguments, ``--help``, ``--version`` or an unknown name get the full application.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import typer

from scalinglab.cli.options import aliases

#: Top-level command or group name → the module that registers it. Each module's ``app`` is its group (a
#: named Typer) or holds its top-level commands (unnamed); modules import their libraries lazily, so that
#: ``scalinglab --help`` stays quick. A test checks that this is exactly what the full application registers.
COMMANDS = {
    "fit": "core", "predict": "core", "optimal": "core", "laws": "core", "select": "select", "plan": "plan",
    "evaluate": "curves", "forecast": "curves", "import-curves": "curves", "skills": "skills",
    "observe": "observe", "density": "density", "report": "report", "sweep": "sweep", "test-time": "test_time",
    "datasets": "datasets", "export": "datasets", "post": "post", "import-scores": "scores",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def register(module: str, application: typer.Typer) -> None:
    """Add the commands of ``scalinglab.cli.<module>`` to ``application``: its group, or its top-level commands."""
    commands = importlib.import_module(f"scalinglab.cli.{module}").app
    if commands.info.name:
        application.add_typer(commands, name=commands.info.name)
    else:
        application.registered_commands += commands.registered_commands


def _print_version(value: bool) -> None:
    if value:
        from scalinglab import __version__

        typer.echo(f"scalinglab {__version__}")
        raise typer.Exit()


def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
          ) -> None:
    """Fit neural scaling laws, predict untrained models, and plan compute."""


def build_app(only: str | None = None) -> typer.Typer:
    """The application: every command (``only=None``), or just the command or group ``only`` of :data:`COMMANDS`."""
    application = typer.Typer(
        name="scalinglab",
        help="Fit neural scaling laws, predict untrained models, and plan compute.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain click help: flags without a <bool> placeholder (typer 0.29's rich help adds one)
        context_settings=aliases(),
    )
    application.callback()(_root)
    for module in COMMAND_MODULES if only is None else (COMMANDS[only],):
        register(module, application)
    if only is not None:  # the module may register siblings (core: fit, predict, optimal, laws): keep one
        application.registered_commands = [c for c in application.registered_commands if c.name == only]
        application.registered_groups = [g for g in application.registered_groups if g.name == only]
    return application


def _full_app() -> typer.Typer:
    """The full application, built once and kept as :data:`app`."""
    if "app" not in globals():
        globals()["app"] = build_app()
    return globals()["app"]


def __getattr__(name: str) -> Any:
    """``app``: the full application, built on first access."""
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(args: list[str]) -> typer.Typer:
    """The application for command line ``args``: just the command ``args[0]`` names, else the full one."""
    return build_app(args[0]) if args and args[0] in COMMANDS else _full_app()


def main() -> None:
    """The ``scalinglab`` entry point (``sys.argv``), through :func:`app_for`."""
    app_for(sys.argv[1:])()


if __name__ == "__main__":
    main()
