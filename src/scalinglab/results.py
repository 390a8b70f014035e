"""The one result protocol: every analysis returns an object with ``to_dict``, ``text`` and ``_repr_html_``.

A result type adopts it by inheriting :class:`Result` (it may be a dataclass) and defining two methods:

* ``to_dict(self) -> dict``: JSON-ready values; this is exactly what the CLI prints for ``--json``
  and what ``--out`` writes (through :meth:`Result.save`).
* ``text(self) -> str``: the plain-text report the CLI prints without ``--json``.

It then gets, for free: ``_repr_html_`` (the notebook view: an escaped ``<pre>`` of ``text()``;
override it for a richer view, built with :func:`html_table`), ``to_json`` and ``save(path)``
(atomic). A result that the CLI writes with ``--out`` and reads back also defines the classmethod
``from_dict(d, source)`` (raise :class:`~scalinglab.errors.InputError` naming ``source`` and the key
on bad input); it then gets ``load(path)``, so that every ``--out`` file is readable by the command
that takes it. :class:`ResultLike` is the same contract as a typing Protocol, for code that only
consumes results.

This module sits low (it imports only :mod:`scalinglab.errors` and :mod:`scalinglab.serialize`), so
results in every layer (fitting, planning, curves, skills, sweep) can inherit it without circles.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from scalinglab.errors import InputError
from scalinglab.serialize import dumps, write_text_atomic


def readable(x: float, spec: str = ".4f", big: str = ".4g", limit: float = 1e6) -> str:
    """``x`` for a ``text()``: in ``spec`` (a loss to 4 decimals), or in ``big`` once ``|x|`` reaches
    ``limit``, where fixed decimals would print dozens of digits (a loss at C = 1e-308, 1e146 epochs)."""
    return format(x, spec if abs(x) < limit else big)

__all__ = ["Result", "ResultLike", "esc", "html_pre", "html_table", "num", "read_json"]


@runtime_checkable
class ResultLike(Protocol):
    """What the CLI and the report need from any result."""

    def to_dict(self) -> dict[str, Any]: ...

    def text(self) -> str: ...

    def _repr_html_(self) -> str: ...


class Result:
    """Mixin for result types: define ``to_dict`` and ``text`` (and ``from_dict`` if written with --out)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values: the ``--json`` shape and the ``--out`` file."""
        raise NotImplementedError(f"{type(self).__name__} defines no to_dict()")

    def text(self) -> str:
        """The plain-text report."""
        raise NotImplementedError(f"{type(self).__name__} defines no text()")

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON (NaN and inf become null)."""
        return dumps(self.to_dict())

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` atomically (never a half-written file)."""
        write_text_atomic(path, self.to_json() + "\n")

    @classmethod
    def from_dict(cls, d: Any, source: str = "<dict>") -> Result:
        """Rebuild the result from :meth:`to_dict`'s output (only results written with --out)."""
        raise InputError(f"a {cls.__name__} cannot be read back from a file", file=source)

    @classmethod
    def load(cls, path: str | Path) -> Result:
        """Read a file written by :meth:`save` (errors name the file)."""
        return cls.from_dict(read_json(path), source=str(path))

    def _repr_html_(self) -> str:
        """Notebook view: the text report, escaped, in a ``<pre>``."""
        return html_pre(self.text())


def read_json(path: str | Path) -> Any:
    """The JSON value of a file; a missing file or bad JSON is one InputError naming the file."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from None


# -- the one HTML helper -------------------------------------------------------------------------------
def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def num(x: Any, fmt: str = ".4g") -> str:
    """A number formatted for a table cell ('–' for missing or non-finite values)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return esc(x)
    return format(v, fmt) if v == v and abs(v) != float("inf") else "–"


def html_pre(text: str, css_class: str = "scalinglab-result") -> str:
    """An escaped ``<pre>`` block of a text report."""
    return f"<pre class='{esc(css_class)}'>{esc(text)}</pre>"


def html_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None,
               fmt: str = ".4g") -> str:
    """A small escaped HTML table; numbers are formatted with ``fmt``, everything else escaped."""
    def cell(v: Any) -> str:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"<td class='n'>{num(v, fmt)}</td>"
        return f"<td>{esc(v)}</td>"

    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table class='scalinglab-result'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
