"""Static report figures (matplotlib): each function returns a ``matplotlib.figure.Figure``.

The figures are built on bare ``Figure`` objects with an Agg canvas, never through pyplot, so they use
no GUI backend, leave global state alone (a notebook's ``%matplotlib`` choice is untouched) and work in
threads. matplotlib is imported inside the functions only, to keep ``import scalinglab`` fast.

Fit figures: loss vs compute with the fitted frontier and IsoFLOP runs (:func:`loss_vs_compute`),
IsoFLOP profiles (:func:`isoflop_profiles`), the law as contours over (N, D) with the efficient frontier
(:func:`loss_contours`), residuals (:func:`residuals`), bootstrap bands on N_opt(C), D_opt(C)
(:func:`optimal_allocation`) and the extrapolation to a target budget (:func:`extrapolation`).
Other figures: learning curves with the held-out tail (:func:`learning_curves`), and the planners'
trade-offs (:func:`inference_tradeoff`, :func:`data_constrained_tradeoff`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.fitting.result import FitResult

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: IsoFLOP profiles for display: runs whose log10 C chain within this many dex, at least MIN_PROFILE runs.
PROFILE_TOLERANCE_DEX = 0.015
MIN_PROFILE = 5
#: Colours shared with the HTML page (runs, fit, band, frontier, target).
COLORS = {"runs": "#6b7280", "fit": "#1d4ed8", "band": "#93c5fd", "N": "#1d4ed8", "D": "#c2410c",
          "target": "#b91c1c", "held": "#c2410c", "train": "#1d4ed8"}
STYLE = {
    "font.size": 9.5, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9.5,
    "axes.grid": True, "grid.color": "#e5e7eb", "grid.linewidth": 0.7, "axes.spines.top": False,
    "axes.spines.right": False, "legend.fontsize": 8, "legend.frameon": False, "svg.hashsalt": "scalinglab",
    "svg.fonttype": "path", "figure.dpi": 100, "savefig.dpi": 150,
}


@dataclass
class FigureSpec:
    """A named figure with the title and one-line caption the HTML page shows under it."""

    name: str
    title: str
    caption: str
    figure: Figure


def plain(text: object) -> str:
    """Text safe for matplotlib labels: ``$`` would start mathtext, so it is escaped."""
    return str(text).replace("$", r"\$")


def new_figure(width: float = 6.4, height: float = 4.2, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    """A pyplot-free Figure on an Agg canvas, with the report's style, and its axes."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
        axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def to_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """Render a figure as SVG or PNG bytes (deterministic: no date in the metadata)."""
    import matplotlib as mpl

    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {}
    with mpl.rc_context(STYLE):
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


def save(fig: Figure, path: str | Path, fmt: str | None = None) -> Path:
    """Write a figure atomically (temporary file in the same folder, then rename)."""
    from scalinglab.serialize import write_bytes_atomic

    path = Path(path)
    write_bytes_atomic(path, to_bytes(fig, fmt or path.suffix.lstrip(".") or "svg"))
    return path


# -- helpers on the fit -------------------------------------------------------------------------------
def has_nd(result: FitResult) -> bool:
    """True for laws of exactly N and D (:attr:`FitResult.has_nd`)."""
    return result.has_nd


def profile_labels(C: np.ndarray) -> np.ndarray:
    """IsoFLOP profile label per run (-1 for runs on no profile of at least MIN_PROFILE runs)."""
    from scalinglab.fitting.approaches import isoflop_groups

    labels = isoflop_groups(C, PROFILE_TOLERANCE_DEX)
    counts = np.bincount(labels)
    keep = {g for g in range(len(counts)) if counts[g] >= MIN_PROFILE}
    out = np.full(len(C), -1)
    for new, g in enumerate(sorted(keep)):
        out[labels == g] = new
    return out


def compute_range(runs: RunsTable, target: float | None = None) -> tuple[float, float]:
    lo, hi = float(np.min(runs.C)), float(np.max(runs.C))
    if target:
        hi = max(hi, float(target))
        lo = min(lo, float(target))
    return lo / 2, hi * 3


