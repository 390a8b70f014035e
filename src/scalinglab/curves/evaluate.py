"""Extrapolation error of curve-fitted laws: ARE on the target's last 30 %, and the guide's (m, p) grid.

Choshen, Zhang & Andreas 2024 score an estimation choice by the absolute relative error
ARE = mean |L − L̂| / L over the target model's checkpoints in the last 30 % of its training, the
target being the family's largest model and the law fitted on the m smallest (§3, Fig. 3/4 heatmaps).
They put the floor at ~4 % ARE, the spread between seeds of one model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.curves.estimate import (
    DEFAULT_MIN_TOKENS,
    TEST_FRACTION,
    Selection,
    bootstrap_curves,
    fit_curves,
    select,
)
from scalinglab.data.runs import RunsTable
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.events import ProgressCallback
from scalinglab.fitting.result import FitResult
from scalinglab.results import Result

DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def are_percent(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute relative error in percent: 100 · mean |L − L̂| / L."""
    actual = np.asarray(actual, dtype=float)
    return float(100.0 * np.mean(np.abs(actual - np.asarray(predicted, dtype=float)) / actual))


def seed_spread(test: pd.DataFrame) -> dict[str, Any] | None:
    """ARE between seeds of one model: the noise floor a law's ARE can be compared with.

    Each seed's checkpoints are scored against the mean of the other seeds' losses at the same D
    (interpolated in log D, inside each other seed's range); the mean over seeds is reported.
    Choshen et al. 2024 put this seed-to-seed spread at up to ~4 % ARE. ``None`` with < 2 seeds.
    """
    if "seed" not in test or test["seed"].nunique() < 2:
        return None
    curves = {s: g.sort_values("D") for s, g in test.groupby("seed")}
    per_seed = []
    for s, g in curves.items():
        d = np.log(g["D"].to_numpy(dtype=float))
        others = []
        for t, h in curves.items():
            if t == s:
                continue
            dh = np.log(h["D"].to_numpy(dtype=float))
            inside = (d >= dh.min()) & (d <= dh.max())
            val = np.full(d.shape, np.nan)
            val[inside] = np.interp(d[inside], dh, h["loss"].to_numpy(dtype=float))
            others.append(val)
        ref = np.nanmean(np.vstack(others), axis=0) if others else np.full(d.shape, np.nan)
        ok = np.isfinite(ref)
        if ok.any():
            per_seed.append(are_percent(g["loss"].to_numpy(dtype=float)[ok], ref[ok]))
    if not per_seed:
        return None
    return {"seed_are_percent": float(np.mean(per_seed)), "n_seeds": len(curves),
            "per_seed_are_percent": [float(v) for v in per_seed]}


