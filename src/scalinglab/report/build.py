"""Assemble a report: fit figures, planner figures, the interactive figure, an optional learning-curves
section, and the page; write files.

``build_report`` returns the page as a string; ``write_report`` writes it atomically; ``write_figures``
writes the static figures alone as PNG or SVG files into a folder; ``make_report`` is ``scalinglab
report``: load, fit, and write either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalinglab.atomic import check_writable
from scalinglab.data.runs import RunsTable
from scalinglab.errors import ScalingLabError
from scalinglab.events import ProgressCallback
from scalinglab.fitting.result import DEFAULT_BUDGETS, FitResult
from scalinglab.results import Result
from scalinglab.serialize import write_text_atomic

FORMATS = ("html", "png", "svg")
#: The largest `target` compute: far past it the law's loss is E to float precision and the figures' axes
#: overflow.
MAX_TARGET = 1e60


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


@dataclass
class ReportFiles(Result):
    """What :func:`make_report` wrote: the page (or the figures), the law fitted and the runs it read."""

    fmt: str
    law: str
    written: list[Path]
    runs: RunsTable

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.fmt, "law": self.law, "written": [str(p) for p in self.written]}

    def text(self) -> str:
        return "\n".join(f"wrote {p}" for p in self.written)


def make_report(data: Any, out: str | Path, *, fmt: str = "html", law: str = "chinchilla", loss: str = "huber",
                delta: float = 1e-3, bootstrap: int = 100, seed: int | None = 0, fit: str | Path | None = None,
                target: float = 5.88e23, budgets: Sequence[float] = DEFAULT_BUDGETS,
                unique_tokens: Sequence[float] | None = None, planners: bool = True,
                title: str = "Scaling-law report", curves: Any = None, curves_train_models: int | None = None,
                curves_min_tokens: float = 1e10, curves_grid: bool = False, post: str | Path | None = None,
                columns: dict[str, Any] | None = None, progress: ProgressCallback | None = None) -> ReportFiles:
    """``scalinglab report``: fit ``law`` to the runs in ``data`` (or use the FIT.json ``fit``), then write
    the HTML page to ``out`` (``fmt`` html) or the figures into the folder ``out`` (png, svg); optionally
    with a learning-curves section (the table ``curves``) and a post-training one (a post_runs.csv)."""
    from scalinglab.data.runs import load_law_inputs
    from scalinglab.laws.registry import get_law

    fmt, out, columns = fmt.lower(), Path(out), columns or {}
    if fmt not in FORMATS:
        raise ScalingLabError(f"`fmt` must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, got {fmt!r}")
    if not 0 < target <= MAX_TARGET:  # inf and 1e308 were numpy warnings then a matplotlib traceback
        raise ScalingLabError(f"`target` must be a positive number of FLOPs up to {MAX_TARGET:g}, got {target:g}")
    if fmt == "html":
        check_writable(out)  # before the fit and the figures spend any compute
    elif out.exists() and not out.is_dir():
        raise ScalingLabError(f"{out}: `fmt` {fmt} writes figures into a folder, and this is a file")
    result = FitResult.load(fit) if fit is not None else None
    runs = load_law_inputs(data, result.law if result is not None else get_law(law), **columns)
    if result is None:
        from scalinglab.fitting.estimator import ScalingLawFit

        estimator = ScalingLawFit(law=get_law(law), loss=loss, delta=delta, bootstrap=bootstrap, seed=seed)
        result = estimator.fit(runs, progress=progress).result_
    part = None
    if curves is not None:
        from scalinglab.curves.estimate import load_curves

        table = load_curves(curves, model_col=columns.get("model_col"), drop_invalid=columns.get("drop_invalid", False))
        try:
            part = curves_part(table, curves_train_models, curves_min_tokens, grid=curves_grid)
        except ScalingLabError as exc:  # evaluate's names are curves_* here (it said 'train_models must be ...')
            raise ScalingLabError(str(exc).replace("`train_models`", "`curves_train_models`")
                                  .replace("`min_tokens`", "`curves_min_tokens`")) from None
    post_fit = None
    if post is not None:
        from scalinglab.planning.post_training import fit_post_runs

        post_fit = fit_post_runs(post)
    if fmt != "html":
        written = write_figures(out, runs, result, fmt, target=target, planners=planners,
                                unique_tokens=unique_tokens, curves=part)
        return ReportFiles(fmt, result.law.name, list(written), runs)
    write_report(out, runs, result, target=target, budgets=budgets, planners=planners, unique_tokens=unique_tokens,
                 title=title, curves=part, post=post_fit)
    return ReportFiles(fmt, result.law.name, [out], runs)
