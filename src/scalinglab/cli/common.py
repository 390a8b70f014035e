"""Shared CLI helpers: JSON/plain output and turning library errors into one-line messages."""

from __future__ import annotations

import functools
import re
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


def emit(result: Any, as_json: bool, *, save: Any = None, wrote: tuple[Any, ...] = (), text: str | None = None) -> None:
    """Print a result: its ``to_dict()`` as JSON with ``--json``, else its ``text()`` (or ``text``) and
    ``wrote PATH`` for each file written (``save`` and ``wrote``, None skipped). A ``save`` path first gets
    ``result.save``."""
    if save is not None:
        result.save(save)
    if as_json:
        return echo_json(result.to_dict())
    typer.echo(result.text() if text is None else text)
    for path in (save, *wrote):
        if path is not None:
            typer.echo(f"wrote {path}")


def note_dropped(table: Any) -> Any:
    """Say on stderr how many invalid rows a runs or curves table skipped (``--drop-invalid``); returns it."""
    if table.dropped:
        typer.echo(f"skipped {table.dropped} invalid row(s) of {table.source}", err=True)
    return table


_PARAM = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")

#: Library parameter names whose CLI flag is not the command's option of the same name (a command's own
#: option wins: `tokens_col` is `--tokens-col` in fit, `--col D=COLUMN` in predict).
FLAG_ALIASES = {"points": "--at", "only": "--fold", "n_skills": "--skills", "k": "--train-per-family",
                "price_per_hour": "--price", "columns": "--col", "params_col": "--col N=COLUMN",
                "tokens_col": "--col D=COLUMN", "flops_col": "--col C=COLUMN", "loss_col": "--col loss=COLUMN"}


def command_flags(func: Callable[..., Any]) -> dict[str, str]:
    """Parameter name → long flag of a typer command function (``tokens_per_param`` → ``--tokens-per-param``),
    read from its declarations as typer reads them; arguments are left out."""
    from typer.models import ArgumentInfo
    from typer.utils import get_params_from_function

    flags = {}
    for name, meta in get_params_from_function(func).items():
        if not isinstance(meta.default, ArgumentInfo):
            longs = [d.split("/")[0] for d in getattr(meta.default, "param_decls", None) or () if d.startswith("--")]
            flags[name] = longs[0] if longs else "--" + name.replace("_", "-")
    return flags


def flag_names(message: str, flags: dict[str, str] | None = None) -> str:
    """Library errors name parameters as `name`; in the CLI they read as the command's flag.

    ``flags`` maps the command's parameters to its options (:func:`command_flags`);
    :data:`FLAG_ALIASES` covers library names that differ from the CLI's.
    """
    opts = {**FLAG_ALIASES, **(flags or {})}
    return _PARAM.sub(lambda m: opts.get(m.group(1), m.group(1)), message)


def handle_errors(func: F) -> F:
    """Decorator for commands: library errors become one line on stderr and exit code 2.

    Parameter names in the message (`name`) become the command's flags (:func:`flag_names`).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        code = 2
        try:
            return func(*args, **kwargs)
        except ScalingLabError as exc:
            message, code = flag_names(str(exc), command_flags(func)), exc.exit_code
        except FileNotFoundError as exc:
            message = f"{exc.filename}: no such file"
        except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:  # a last safety net
            message = f"a result is outside the float range ({exc}); check the inputs' magnitudes"
        except BrokenPipeError:  # e.g. `scalinglab fit ... | head`
            sys.stderr.close()
            raise typer.Exit(0) from None
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code)

    return wrapper  # type: ignore[return-value]


def command(app: typer.Typer, name: str, **settings: Any) -> Callable[[F], F]:
    """Decorator: register the function as command ``name`` of ``app`` (with typer's ``settings``), behind
    :func:`handle_errors`."""

    def decorate(func: F) -> F:
        app.command(name, **settings)(handle_errors(func))
        return func

    return decorate


class Bars:
    """Rich progress bars on stderr fed the library's :class:`scalinglab.events.Progress` events: one bar
    per ``key(event)`` (default: its task), described by ``label(event)``, with ``info(event)`` beside it.
    Hidden unless ``show`` (default: stderr is a terminal); ``transient`` bars hide once complete."""

    def __init__(self, show: bool | None = None, *, transient: bool = True, key: Callable[[Any], Any] | None = None,
                 label: Callable[[Any], str] | None = None, info: Callable[[Any], str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=self.console,
                            transient=transient, disable=not (sys.stderr.isatty() if show is None else show))
        self.transient = transient
        self.tasks: dict[Any, Any] = {}  # key(event) -> the bar's task id
        self._key = key or (lambda e: e.task)
        self._label = label or (lambda e: e.task)
        self._info = info or (lambda e: "")

    def __call__(self, event: Any) -> None:
        key = self._key(event)
        if not self.tasks:  # drawn from the first event on: no events, no blank line above an error
            self.bar.start()
        if key not in self.tasks:
            self.tasks[key] = self.bar.add_task(self._label(event), total=event.total, info="")
        done = self.transient and event.total is not None and event.done >= event.total
        self.bar.update(self.tasks[key], completed=event.done, info=self._info(event), visible=not done,
                        **({} if event.total is None else {"total": event.total}))

    def log(self, message: str) -> None:
        """A line on stderr above the bars."""
        self.console.print(message, highlight=False)

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.tasks:
            self.bar.stop()