def _fmt_sci(x: float) -> str:
    return f"{x:.3g}"


def _budget_cmap(n: int):
    import matplotlib as mpl

    return mpl.colormaps["viridis"].resampled(max(n, 2))


# -- fit figures -----------------------------------------------------------------------------------------
def loss_vs_compute(runs: RunsTable, result: FitResult, target: float | None = None) -> Figure:
    """Runs' loss against training FLOPs, IsoFLOP profiles coloured by budget, the fitted frontier ± band."""
    fig, (ax,) = new_figure()
    C, L = runs.C, runs.loss
    labels = profile_labels(C)
    n_prof = labels.max() + 1
    cmap = _budget_cmap(n_prof)
    other = labels < 0
    ax.scatter(C[other], L[other], s=14, color=COLORS["runs"], alpha=0.55, lw=0, label="runs")
    for g in range(n_prof):
        m = labels == g
        ax.scatter(C[m], L[m], s=16, color=cmap(g / max(n_prof - 1, 1)), lw=0, alpha=0.9,
                   label="IsoFLOP profiles" if g == 0 else None)
    lo, hi = compute_range(runs, target)
    grid = np.geomspace(lo, hi, 60)
    fr = result.frontier(grid)
    if fr is not None:
        if fr["lo"] is not None:
            ax.fill_between(grid, fr["lo"], fr["hi"], color=COLORS["band"], alpha=0.5, lw=0,
                            label="95% bootstrap band")
        name = "compute-optimal frontier" if has_nd(result) else "fitted L(C)"
        ax.plot(grid, fr["loss"], color=COLORS["fit"], lw=2, label=name)
    if target:
        ax.axvline(target, color=COLORS["target"], lw=1, ls=":", label=f"target {_fmt_sci(target)} FLOPs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, L)
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel("loss (nats/token)")
    ax.set_title("Loss vs compute")
    ax.legend(loc="upper right")
    return fig


def _loss_ticks(ax: Axes, L: np.ndarray) -> None:
    """Readable plain-number ticks on a log loss axis."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter(""))


def isoflop_profiles(runs: RunsTable, result: FitResult) -> Figure:
    """Loss against N on each IsoFLOP budget, with the fitted law along C = 6ND and its minimum."""
    fig, (ax,) = new_figure()
    C, N, L = runs.C, runs.N, runs.loss
    labels = profile_labels(C)
    n_prof = labels.max() + 1
    cmap = _budget_cmap(n_prof)
    ax.scatter(N[labels < 0], L[labels < 0], s=10, color=COLORS["runs"], alpha=0.3, lw=0,
               label="other runs")
    opt_n, opt_l = [], []
    for g in range(n_prof):
        m = labels == g
        color = cmap(g / max(n_prof - 1, 1))
        c = float(np.exp(np.mean(np.log(C[m]))))
        ax.scatter(N[m], L[m], s=18, color=color, lw=0, label=f"C ≈ {c:.2g}")
        if has_nd(result):
            n_grid = np.geomspace(N[m].min() / 1.6, N[m].max() * 1.6, 80)
            ax.plot(n_grid, result.predict(N=n_grid, D=c / (6 * n_grid)), color=color, lw=1.3)
            sol = result.optimal(c)
            opt_n.append(float(sol["N"][()]))
            opt_l.append(float(sol["loss"][()]))
    if opt_n:
        ax.plot(opt_n, opt_l, ls="none", marker="*", ms=9, color="black", label="fitted N_opt(C)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, L)
    ax.set_xlabel("parameters N")
    ax.set_ylabel("loss (nats/token)")
    ax.set_title("IsoFLOP profiles")
    ax.legend(loc="upper right", ncols=2 if n_prof > 6 else 1, fontsize=7)
    return fig


def loss_contours(runs: RunsTable, result: FitResult, target: float | None = None) -> Figure:
    """The fitted loss as contours over (N, D), lines of constant compute, the efficient frontier, runs."""
    fig, (ax,) = new_figure(6.4, 4.6)
    N, D = runs.N, runs.D
    n_lo, n_hi = N.min() / 4, N.max() * 4
    d_lo, d_hi = D.min() / 4, D.max() * 4
    if target and has_nd(result):
        sol = result.optimal(target)
        n_hi = max(n_hi, float(sol["N"][()]) * 3)
        d_hi = max(d_hi, float(sol["D"][()]) * 3)
    n_grid, d_grid = np.geomspace(n_lo, n_hi, 160), np.geomspace(d_lo, d_hi, 160)
    NN, DD = np.meshgrid(n_grid, d_grid)
    Z = result.predict(N=NN, D=DD)
    levels = np.quantile(Z, np.linspace(0.0, 0.97, 14))
    ax.grid(False)
    cs = ax.contourf(NN, DD, Z, levels=np.unique(levels), cmap="viridis_r", alpha=0.9, extend="max")
    ax.contour(NN, DD, Z, levels=np.unique(levels), colors="white", linewidths=0.4, alpha=0.6)
    cbar = fig.colorbar(cs, ax=ax, shrink=0.9)
    cbar.set_label("predicted loss")
    cbar.ax.yaxis.set_major_formatter(_fixed_formatter())
    c_lo, c_hi = 6 * n_lo * d_lo, 6 * n_hi * d_hi
    for k in range(int(np.ceil(np.log10(c_lo))), int(np.floor(np.log10(c_hi))) + 1, 2):
        c = 10.0 ** k
        ax.plot(n_grid, c / (6 * n_grid), color="white", lw=0.7, ls="--", alpha=0.7)
        n_mid = np.sqrt(c / 6 / 20)
        if n_lo < n_mid < n_hi and d_lo < c / (6 * n_mid) < d_hi:
            ax.text(n_mid, c / (6 * n_mid), f"1e{k}", color="white", fontsize=7, rotation=-35,
                    ha="center", va="center")
    ax.scatter(N, D, s=8, color="black", alpha=0.6, lw=0, label="runs")
    if has_nd(result):
        cg = np.geomspace(c_lo, c_hi, 80)
        sol = result.optimal(cg)
        ax.plot(sol["N"], sol["D"], color=COLORS["target"], lw=2, label="efficient frontier")
        if target:
            s = result.optimal(target)
            ax.plot(s["N"], s["D"], marker="*", ms=12, color=COLORS["target"], ls="none",
                    label=f"optimum at {_fmt_sci(target)} FLOPs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(n_lo, n_hi)
    ax.set_ylim(d_lo, d_hi)
    ax.set_xlabel("parameters N")
    ax.set_ylabel("training tokens D")
    ax.set_title("Fitted loss over (N, D)")
    ax.legend(loc="upper left", frameon=True, facecolor="white", framealpha=0.85)
    return fig


def _fixed_formatter():
    from matplotlib.ticker import FormatStrFormatter

    return FormatStrFormatter("%.2f")


def residuals(runs: RunsTable, result: FitResult) -> Figure:
    """Relative residuals (L̂/L − 1) against compute and against the prediction, coloured by D/N."""
    fig, (ax1, ax2) = new_figure(7.6, 3.6, ncols=2)
    pred = result.predict_runs(runs)
    res = 100 * (pred / runs.loss - 1)
    x = runs.C if "C" in runs.frame else runs.column(result.law.inputs[0])
    color = np.log10(runs.D / runs.N) if {"N", "D"} <= set(runs.frame.columns) else None
    kw = {"s": 12, "lw": 0, "alpha": 0.8, "cmap": "plasma"}
    sc = ax1.scatter(x, res, c=color, **kw) if color is not None else ax1.scatter(x, res, **kw)
    ax2.scatter(pred, runs.loss, c=color, **kw) if color is not None else ax2.scatter(pred, runs.loss, **kw)
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_xscale("log")
    ax1.set_xlabel("training compute C (FLOPs)" if "C" in runs.frame else result.law.inputs[0])
    ax1.set_ylabel("predicted / observed − 1  (%)")
    ax1.set_title("Residuals")
    lim = np.percentile(np.abs(res), 99) * 1.3 if len(res) else 1
    ax1.set_ylim(-lim, lim)
    lo, hi = float(min(pred.min(), runs.loss.min())), float(max(pred.max(), runs.loss.max()))
    ax2.plot([lo, hi], [lo, hi], color="black", lw=0.8)
    ax2.set_xlabel("predicted loss")
    ax2.set_ylabel("observed loss")
    ax2.set_title("Observed vs predicted")
    if color is not None:
        cbar = fig.colorbar(sc, ax=ax2, shrink=0.9)
        cbar.set_label("log10 tokens per parameter")
    return fig


def optimal_allocation(result: FitResult, runs: RunsTable | None = None, target: float | None = None,
                       level: float = 0.95) -> Figure:
    """N_opt(C) and D_opt(C) with bootstrap bands, and Approach 2's IsoFLOP minima as a cross-check."""
    fig, (ax,) = new_figure()
    lo, hi = compute_range(runs, target) if runs is not None else (1e18, (target or 1e25) * 3)
    grid = np.geomspace(lo, hi, 60)
    sol = result.optimal(grid, level)
    for key, label in (("N", "N_opt (parameters)"), ("D", "D_opt (tokens)")):
        if f"{key}_interval" in sol:
            ax.fill_between(grid, *sol[f"{key}_interval"], color=COLORS[key], alpha=0.18, lw=0)
        ax.plot(grid, sol[key], color=COLORS[key], lw=2, label=label)
    if runs is not None:
        try:
            from scalinglab.fitting.approaches import approach2

            a2 = approach2(runs)
            pc = np.array([p["C"] for p in a2.points])
            ax.scatter(pc, [p["N"] for p in a2.points], marker="o", s=28, facecolor="white",
                       edgecolor=COLORS["N"], zorder=3, label="IsoFLOP minima (Approach 2)")
            ax.scatter(pc, [p["D"] for p in a2.points], marker="o", s=28, facecolor="white",
                       edgecolor=COLORS["D"], zorder=3)
        except Exception:  # noqa: BLE001 - a cross-check only; data without IsoFLOP profiles skip it
            pass
    if target:
        s = result.optimal(target, level)
        ax.axvline(target, color=COLORS["target"], lw=1, ls=":")
        for key in ("N", "D"):
            ax.plot([target], [float(s[key][()])], marker="*", ms=11, color=COLORS[key], ls="none")
    ex = result.optimal_exponents
    if ex:
        ax.text(0.02, 0.97, f"N_opt ∝ C^{ex['a']:.3f}\nD_opt ∝ C^{ex['b']:.3f}", transform=ax.transAxes,
                va="top", fontsize=9, bbox={"facecolor": "white", "edgecolor": "#d1d5db", "boxstyle": "round"})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel("count")
    ax.set_title("Compute-optimal N and D (95% bands)" if result.draws is not None else "Compute-optimal N and D")
    ax.legend(loc="lower right")
    return fig


def extrapolation(result: FitResult, runs: RunsTable, target: float, level: float = 0.95) -> Figure:
    """The frontier from the data to a target budget: predicted loss with its band and the allocation."""
    fig, (ax,) = new_figure()
    lo, hi = compute_range(runs, target)
    grid = np.geomspace(lo, hi, 80)
    fr = result.frontier(grid, level)
    c_max = float(np.max(runs.C))
    ax.scatter(runs.C, runs.loss, s=10, color=COLORS["runs"], alpha=0.3, lw=0, label="runs")
    try:
        from scalinglab.fitting.approaches import approach1

        env = approach1(runs).points
        ax.scatter([p["C"] for p in env], [p["loss"] for p in env], s=22, color="black", lw=0,
                   label="lower envelope of runs")
    except Exception:  # noqa: BLE001 - too few envelope runs: leave it out
        pass
    ax.axvspan(c_max, hi, color="#fef3c7", alpha=0.6, lw=0, label="beyond the data")
    if fr is not None:
        if fr["lo"] is not None:
            ax.fill_between(grid, fr["lo"], fr["hi"], color=COLORS["band"], alpha=0.55, lw=0,
                            label=f"{100 * level:.0f}% bootstrap band")
        ax.plot(grid, fr["loss"], color=COLORS["fit"], lw=2, label="predicted frontier")
        t = result.frontier(np.array([target]), level)
        y = float(t["loss"][0])
        if t["lo"] is not None:
            ax.errorbar([target], [y], yerr=[[y - float(t["lo"][0])], [float(t["hi"][0]) - y]],
                        color=COLORS["target"], capsize=4, lw=1.5)
        ax.plot([target], [y], marker="*", ms=13, color=COLORS["target"], ls="none")
        text = f"C = {target:.3g} FLOPs\nloss {y:.4f}"
        if t["lo"] is not None:
            text += f"  [{float(t['lo'][0]):.4f}, {float(t['hi'][0]):.4f}]"
        if "N" in t:
            text += f"\nN_opt {float(t['N'][0]):.3g}, D_opt {float(t['D'][0]):.3g}"
        ax.text(0.98, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8.5,
                bbox={"facecolor": "white", "edgecolor": COLORS["target"], "boxstyle": "round"})
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, runs.loss)
    ax.set_xlabel("training compute C (FLOPs)")
    ax.set_ylabel("loss (nats/token)")
    ax.set_title(f"Extrapolation to {target:.3g} FLOPs")
    ax.legend(loc="lower left")
    return fig


