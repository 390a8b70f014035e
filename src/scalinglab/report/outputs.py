"""Output paths checked before any compute: a file to write, and a figure's name and format.

Light on purpose (no numpy, pandas or matplotlib): every command that writes calls it first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scalinglab.atomic import check_writable
from scalinglab.errors import InputError


def check_plot_path(path: Any, formats: tuple[str, ...] = (".png", ".svg")) -> None:
    """Raise InputError unless ``path`` ends in one of ``formats`` (those ``--plot`` writes: .png or .svg,
    .pdf as well for the test-time figures) and can be written."""
    if path is not None and Path(path).suffix.lower() not in formats:
        names = ", ".join(formats[:-1]) + f" or {formats[-1]}" if len(formats) > 1 else formats[0]
        raise InputError(f"`plot` {str(path)!r}: the file must end in {names}")
    if path is not None:
        check_writable(path)


def check_outputs(out: Any = None, plot: Any = None, plot_formats: tuple[str, ...] = (".png", ".svg")) -> None:
    """Before any compute: ``out`` can be written, and ``plot`` (:func:`check_plot_path`) too."""
    if out is not None:
        check_writable(out)
    check_plot_path(plot, plot_formats)
