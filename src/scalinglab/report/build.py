"""Assemble a report: fit figures, planner figures, the interactive figure and the page; write files.

``build_report`` returns the page as a string; ``write_report`` writes it atomically; ``write_figures``
writes the static figures alone as PNG or SVG files into a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scalinglab.data.runs import RunsTable
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.result import DEFAULT_BUDGETS, FitResult
from scalinglab.serialize import write_text_atomic

FORMATS = ("html", "png", "svg")


def report_figures(runs: RunsTable, result: FitResult, target: float | None = None,
                   planners: bool = True, unique_tokens: Sequence[float] | None = None) -> list:
    """All static figures that apply (``FigureSpec`` list): the fit's, then the planners'."""
    from scalinglab.report.figures import fit_figures, planner_figures

    specs = fit_figures(runs, result, target)
    if planners:
        specs += planner_figures(result, target, unique_tokens)
    return specs


def build_report(runs: RunsTable, result: FitResult, *, target: float | None = None,
                 budgets: Sequence[float] = DEFAULT_BUDGETS, planners: bool = True,
                 unique_tokens: Sequence[float] | None = None, title: str = "Scaling-law report") -> str:
    """The self-contained HTML report of ``result`` fitted on ``runs``."""
    from scalinglab.report.figures import to_bytes
    from scalinglab.report.html import render_page
    from scalinglab.report.interactive import interactive_figure

    specs = report_figures(runs, result, target, planners, unique_tokens)
    figs = [(s.name, s.title, s.caption, to_bytes(s.figure, "svg")) for s in specs]
    return render_page(runs, result, figures=figs, interactive=interactive_figure(runs, result, target),
                       target=target, budgets=budgets, title=title)


def write_report(path: str | Path, runs: RunsTable, result: FitResult, **kwargs) -> Path:
    """Write the HTML report atomically to ``path``."""
    path = Path(path)
    write_text_atomic(path, build_report(runs, result, **kwargs))
    return path


def write_figures(folder: str | Path, runs: RunsTable, result: FitResult, fmt: str = "png", *,
                  target: float | None = None, planners: bool = True,
                  unique_tokens: Sequence[float] | None = None) -> list[Path]:
    """Write every static figure as ``folder/NAME.png`` (or ``.svg``), atomically; returns the paths."""
    from scalinglab.report.figures import save

    if fmt not in ("png", "svg"):
        raise ScalingLabError(f"figure format must be png or svg, got {fmt!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScalingLabError(f"--out {folder} exists and is not a folder (figures go into a folder)")
    specs = report_figures(runs, result, target, planners, unique_tokens)
    return [save(s.figure, folder / f"{s.name}.{fmt}", fmt) for s in specs]