def loss_vs_input(runs: RunsTable, result: FitResult, level: float = 0.95) -> Figure:
    """For laws of one input (N, D or C): loss against it with the fit and its band."""
    key = result.law.inputs[0]
    fig, (ax,) = new_figure()
    x = runs.column(key)
    ax.scatter(x, runs.loss, s=14, color=COLORS["runs"], alpha=0.7, lw=0, label="runs")
    grid = np.geomspace(x.min() / 2, x.max() * 3, 60)
    band = result.predict_interval(level, **{key: grid})
    if band is not None:
        ax.fill_between(grid, band[0], band[1], color=COLORS["band"], alpha=0.55, lw=0, label="95% band")
    ax.plot(grid, result.predict(**{key: grid}), color=COLORS["fit"], lw=2, label="fit")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, runs.loss)
    ax.set_xlabel({"N": "parameters N", "D": "training tokens D", "C": "training compute C (FLOPs)"}.get(key, key))
    ax.set_ylabel("loss (nats/token)")
    ax.set_title(f"Loss vs {key}")
    ax.legend()
    return fig


def fit_figures(runs: RunsTable, result: FitResult, target: float | None = None) -> list[FigureSpec]:
    """Every fit figure that applies to this law and data, in the report's order."""
    specs: list[FigureSpec] = []
    cols = set(runs.frame.columns)
    nd = has_nd(result)
    if "C" in cols and (nd or tuple(result.law.inputs) == ("C",)):
        specs.append(FigureSpec("loss_vs_compute", "Loss vs compute",
                                "Every run, IsoFLOP profiles coloured by budget, and the fitted loss along "
                                "the compute-optimal frontier.", loss_vs_compute(runs, result, target)))
    elif len(result.law.inputs) == 1:
        specs.append(FigureSpec("loss_vs_input", f"Loss vs {result.law.inputs[0]}",
                                "Runs and the fitted law with its bootstrap band.", loss_vs_input(runs, result)))
    if nd and "C" in cols and (profile_labels(runs.C) >= 0).any():
        specs.append(FigureSpec("isoflop_profiles", "IsoFLOP profiles",
                                "Runs of one budget against model size, the fitted law along C = 6ND, and "
                                "its minimum (stars).", isoflop_profiles(runs, result)))
    if nd:
        specs.append(FigureSpec("contours", "Loss over (N, D)",
                                "The fitted law as contours; dashed lines are constant compute; red is the "
                                "compute-efficient frontier.", loss_contours(runs, result, target)))
    specs.append(FigureSpec("residuals", "Residuals",
                            "Relative error of the fit at every run; a good fit shows no trend.",
                            residuals(runs, result)))
    if nd:
        specs.append(FigureSpec("optimal_allocation", "Compute-optimal allocation",
                                "N_opt(C) and D_opt(C) with bootstrap bands; open circles are Approach 2's "
                                "IsoFLOP minima, fitted without the parametric law.",
                                optimal_allocation(result, runs, target)))
    if target and "C" in cols and (nd or tuple(result.law.inputs) == ("C",)):
        specs.append(FigureSpec("extrapolation", "Extrapolation",
                                "The predicted frontier beyond the largest run, to the target budget, "
                                "with its bootstrap band.", extrapolation(result, runs, target)))
    return specs


