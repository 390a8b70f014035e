"""Assemble a report: fit figures, planner figures, the interactive figure, an optional learning-curves
section, and the page; write files.

``build_report`` returns the page as a string; ``write_report`` writes it atomically; ``write_figures``
writes the static figures alone as PNG or SVG files into a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass
class CurvesPart:
    """The learning-curves section: the guide's evaluation of a curves table, its figure, optional grid."""

    evaluation: dict[str, Any]
    figure: Any  # FigureSpec
    grid: list[dict[str, Any]] | None = None
    source: str = ""


def curves_part(curves: RunsTable, train_models: int | None = None, min_tokens: float = 1e10,
                train_fraction: float = 1.0, method: str = "curve_fit", grid: bool = False) -> CurvesPart:
    """Evaluate ``curves`` as ``scalinglab evaluate`` does (fit on the m smallest models, ARE on the
    largest model's last 30 %) and draw the learning-curves figure; with ``grid``, the guide's heatmap."""
    from scalinglab.curves.estimate import Selection, select
    from scalinglab.curves.evaluate import are_grid, evaluate_curves
    from scalinglab.report.figures import FigureSpec, learning_curves

    ev = evaluate_curves(curves, train_models, min_tokens, train_fraction, method)
    train, test, info = select(curves, Selection(train_models, min_tokens, train_fraction))
    shown = curves.frame[curves.frame["model"].isin([*info["train_models"], info["target"]])]
    fit = FitResult.from_params(ev["law"], ev["params"])
    are = ev["are_percent"]
    caption = (f"Law fitted ({method}) on {len(info['train_models'])} models' checkpoints past "
               f"{min_tokens:.3g} tokens (solid), extrapolated (dashed); dots: {info['target']}'s last 30 %, "
               "ARE " + ("n/a" if are is None else f"{are:.2f} %") + ".")
    spec = FigureSpec("learning_curves", "Learning curves and the extrapolated law", caption,
                      learning_curves(train, test, fit, all_checkpoints=shown, title=""))
    rows = are_grid(curves, None, min_tokens=min_tokens, method=method) if grid else None
    return CurvesPart(ev, spec, rows, curves.source)


def build_report(runs: RunsTable, result: FitResult, *, target: float | None = None,
                 budgets: Sequence[float] = DEFAULT_BUDGETS, planners: bool = True,
                 unique_tokens: Sequence[float] | None = None, title: str = "Scaling-law report",
                 curves: CurvesPart | None = None, post: Any = None) -> str:
    """The self-contained HTML report of ``result`` fitted on ``runs`` (plus a learning-curves section, and
    with ``post``, a :class:`~scalinglab.planning.post_training.PostFitResult`, a post-training section)."""
    from scalinglab.report.figures import to_bytes
    from scalinglab.report.html import curves_section, post_section, render_page
    from scalinglab.report.interactive import interactive_figure

    specs = report_figures(runs, result, target, planners, unique_tokens)
    figs = [(s.name, s.title, s.caption, to_bytes(s.figure, "svg")) for s in specs]
    extra = []
    if curves is not None:
        f = curves.figure
        extra.append(curves_section(curves.evaluation, (f.name, f.title, f.caption, to_bytes(f.figure, "svg")),
                                    curves.grid, curves.source))
    if post is not None:
        from scalinglab.report.figures import post_training_gains

        caption = ("held-out SFT loss of each base model against fine-tuning examples; lines: the law fitted "
                   "without the largest base model, dashed where it predicts that one")
        extra.append(post_section(post, ("post_gains", "Scaling of post-training gains", caption,
                                         to_bytes(post_training_gains(post), "svg"))))
    return render_page(runs, result, figures=figs, interactive=interactive_figure(runs, result, target),
                       target=target, budgets=budgets, title=title, sections=extra)


def write_report(path: str | Path, runs: RunsTable, result: FitResult, **kwargs) -> Path:
    """Write the HTML report atomically to ``path``."""
    path = Path(path)
    write_text_atomic(path, build_report(runs, result, **kwargs))
    return path


def write_figures(folder: str | Path, runs: RunsTable, result: FitResult, fmt: str = "png", *,
                  target: float | None = None, planners: bool = True,
                  unique_tokens: Sequence[float] | None = None, curves: CurvesPart | None = None) -> list[Path]:
    """Write every static figure as ``folder/NAME.png`` (or ``.svg``), atomically; returns the paths."""
    from scalinglab.report.figures import save

    if fmt not in ("png", "svg"):
        raise ScalingLabError(f"figure format must be png or svg, got {fmt!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScalingLabError(f"`out` {folder} exists and is not a folder (figures go into a folder)")
    specs = report_figures(runs, result, target, planners, unique_tokens)
    if curves is not None:
        specs.append(curves.figure)
    return [save(s.figure, folder / f"{s.name}.{fmt}", fmt) for s in specs]
