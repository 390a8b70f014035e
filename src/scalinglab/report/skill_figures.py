"""Figures of the benchmark-level laws: Sloth's held-out predictions and the Densing-law trend.

Like :mod:`scalinglab.report.figures` they are bare ``Figure`` objects on an Agg canvas (no pyplot),
with matplotlib imported inside the functions only. Model and family names are data: they go through
:func:`~scalinglab.report.figures.plain` (``$`` escaped) and the figures are built with
``text.usetex`` off, so a name such as ``$x$`` never turns into mathtext or LaTeX.

* :func:`sloth_predictions`: predicted vs actual scores of held-out models, colour by benchmark,
  marker by family, the y = x line and the MAE (pp) in the title.
* :func:`density_trend`: capability density ρ (log axis) vs release date, the frontier models used by
  the fit highlighted, the fitted ``ln ρ_max = A·t + B`` and the doubling time in the legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.report.figures import new_figure, plain

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Marker cycle for families (filled markers, so the benchmark colour shows).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "*", "8", "d", "H")
#: At most this many families are named in the marker legend.
MAX_FAMILY_LEGEND = 14
NO_TEX = {"text.usetex": False}


def _rc():
    import matplotlib as mpl

    return mpl.rc_context(NO_TEX)


def _legend(ax, handles: list, labels: list[str], **kwargs: Any):
    """A legend from explicit handles and labels (labels starting with ``_`` are kept)."""
    return ax.legend(handles, labels, **kwargs)


def sloth_predictions(predicted: Any, actual: Any, benchmarks: Sequence[str], families: Sequence[str],
                      *, title: str = "Sloth: held-out predictions") -> Figure:
    """Predicted vs actual scores (in %) of held-out models.

    ``predicted`` and ``actual`` are (models × benchmarks) arrays of scores in [0, 1]; ``families``
    names each model's family. Points are coloured by benchmark and marked by family; the title carries
    the MAE in percentage points over the finite pairs.
    """
    from matplotlib.lines import Line2D

    pred = 100 * np.atleast_2d(np.asarray(predicted, dtype=float))
    act = 100 * np.atleast_2d(np.asarray(actual, dtype=float))
    if pred.shape != act.shape or pred.shape[1] != len(benchmarks) or pred.shape[0] != len(families):
        raise ValueError(f"predicted {pred.shape} and actual {act.shape} must be "
                         f"({len(families)} models × {len(benchmarks)} benchmarks)")
    ok = np.isfinite(pred) & np.isfinite(act)
    mae = float(np.mean(np.abs(pred[ok] - act[ok]))) if ok.any() else float("nan")
    fam_names = list(dict.fromkeys(str(f) for f in families))
    marker = {f: MARKERS[i % len(MARKERS)] for i, f in enumerate(fam_names)}
    with _rc():
        fig, (ax,) = new_figure(7.2, 5.0)
        import matplotlib as mpl

        cmap = mpl.colormaps["tab10" if len(benchmarks) <= 10 else "tab20"]
        colors = [cmap(j % cmap.N) for j in range(len(benchmarks))]
        fam = np.array([str(f) for f in families])
        for f in fam_names:
            rows = fam == f
            for j in range(len(benchmarks)):
                keep = ok[rows, j]
                if keep.any():
                    ax.scatter(act[rows, j][keep], pred[rows, j][keep], s=26, marker=marker[f],
                               color=colors[j], edgecolors="white", linewidths=0.4, alpha=0.9, zorder=3)
        both = np.concatenate([pred[ok], act[ok]]) if ok.any() else np.array([0.0, 100.0])
        lo, hi = float(both.min()), float(both.max())
        pad = 0.05 * max(hi - lo, 1.0)
        lim = (lo - pad, hi + pad)
        ax.plot(lim, lim, color="#374151", lw=1, ls="--", zorder=2)
        ax.set_xlim(lim)
        ax.set_ylim(lim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("actual score (%)")
        ax.set_ylabel("predicted score (%)")
        mae_text = "n/a" if math.isnan(mae) else f"{mae:.2f} pp"
        ax.set_title(f"{plain(title)} (MAE {mae_text})")
        bench_handles = [Line2D([], [], ls="", marker="o", color=c, markersize=6) for c in colors]
        bench_handles.append(Line2D([], [], color="#374151", lw=1, ls="--"))
        first = _legend(ax, bench_handles, [plain(b) for b in benchmarks] + ["y = x"],
                        loc="upper left", title="benchmark", fontsize=7, title_fontsize=7.5)
        ax.add_artist(first)
        shown = fam_names[:MAX_FAMILY_LEGEND]
        fam_handles = [Line2D([], [], ls="", marker=marker[f], color="#6b7280", markersize=6) for f in shown]
        fam_labels = [plain(f) for f in shown]
        if len(fam_names) > len(shown):
            fam_handles.append(Line2D([], [], ls="", marker=""))
            fam_labels.append(f"… {len(fam_names) - len(shown)} more")
        _legend(ax, fam_handles, fam_labels, loc="lower right", title="family", fontsize=7,
                title_fontsize=7.5, ncols=2 if len(fam_handles) > 7 else 1)
    return fig


def density_trend(dates: Any, density: Any, in_fit: Any, trend: Any, *, models: Sequence[str] | None = None,
                  label_frontier: bool = True, title: str = "Capability density over time") -> Figure:
    """Density ρ = N̂/N (log axis) against release date, with the fitted trend ``ln ρ = A·t + B``.

    ``dates`` (anything ``pandas.to_datetime`` reads), ``density`` and the boolean ``in_fit`` (models
    the trend was fitted to, e.g. the density frontier) have one entry per model; ``trend`` has
    ``slope_per_day``, ``intercept``, ``origin`` and ``doubling_days`` (a
    :class:`~scalinglab.skills.densing.DensityTrend`). Models without a date or a finite positive
    density are left out. ``models`` labels the highlighted models.
    """
    import matplotlib.dates as mdates
    import pandas as pd

    when = pd.to_datetime(pd.Series(list(dates)), errors="coerce")
    rho = np.asarray(density, dtype=float)
    used = np.asarray(in_fit, dtype=bool)
    if not (len(when) == rho.size == used.size):
        raise ValueError("dates, density and in_fit must have one entry per model")
    names = [str(m) for m in models] if models is not None else [""] * rho.size
    ok = when.notna().to_numpy() & np.isfinite(rho) & (rho > 0)
    days = pd.DatetimeIndex(when)
    with _rc():
        fig, (ax,) = new_figure(7.2, 4.6)
        rest, front = ok & ~used, ok & used
        x = np.array(days.to_pydatetime(), dtype=object)
        if rest.any():
            ax.scatter(list(x[rest]), rho[rest], s=16, color="#9ca3af", alpha=0.8, zorder=2,
                       label="models")
        if front.any():
            ax.scatter(list(x[front]), rho[front], s=34, color="#c2410c", edgecolors="black",
                       linewidths=0.5, zorder=4, label="trend models (frontier)")
            if label_frontier and models is not None:
                for xi, yi, name in zip(x[front], rho[front], np.array(names, dtype=object)[front],
                                        strict=True):
                    ax.annotate(plain(name), (xi, yi), xytext=(4, 3), textcoords="offset points",
                                fontsize=6.5, color="#7c2d12", usetex=False)
        origin = pd.Timestamp(trend.origin)
        A, B = float(trend.slope_per_day), float(trend.intercept)
        if ok.any():
            t0, t1 = days[ok].min(), days[ok].max()
            span = max((t1 - t0).days, 1)
            grid = pd.date_range(t0 - pd.Timedelta(days=0.03 * span), t1 + pd.Timedelta(days=0.03 * span),
                                 periods=60)
            t = np.asarray((grid - origin).days, dtype=float)
            d = float(trend.doubling_days)
            dbl = (f"doubling every {d:.0f} days ({d / (365.25 / 12):.1f} months)"
                   if math.isfinite(d) and d > 0 else "no doubling (A ≤ 0)")
            ax.plot(list(grid.to_pydatetime()), np.exp(A * t + B), color="#1d4ed8", lw=1.6, zorder=3,
                    label=f"ln ρ_max = {A:.4f}·t {B:+.2f}\n{dbl}")
        ax.set_yscale("log")
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        few = ok.any() and float(rho[ok].max()) / float(rho[ok].min()) < 30
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}") if few else NullFormatter())
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel(f"release date (t in days since {origin.date().isoformat()})")
        ax.set_ylabel("capability density ρ = N̂ / N")
        ax.set_title(plain(title))
        ax.legend(loc="upper left", fontsize=7.5)
    return fig


def density_study_figure(study: Any) -> Figure:
    """:func:`density_trend` of a :class:`~scalinglab.skills.density_study.DensityStudy`."""
    rows = study.rows
    return density_trend(rows["_date"], rows["density"].to_numpy(float), rows["in_trend_fit"].to_numpy(bool),
                         study.trend, models=[m["model"] for m in study.models()],
                         title=f"Capability density (reference {study.reference_family}, "
                               f"{'+'.join(study.benchmarks)})")


def save_family_prediction(prediction: Any, path: Any) -> Any:
    """A :class:`~scalinglab.skills.sloth_study.FamilyPrediction`'s held-out models, predicted vs actual,
    as a figure file (.png or .svg)."""
    from scalinglab.errors import InputError
    from scalinglab.report.figures import save

    if not len(prediction.test):
        raise InputError("`plot` needs held-out models with actual scores (not only `points`)")
    title = (f"Sloth [{prediction.model.method}]: {prediction.family} from {len(prediction.trained_on)} "
             "model(s)")
    return save(sloth_predictions(prediction.predicted, prediction.test.scores, prediction.model.benchmarks_,
                                  prediction.test.families, title=title), path)


def save_skills_evaluation(evaluation: Any, path: Any) -> Any:
    """A :class:`~scalinglab.skills.sloth_study.SkillsEvaluation`'s held-out predictions as a figure file."""
    from scalinglab.report.figures import save

    r = evaluation.result
    held = r.predictions
    return save(sloth_predictions(held["predicted"], held["actual"], held["benchmarks"], held["families"],
                                  title=f"Sloth [{r.method}], leave-family-out, k={r.train_per_family}"), path)


def save_density_study(study: Any, path: Any) -> Any:
    """:func:`density_study_figure` written to a figure file (.png or .svg)."""
    from scalinglab.report.figures import save

    return save(density_study_figure(study), path)