# -- learning curves --------------------------------------------------------------------------------------
def learning_curves(train: Any, test: Any, fit: FitResult, all_checkpoints: Any | None = None,
                    title: str = "Learning curves") -> Figure:
    """Loss against tokens per model: train checkpoints, the held-out tail of the target, the fit's curves.

    ``train``/``test`` are the frames from ``scalinglab.curves.select`` (model, N, D, loss);
    ``all_checkpoints`` (optional) draws the unused checkpoints faintly.
    """
    fig, (ax,) = new_figure()
    frames = [f for f in (all_checkpoints, train, test) if f is not None]
    import pandas as pd

    every = pd.concat(frames)
    sizes = every.groupby("model")["N"].first().sort_values()
    cmap = _budget_cmap(len(sizes))
    for i, (model, n) in enumerate(sizes.items()):
        color = cmap(i / max(len(sizes) - 1, 1))
        if all_checkpoints is not None:
            a = all_checkpoints[all_checkpoints["model"] == model]
            ax.plot(a["D"], a["loss"], color=color, lw=0.6, alpha=0.35)
        tr = train[train["model"] == model]
        if len(tr):
            ax.plot(tr["D"], tr["loss"], color=color, lw=1.4, label=f"N = {n:.3g}")
        te = test[test["model"] == model]
        if len(te):
            ax.scatter(te["D"], te["loss"], s=14, color=COLORS["held"], zorder=3,
                       label=f"held-out tail (N = {n:.3g})")
        d_src = every[every["model"] == model]["D"]
        d_grid = np.geomspace(max(float(d_src.min()), 1.0), float(d_src.max()) * 1.5, 60)
        X = {"N": np.full_like(d_grid, n), "D": d_grid}
        if set(fit.law.inputs) <= set(X):
            ax.plot(d_grid, fit.predict(**{k: X[k] for k in fit.law.inputs}), color=color, lw=1, ls="--")
    ax.plot([], [], color="black", lw=1, ls="--", label="fitted law")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, every["loss"].to_numpy(dtype=float))
    ax.set_xlabel("tokens seen D")
    ax.set_ylabel("loss")
    ax.set_title(plain(title))
    ax.legend(loc="upper right", fontsize=7, ncols=2 if len(sizes) > 6 else 1)
    return fig


