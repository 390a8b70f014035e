"""Figures of the test-time laws: coverage vs k per model (measured, fitted, extrapolated) and the
accuracy-vs-lifetime-cost frontier of (model, k) candidates. matplotlib is imported lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.report.figures import new_figure, plain, save

#: The formats the test-time figures (``--plot``) write.
TEST_TIME_FORMATS = (".png", ".svg", ".pdf")


def coverage_figure(fit: Any, counts: Any | None, path: str | Path, k_max: float | None = None) -> Path:
    """Coverage vs k: measured points (all samples in ``counts`` when given), the fitted law on the fitted
    range (solid) and its extrapolation (dashed), with the bootstrap band where the fit has draws."""
    from scalinglab.testtime.passk import coverage, log_spaced_ks

    fig, (ax,) = new_figure(7.0, 4.6)
    top = max(m.n_samples for m in fit.models)
    if counts is not None:
        top = max(top, int(counts.frame["n"].min()))
    k_hi = float(k_max or max(10 * top, 10))
    for i, m in enumerate(fit.models):
        color = f"C{i % 10}"
        if counts is not None and m.model in counts.models:
            g = counts.of(m.model)
            ks = log_spaced_ks(int(g["n"].min()), 25)
            ax.plot(ks, coverage(g["n"].to_numpy(), g["c"].to_numpy(), ks), "o", ms=3, color=color, alpha=0.6)
        else:
            ax.plot(list(m.measured), list(m.measured.values()), "o", ms=3, color=color, alpha=0.6)
        fitted = np.logspace(0, np.log10(max(m.n_samples, 1)), 100)
        extra = np.logspace(np.log10(max(m.n_samples, 1)), np.log10(k_hi), 60)
        ax.plot(fitted, fit.coverage(m.model, fitted), "-", color=color, label=plain(m.model))
        ax.plot(extra, fit.coverage(m.model, extra), "--", color=color)
        draws = fit.coverage_draws(m.model, np.concatenate([fitted, extra]))
        if draws is not None:
            lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
            ax.fill_between(np.concatenate([fitted, extra]), lo, hi, color=color, alpha=0.15, lw=0)
    ax.set_xscale("log")
    ax.set_xlabel("samples per problem k")
    ax.set_ylabel("coverage (pass@k)")
    ax.set_title(plain(f"{fit.law.title}: fitted (solid), extrapolated (dashed)"))
    ax.legend(fontsize=8, loc="upper left")
    return save(fig, path)


def frontier_figure(plan: Any, path: str | Path) -> Path:
    """Accuracy vs lifetime cost of every (model, k) candidate, the frontier, the best and the runner-up."""
    fig, (ax,) = new_figure(7.0, 4.6)
    models = list(dict.fromkeys(c.model for c in plan.candidates))
    for i, name in enumerate(models):
        pts = [c for c in plan.candidates if c.model == name]
        ax.plot([c.cost for c in pts], [c.accuracy for c in pts], "o-", ms=3, lw=0.8, color=f"C{i % 10}",
                label=plain(name))
    front = plan.frontier()
    ax.plot([c.cost for c in front], [c.accuracy for c in front], "-", color="black", lw=1.5, alpha=0.5,
            label="frontier")
    for c, label in ((plan.best, "best"), (plan.runner_up, "runner-up")):
        if c is not None:
            ax.plot([c.cost], [c.accuracy], "*", ms=14, color="black" if label == "best" else "grey")
            ax.annotate(plain(f"{label}: {c.model}, k={c.k}"), (c.cost, c.accuracy), fontsize=8,
                        xytext=(6, -12), textcoords="offset points")
    if plan.mode == "budget":
        ax.axvline(plan.limit, color="red", lw=1, ls=":", label="budget")
    else:
        ax.axhline(plan.limit, color="red", lw=1, ls=":", label="target")
    ax.set_xscale("log")
    ax.set_xlabel(plain(f"lifetime cost ({plan.unit}: training + queries × (prompt + k × generated))"))
    ax.set_ylabel("accuracy (coverage at k)")
    ax.legend(fontsize=8, loc="lower right")
    return save(fig, path)
