"""The ``scalinglab`` command: the full application (:data:`app`), or just the command ``argv[1]`` names.

:func:`main` builds only that command (with its module, :data:`COMMANDS`), so that ``scalinglab predict``
does not import and build the other 40-odd; no arguments, ``--help``, ``--version`` or an unknown name get
the full application, built on first access.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

import typer

from scalinglab.cli.options import aliases, o

#: Top-level command or group name → the module that registers it. Each module's ``app`` (an unnamed Typer)
#: holds its top-level commands and groups; modules import their libraries lazily, so that
#: ``scalinglab --help`` stays quick. A test checks that this is exactly what the full application registers.
COMMANDS = {
    "fit": "core", "predict": "core", "optimal": "core", "laws": "core", "select": "core", "plan": "plan",
    "evaluate": "curves", "forecast": "curves", "import-curves": "curves", "skills": "skills",
    "observe": "skills", "density": "skills", "report": "core", "sweep": "sweep", "test-time": "plan",
    "datasets": "core", "export": "core", "post": "sweep", "import-scores": "skills",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def register(module: str, application: typer.Typer, only: str | None = None) -> None:
    """Add the commands of ``scalinglab.cli.<module>`` (all, or just ``only``) to ``application``."""
    commands = importlib.import_module(f"scalinglab.cli.{module}").app
    application.registered_commands += [c for c in commands.registered_commands if only in (None, c.name)]
    application.registered_groups += [g for g in commands.registered_groups if only in (None, g.name)]


def _print_version(value: bool) -> None:
    if value:
        from scalinglab import __version__

        typer.echo(f"scalinglab {__version__}")
        raise typer.Exit()


def _root(version: o(bool, "Print the version and exit.", "--version", callback=_print_version,
                    is_eager=True) = False) -> None:
    """Fit neural scaling laws, predict untrained models, and plan compute."""


@functools.cache
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
        register(module, application, only)
    return application


def __getattr__(name: str) -> Any:
    """``app``: the full application, built on first access."""
    if name == "app":
        return build_app(None)  # the key app_for uses (functools.cache tells build_app() apart)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(args: list[str]) -> typer.Typer:
    """The application for command line ``args``: just the command ``args[0]`` names, else the full one."""
    return build_app(args[0] if args and args[0] in COMMANDS else None)


def main() -> None:
    """The ``scalinglab`` entry point (``sys.argv``), through :func:`app_for`."""
    app_for(sys.argv[1:])()


if __name__ == "__main__":
    main()