def post_training_gains(fit: Any) -> Figure:
    """Held-out SFT loss against fine-tuning examples per base model, with the multiplicative law fitted on
    the smaller base models (solid) and its prediction for the largest (dashed); ``fit`` is a PostFitResult."""
    fig, (ax,) = new_figure()
    curves = fit.multiplicative.get("curves", [])
    big = fit.largest["base_run"]
    cmap = _budget_cmap(len(curves))
    for i, c in enumerate(sorted(curves, key=lambda c: c["N"])):
        color = cmap(i / max(len(curves) - 1, 1))
        pts = [(r["examples"], r[fit.metric]) for r in fit.stages if r["base_run"] == c["base_run"]
               and r["stage"] in ("sft", "sft_scan") and r["examples"] and r.get(fit.metric) is not None]
        if pts:
            d, y = zip(*sorted(pts), strict=True)
            ax.scatter(d, y, s=16, color=color, zorder=3, label=plain(f"{c['base_run']} (N = {c['N']:.3g})"))
        ax.plot(c["D"], c["predicted"], color=color, lw=1.2, ls="--" if c["base_run"] == big else "-")
    ax.plot([], [], color="black", lw=1.2, label="law fitted on the smaller bases")
    ax.plot([], [], color="black", lw=1.2, ls="--", label="its prediction for the largest")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _loss_ticks(ax, np.array([y for c in curves for y in c["predicted"]]))
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

    ds = sorted({float(r["examples"]) for r in fit.stages if r["stage"] in ("sft", "sft_scan") and r["examples"]})
    ax.xaxis.set_major_locator(FixedLocator(ds))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%.0f"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("SFT examples D")
    ax.set_ylabel(plain(f"held-out {fit.metric}"))
    ax.set_title("Post-training: sft-multiplicative (Zhang et al. 2024)")
    ax.legend(loc="upper right", fontsize=7)
    return fig


