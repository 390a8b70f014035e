"""Shared CLI helpers: JSON/plain output and turning library errors into one-line messages."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from scalinglab.errors import ScalingLabError
from scalinglab.serialize import dumps

F = TypeVar("F", bound=Callable[..., Any])


def echo_json(obj: Any) -> None:
    """Print one JSON document (the shape every ``--json`` flag uses)."""
    typer.echo(dumps(obj))


def fail(message: str, code: int = 2) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Decorator for commands: library errors become one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScalingLabError as exc:
            fail(str(exc), exc.exit_code)
        except FileNotFoundError as exc:
            fail(f"{exc.filename}: no such file")
        except BrokenPipeError:  # e.g. `scalinglab fit ... | head`
            sys.stderr.close()
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


class LazyModule:
    """A module imported on first attribute access, so that `scalinglab --help` need not load numpy,
    pandas or scipy for every command group (each command still uses them as usual)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def progress_bar(total: int, label: str):
    """A rich progress bar on stderr (hidden when stderr is not a terminal); returns (bar, update)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())
    task = bar.add_task(label, total=total)
    return bar, lambda done: bar.update(task, completed=done)