class CurveEvaluation(dict, Result):
    """An evaluation of :func:`evaluate_curves` (a dict of its keys) with the text report and the fit."""

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape: every key, the bootstrap without its draws."""
        out = dict(self)
        if out.get("bootstrap"):
            out["bootstrap"] = {k: v for k, v in out["bootstrap"].items() if k != "draws"}
        return out

    def fit_result(self) -> FitResult:
        """The fitted law as a FitResult (with the bootstrap draws), e.g. to save as a FIT.json."""
        res = FitResult.from_params(self["law"], self["params"],
                                    source=f"{self.get('source', '<curves>')} (curves, {self['options']['method']})")
        res.objective = self["objective"]
        boot = self.get("bootstrap")
        if boot:
            res.draws, res.bootstrap_seed = np.asarray(boot["draws"], dtype=float), boot["seed"]
        return res

    def text(self) -> str:
        tg, tr, are = self["target"], self["train"], self["are_percent"]
        lines = [f"Target {tg['model']} (N={tg['N']:.4g}), {tg['n_checkpoints']} checkpoints in its last "
                 f"30 % (D {tg['D_range'][0]:.3g}–{tg['D_range'][1]:.3g})",
                 f"Train: {len(tr['models'])} models ({', '.join(tr['models'])}), {tr['n_checkpoints']} "
                 f"checkpoints, target {tr['scale_ratio']:.1f}x the largest",
                 f"Fit ({self['options']['method']}): " + ", ".join(f"{k}={v:.4g}" for k, v in self["params"].items()),
                 f"ARE: {are:.2f} %" if are is not None else "ARE: undefined (non-finite prediction)"]
        if self.get("bootstrap"):
            b = self["bootstrap"]
            lo, hi = b["mean_predicted_interval"]
            lines += [f"Bootstrap over train models ({b['n']} refits), 95 % intervals: "
                      + ", ".join(f"{k} {lo:.4g}–{hi:.4g}" for k, (lo, hi) in b["intervals"].items()),
                      f"Target's mean loss {tg['mean_loss']:.4f}: predicted {tg['mean_predicted']:.4f} "
                      f"(95 % band {lo:.4f}–{hi:.4f}, {'covers' if b['covers_mean_loss'] else 'misses'} it)"]
        if self.get("seeds"):
            sd = self["seeds"]
            lines.append(f"Seed spread of the target: {sd['seed_are_percent']:.2f} % ARE between its "
                         f"{sd['n_seeds']} seeds (the floor a law can reach)")
        return "\n".join(lines)


def evaluate_curves(curves: RunsTable | pd.DataFrame, train_models: int | Sequence[str] | None = None,
                    min_tokens: float = DEFAULT_MIN_TOKENS, train_fraction: float = 1.0,
                    method: str = "curve_fit", law: str = "chinchilla",
                    fixed: Mapping[str, float] | None = None, weighting: str = "none",
                    target: str | None = None, test_fraction: float = TEST_FRACTION,
                    delta: float = 1e-3, bootstrap: int = 0, seed: int | None = 0,
                    progress: ProgressCallback | None = None) -> CurveEvaluation:
    """Fit on the selected train checkpoints, predict the target's last 30 %, report ARE and the fit.

    ``bootstrap`` K > 0 adds a cluster bootstrap over the train models (:func:`bootstrap_curves`):
    95 % intervals on the parameters and on the target's mean predicted loss, and the K draws, which
    a FIT.json carries to ``forecast`` as the family's parameter uncertainty.
    """
    start = time.perf_counter()
    sel = Selection(train_models, min_tokens, train_fraction, test_fraction, target)
    train, test, info = select(curves, sel)
    if len(test) == 0:
        raise ScalingLabError(f"target {info['target']!r} has no checkpoints past `min_tokens` in its "
                              f"last {100 * (1 - test_fraction):.0f} %")
    fit = fit_curves(train, law, method, fixed, weighting, delta)
    pred = fit.predict(**{k: test[k].to_numpy(dtype=float) for k in fit.law.inputs})
    actual = test["loss"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "are_percent": are_percent(actual, pred) if np.all(np.isfinite(pred)) else None,
        "target": {"model": info["target"], "N": info["target_N"], "n_checkpoints": info["n_test_points"],
                   "D_range": [float(test["D"].min()), float(test["D"].max())],
                   "mean_loss": float(actual.mean()), "mean_predicted": float(np.mean(pred))},
        "seeds": seed_spread(test),
        "train": {"models": info["train_models"], "n_checkpoints": info["n_train_points"],
                  "max_tokens": info["train_max_tokens"], "scale_ratio": info["scale_ratio"]},
        "options": {"train_models": len(info["train_models"]), "min_tokens": min_tokens,
                    "train_fraction": train_fraction, "test_fraction": test_fraction, "method": method,
                    "weighting": weighting, "fixed": dict(fixed or {}), "law": law},
        "law": fit.law.name, "params": fit.params, "objective": fit.objective,
        "seconds": time.perf_counter() - start,
    }
    if bootstrap:
        draws = bootstrap_curves(train, bootstrap, seed, law, method, fixed, weighting, delta, progress)
        names = fit.law.param_names
        lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
        X = {k: test[k].to_numpy(dtype=float) for k in fit.law.inputs}
        with np.errstate(over="ignore", invalid="ignore"):
            mean_pred = np.array([np.mean(fit.law.predict(dict(zip(names, d, strict=True)), **X)) for d in draws])
        band = np.percentile(mean_pred[np.isfinite(mean_pred)], [2.5, 97.5]).tolist()
        out["bootstrap"] = {"n": int(bootstrap), "seed": seed, "resample": "models",
                            "intervals": {k: [float(a), float(b)] for k, a, b in zip(names, lo, hi, strict=True)},
                            "mean_predicted_interval": [float(v) for v in band],
                            "covers_mean_loss": bool(band[0] <= out["target"]["mean_loss"] <= band[1]),
                            "draws": draws.tolist()}
        out["seconds"] = time.perf_counter() - start
    if isinstance(curves, RunsTable):
        out["source"] = curves.source
    return CurveEvaluation(out)


def are_grid(curves: RunsTable | pd.DataFrame, train_models: Sequence[int] | None = None,
             fractions: Sequence[float] = DEFAULT_FRACTIONS, **kwargs: Any) -> list[dict[str, Any]]:
    """The guide's heatmap: ARE for every m (number of smallest train models) × p (train fraction).

    A cell whose fit fails or selects too few checkpoints has ``are_percent`` None (blank in the
    guide's figures). Each row carries the label ``m (Xr)``: r = target N / largest train N, truncated as in the guide's figures.
    """
    bad = [p for p in fractions if not 0 < p <= 1]
    if bad or not fractions:
        shown = ", ".join(f"{p:g}" for p in bad) or "none"
        raise InputError(f"`fractions` must be train fractions in (0, 1], got {shown}")
    twice = sorted({p for p in fractions if list(fractions).count(p) > 1})
    if twice:  # a repeated fraction was a pandas "duplicate entries" traceback when pivoting the grid
        raise InputError(f"`fractions` lists {', '.join(f'{p:g}' for p in twice)} more than once")
    frame = curves.frame if isinstance(curves, RunsTable) else curves
    n_models = frame["model"].nunique()
    ms = list(train_models) if train_models else list(range(2, n_models))
    rows = []
    for m in ms:
        for p in fractions:
            try:
                r = evaluate_curves(curves, m, train_fraction=p, **kwargs)
                are, ratio = r["are_percent"], r["train"]["scale_ratio"]
                err = None
            except (ScalingLabError, RuntimeError, ValueError) as exc:
                are, err = None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                _, _, info = select(curves, Selection(m, kwargs.get("min_tokens", DEFAULT_MIN_TOKENS), p))
                ratio = info["scale_ratio"]
            rows.append({"train_models": m, "label": f"{m} (X{int(ratio)})", "train_fraction": p,
                         "are_percent": are, **({"error": err} if err else {})})
    return rows


def grid_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows of ``are_grid`` → a label × train-fraction table of ARE (%)."""
    df = pd.DataFrame(rows)
    df["are_percent"] = df["are_percent"].astype(float)
    order = df.drop_duplicates("label").sort_values("train_models")["label"].tolist()
    table = df.pivot(index="label", columns="train_fraction", values="are_percent")
    return table.loc[order]


@dataclass
class AreGrid(Result):
    """The guide's (m, p) ARE heatmap: :func:`are_grid`'s cells, with the table they form."""

    cells: list[dict[str, Any]]
    source: str
    options: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "options": self.options, "cells": self.cells}

    def text(self) -> str:
        tab = grid_table(self.cells)
        head = ["train models (target/largest)", *(f"p={p:g}" for p in tab.columns)]
        rows = [[str(label), *("" if v != v else f"{v:.2f}" for v in row)] for label, row in tab.iterrows()]
        w0 = max(len(head[0]), *(len(r[0]) for r in rows))
        lines = [f"ARE (%) predicting the largest model, {self.source}",
                 head[0].ljust(w0) + "".join(f"{h:>8}" for h in head[1:])]
        lines += [r[0].ljust(w0) + "".join(f"{c:>8}" for c in r[1:]) for r in rows]
        return "\n".join(lines)


def grid_result(curves: RunsTable, train_models: int | None = None, fractions: Sequence[float] = DEFAULT_FRACTIONS,
                **kwargs: Any) -> AreGrid:
    """:func:`are_grid` of ``curves`` as a result (``evaluate --grid``): every m, or only ``train_models``."""
    cells = are_grid(curves, [train_models] if train_models else None, fractions, **kwargs)
    return AreGrid(cells, curves.source, kwargs)