# -- planners ------------------------------------------------------------------------------------------------
def inference_tradeoff(fit: FitResult, *, target_loss: float | None = None,
                       reference_params: float | None = None,
                       inference_tokens: Sequence[float] | None = None) -> Figure:
    """How the lifetime-optimal model shrinks as inference demand grows (Sardana et al. 2024).

    For each inference-token count the left panel shows N and D relative to the Chinchilla-optimal
    model of the same loss; the right panel, the lifetime FLOPs saved.
    """
    from scalinglab.planning.inference import plan_inference

    if inference_tokens is None:
        inference_tokens = np.geomspace(1e9, 1e14, 26)
    tokens = np.asarray(inference_tokens, dtype=float)
    plans = [plan_inference(fit, inference_tokens=t, target_loss=target_loss, reference_params=reference_params)
             for t in tokens]
    fig, (ax1, ax2) = new_figure(7.6, 3.6, ncols=2)
    ax1.plot(tokens, [p.optimal.N / p.reference.N for p in plans], color=COLORS["N"], lw=2,
             label="N / N_Chinchilla")
    ax1.plot(tokens, [p.optimal.D / p.reference.D for p in plans], color=COLORS["D"], lw=2,
             label="D / D_Chinchilla")
    ax1.axhline(1, color="black", lw=0.8)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("inference tokens over the model's life")
    ax1.set_ylabel("ratio to the Chinchilla-optimal model")
    ax1.set_title(f"Inference-aware size (loss {plans[0].target_loss:.3f})")
    ax1.legend()
    ax2.plot(tokens, [100 * p.flops_saving for p in plans], color=COLORS["fit"], lw=2)
    ax2.set_xscale("log")
    ax2.set_xlabel("inference tokens over the model's life")
    ax2.set_ylabel("lifetime FLOPs saved (%)")
    ax2.set_title("Saving vs Chinchilla-optimal")
    return fig


def data_constrained_tradeoff(fit: FitResult, compute: float, unique_tokens: Sequence[float] | float) -> Figure:
    """Loss against model size at a fixed budget for several unique-data sizes (Muennighoff et al. 2023).

    ``fit`` has the data-constrained law. Each curve is L(N, C/6N, U); dots mark each curve's best
    allocation, the dashed curve is the same law with unlimited data.
    """
    from scalinglab.planning.data_constrained import plan_data_constrained

    us = np.atleast_1d(np.asarray(unique_tokens, dtype=float))
    fig, (ax,) = new_figure()
    centre = np.sqrt(compute / 6)
    n_grid = np.geomspace(centre / 300, centre * 30, 120)
    d_grid = compute / (6 * n_grid)
    unlimited = fit.law.predict(fit.params, N=n_grid, D=d_grid, U=d_grid)
    ax.plot(n_grid, unlimited, color="black", lw=1.2, ls="--", label="unlimited unique data")
    cmap = _budget_cmap(len(us) + 1)
    plans = []
    for i, u in enumerate(sorted(us)):
        color = cmap(i / len(us))
        loss = fit.law.predict(fit.params, N=n_grid, D=d_grid, U=np.minimum(u, d_grid))
        ax.plot(n_grid, loss, color=color, lw=1.8, label=f"U = {u:.3g} unique tokens")
        plan = plan_data_constrained(fit, compute, u)
        plans.append(plan)
        ax.plot([plan.N], [plan.loss], marker="o", ms=6, color=color, mec="black", ls="none")
    ax.set_xscale("log")
    ax.set_xlabel("parameters N  (D = C / 6N)")
    ax.set_ylabel("predicted loss")
    best = [p.loss for p in plans]
    floor = float(np.nanmin(unlimited))
    ax.set_ylim(floor - 0.02 * floor, max(best) + 0.6 * (max(best) - floor) + 0.02 * floor)
    ax.set_title(f"Data-constrained allocation at C = {compute:.3g}")
    ax.legend(fontsize=7)
    return fig


def planner_figures(fit: FitResult, target: float | None,
                    unique_tokens: Sequence[float] | None = None) -> list[FigureSpec]:
    """The planners' trade-off figures for a Chinchilla-form fit (an empty list for other laws).

    Both are drawn at the target budget (default 1e23 FLOPs). Without ``unique_tokens`` the
    data-constrained figure uses 1, 1/4 and 1/16 of the compute-optimal D as the unique data.
    """
    specs: list[FigureSpec] = []
    if not {"E", "A", "B", "alpha", "beta"} <= set(fit.params) or not has_nd(fit):
        return specs
    c = target or 1e23
    sol = fit.optimal(c)
    n_ref, d_opt = float(sol["N"][()]), float(sol["D"][()])
    if not unique_tokens:
        unique_tokens = [d_opt, d_opt / 4, d_opt / 16]
    specs.append(FigureSpec(
        "inference_tradeoff", "Inference-aware allocation",
        f"Same loss as the compute-optimal model at {c:.3g} FLOPs (N = {n_ref:.3g}): the more tokens it will "
        "serve, the smaller and longer-trained the lifetime-optimal model (Sardana et al. 2024).",
        inference_tradeoff(fit, reference_params=n_ref)))
    if unique_tokens:
        from scalinglab.laws.data_constrained import MUENNIGHOFF_C4

        params = dict(fit.params) | {k: MUENNIGHOFF_C4[k] for k in ("R_D_star", "R_N_star")}
        dc = FitResult.from_params("data-constrained", params, source=fit.source)
        specs.append(FigureSpec(
            "data_constrained_tradeoff", "Data-constrained allocation",
            f"Loss against model size at {c:.3g} FLOPs when only U unique tokens exist (this fit's terms with "
            "Muennighoff et al.'s repetition constants); dots are the best allocation for each U.",
            data_constrained_tradeoff(dc, c, unique_tokens)))
    return specs



def save_curve_evaluation(table: Any, res: Any, selection: Any, path: str | Path) -> Path:
    """:func:`curve_evaluation_figure` written to a figure file (.png or .svg)."""
    return save(curve_evaluation_figure(table, res, selection), path)


def curve_evaluation_figure(table: Any, res: Any, selection: Any) -> Figure:
    """:func:`learning_curves` of a curves evaluation: its train/test checkpoints and the fitted law."""
    from scalinglab.curves.estimate import select

    train, test, info = select(table, selection)
    frame = table.frame
    shown = frame[frame["model"].isin([*info["train_models"], info["target"]])]
    are = res["are_percent"]
    return learning_curves(train, test, FitResult.from_params(res["law"], res["params"]), all_checkpoints=shown,
                           title=f"{table.source}: ARE " + ("n/a" if are is None else f"{are:.2f} %"))
