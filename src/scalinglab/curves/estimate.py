"""Estimating a law from learning curves (intermediate checkpoints), after Choshen, Zhang & Andreas 2024.

"A Hitchhiker's Guide to Scaling Law Estimation" (arXiv:2410.11840) fits L(N, D) = E + A/N^α + B/D^β to
*every checkpoint* of a family's smaller models, D being the tokens seen so far, and found three choices
that matter: drop the noisy start of training (checkpoints with D ≤ 1e10 tokens), use the models closest
in scale to the target, and, when compute is short, train on a prefix of each curve (a fraction p of the
longest train model's tokens). This module holds those selection options, the guide's fitting recipe
(``scipy.optimize.curve_fit`` least squares on the loss from the Muennighoff et al. C4 fit), our global
robust fit on log-loss, optional per-model weighting, and a law wrapper that holds parameters fixed
(parameter sharing with another family's fit).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.runs import RunsTable, load_runs
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.events import ProgressCallback, report
from scalinglab.fitting.objectives import make_objective
from scalinglab.fitting.optimize import Problem, minimise_from, scan_starts
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law
from scalinglab.seeding import check_bootstrap, make_rng
from scalinglab.threads import single_blas_thread

#: Checkpoints with D ≤ this many tokens are dropped (the guide's ``cut_beginning``, §3).
DEFAULT_MIN_TOKENS = 1e10
#: The target model is scored on checkpoints with D ≥ this fraction of its final D (its last 30 %).
TEST_FRACTION = 0.7
#: The guide's curve_fit initial guess (a, b, e, α, β) = (ln A, ln B, ln E, α, β): Muennighoff et al. C4.
GUIDE_INIT = {"A": np.exp(6.255414), "B": np.exp(7.3049974), "E": np.exp(0.6254804),
              "alpha": 0.3526596, "beta": 0.3526596}
#: Fitting recipes: the guide's ``curve_fit`` on raw loss, or our global search on log-loss residuals.
METHODS = ("curve_fit", "lsq", "huber")
WEIGHTINGS = ("none", "model")


# -- curves tables ------------------------------------------------------------------------------------
def load_curves(source: str | Path | pd.DataFrame, *, params_col: str | None = None,
                tokens_col: str | None = None, flops_col: str | None = None, loss_col: str | None = None,
                model_col: str | None = None, where: str | None = None, drop_invalid: bool = False,
                name: str | None = None, columns: dict[str, str] | None = None) -> RunsTable:
    """Load a long-format curves table: one row per checkpoint (model, N, D = tokens seen, loss[, seed]).

    Parsing and validation are the runs table's (``load_runs``): same aliases, flags and one-line
    errors. A curve is identified by its model name (and seed, when a seed column is given: seeds of one
    model share its N and are pooled when fitting); without a model column each distinct N is one
    curve. Rows come back sorted by model, seed and D.
    """
    table = load_runs(source, params_col=params_col, tokens_col=tokens_col, flops_col=flops_col,
                      loss_col=loss_col, model_col=model_col, where=where, drop_invalid=drop_invalid,
                      require=("N", "D", "loss"), name=name, columns=columns)
    frame = table.frame
    if "model" not in table.columns_used:
        frame["model"] = [f"N={n:.4g}" for n in frame["N"]]
    per_model_n = frame.groupby("model")["N"].nunique()
    if (per_model_n > 1).any():
        bad = str(per_model_n[per_model_n > 1].index[0])
        row = int(frame.loc[frame["model"] == bad, "row"].iloc[0])
        raise InputError(f"model {bad!r} has more than one parameter count N; one curve per model",
                         file=table.source, row=row, column=table.columns_used.get("N", "N"))
    keys = ["N", "model", "seed", "D"] if "seed" in frame else ["N", "model", "D"]
    table.frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return table


def models_by_size(frame: pd.DataFrame) -> list[str]:
    """Model names ordered by parameter count (then name)."""
    sizes = frame.groupby("model")["N"].first().reset_index().sort_values(["N", "model"])
    return sizes["model"].tolist()


# -- checkpoint selection -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """Which checkpoints train the law and which score it (the guide's §3 protocol).

    ``train_models`` m: the m smallest models other than the target (or an explicit list).
    ``min_tokens``: drop checkpoints with D ≤ this (0 keeps all). ``train_fraction`` p: keep train
    checkpoints with D < p · (the longest train model's final D); the inequality is strict as in the
    guide's code, so p = 1 drops that model's final checkpoint. The target (default: the largest
    model) is scored on its checkpoints with D ≥ ``test_fraction`` × its final D, past ``min_tokens``.
    """

    train_models: int | Sequence[str] | None = None
    min_tokens: float = DEFAULT_MIN_TOKENS
    train_fraction: float = 1.0
    test_fraction: float = TEST_FRACTION
    target: str | None = None

    def validate(self) -> None:
        if not 0 < self.train_fraction <= 1:
            raise InputError(f"`train_fraction` must be in (0, 1], got {self.train_fraction:g}")
        if not 0 <= self.test_fraction < 1:
            raise InputError(f"test fraction must be in [0, 1), got {self.test_fraction:g}")
        if self.min_tokens < 0:
            raise InputError(f"`min_tokens` must be ≥ 0, got {self.min_tokens:g}")


def select(curves: RunsTable | pd.DataFrame, sel: Selection) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Split a curves table into (train checkpoints, target checkpoints, description)."""
    sel.validate()
    frame = curves.frame if isinstance(curves, RunsTable) else curves
    order = models_by_size(frame)
    if len(order) < 2:
        raise InputError("a curves evaluation needs at least two models (train and target)")
    target = sel.target or order[-1]
    if target not in order:
        raise InputError(f"unknown target model {target!r}; models: {', '.join(order)}")
    others = [m for m in order if m != target]
    if sel.train_models is None:
        train = others
    elif isinstance(sel.train_models, int):
        if not 1 <= sel.train_models <= len(others):
            raise InputError(f"`train_models` must be between 1 and {len(others)} "
                             f"(the family has {len(order)} models), got {sel.train_models}")
        train = others[: sel.train_models]
    else:
        train = list(sel.train_models)
        unknown = [m for m in train if m not in others]
        if unknown:
            raise InputError(f"unknown or target train model(s): {', '.join(unknown)}")
    tr = frame[frame["model"].isin(train)]
    max_tokens = float(tr["D"].max())
    tr = tr[(tr["D"] > sel.min_tokens) & (tr["D"] < sel.train_fraction * max_tokens)]
    te = frame[frame["model"] == target]
    te = te[(te["D"] > sel.min_tokens) & (te["D"] >= sel.test_fraction * float(te["D"].max()))]
    n_target = float(frame.loc[frame["model"] == target, "N"].iloc[0])
    n_largest_train = float(frame.loc[frame["model"].isin(train), "N"].max())
    info = {"train_models": train, "target": target, "target_N": n_target,
            "scale_ratio": n_target / n_largest_train, "train_max_tokens": max_tokens,
            "n_train_points": int(len(tr)), "n_test_points": int(len(te)),
            "min_tokens": sel.min_tokens, "train_fraction": sel.train_fraction,
            "test_fraction": sel.test_fraction}
    return tr, te, info


# -- fixed parameters ---------------------------------------------------------------------------------
class FixedLaw(Law):
    """A law with some parameters held at given values: its ``parameters`` are the free ones only.

    ``log_predict`` inserts the fixed values (internal units) and drops their Jacobian columns, so
    every fitter that works on a Law (scan + L-BFGS-B, batched Gauss–Newton) fits the rest unchanged.
    Used for parameter sharing: e.g. fix α and β from a larger family's fit, estimate E, A, B here.
    """

    def __init__(self, base: str | Law, fixed: Mapping[str, float]) -> None:
        base = get_law(base)
        unknown = [k for k in fixed if k not in base.param_names]
        if unknown:
            raise ScalingLabError(f"law {base.name!r} has no parameter(s) {', '.join(unknown)}; "
                                  f"it has {', '.join(base.param_names)}")
        if len(fixed) >= len(base.parameters):
            raise ScalingLabError("at least one parameter must stay free")
        self.base = base
        self.fixed = {k: float(v) for k, v in fixed.items()}
        for p in base.parameters:
            if p.name in self.fixed and p.log and self.fixed[p.name] <= 0:
                raise ScalingLabError(f"fixed {p.name} must be positive, got {self.fixed[p.name]:g}")
        self.name = f"{base.name}|fixed({','.join(f'{k}={v:g}' for k, v in self.fixed.items())})"
        self.title = f"{base.title or base.name} with {', '.join(self.fixed)} fixed"
        self.formula = base.formula
        self.inputs = base.inputs
        self._free = [j for j, p in enumerate(base.parameters) if p.name not in self.fixed]
        self.parameters = tuple(base.parameters[j] for j in self._free)
        self._full = np.array([0.0 if p.name not in self.fixed else
                               np.log(self.fixed[p.name]) if p.log else self.fixed[p.name]
                               for p in base.parameters])
        self.start_grid = {p.name: tuple(base.start_grid.get(p.name, (0.5 * (p.lower + p.upper),)))
                           for p in self.parameters}

    def full_theta(self, theta: np.ndarray) -> np.ndarray:
        """Free internal (K, P_free) → the base law's internal (K, P)."""
        theta = np.atleast_2d(theta)
        out = np.broadcast_to(self._full, (theta.shape[0], self._full.size)).copy()
        out[:, self._free] = theta
        return out

    def full_params(self, params: Mapping[str, float]) -> dict[str, float]:
        """Free raw parameters → all of the base law's raw parameters."""
        return {p.name: float(self.fixed[p.name] if p.name in self.fixed else params[p.name])
                for p in self.base.parameters}

    def features(self, X):
        return self.base.features(X)

    def log_predict(self, theta, F, jac=False):
        full = self.full_theta(theta)
        if not jac:
            return self.base.log_predict(full, F)
        out, J = self.base.log_predict(full, F, jac=True)
        return out, J[..., self._free]


def parse_fixed(items: Sequence[str] | str | None) -> dict[str, float]:
    """``["alpha=0.34", "beta=0.28"]`` or ``"alpha=0.34,beta=0.28"`` → {name: value}."""
    if not items:
        return {}
    if isinstance(items, str):
        items = [items]
    out: dict[str, float] = {}
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            name, eq, value = part.partition("=")
            try:
                if not eq:
                    raise ValueError
                out[name.strip()] = float(value)
            except ValueError:
                raise InputError(f"`fix` expects NAME=VALUE, got {part!r}") from None
            if not np.isfinite(out[name.strip()]):
                raise InputError(f"`fix` {name.strip()} must be finite")
    return out


# -- fitting --------------------------------------------------------------------------------------------
def model_weights(frame: pd.DataFrame) -> np.ndarray:
    """Per-point weights giving every model the same total weight (mean weight 1).

    Digitised or densely logged curves have very uneven checkpoint counts (GPT-3's small model has
    ~4x the points of its 13B); unweighted, the densest curve dominates the fit.
    """
    counts = frame.groupby("model")["model"].transform("size").to_numpy(dtype=float)
    w = 1.0 / counts
    return w * len(w) / w.sum()


def _fit_curve_fit(law: Law, fixed: Mapping[str, float], N: np.ndarray, D: np.ndarray, y: np.ndarray,
                   weights: np.ndarray | None) -> tuple[dict[str, float], dict[str, Any]]:
    """The guide's recipe: curve_fit least squares on raw loss from the C4 guess (TRF, dogbox fallback)."""
    from scipy.optimize import curve_fit

    if law.name != "chinchilla":
        raise ScalingLabError("the curve_fit recipe is the guide's Chinchilla fit; use the lsq or huber "
                              f"objective for law {law.name!r}")
    names = ("A", "B", "E", "alpha", "beta")  # guide order (a, b, e, α, β)
    free = [k for k in names if k not in fixed]
    p0 = [np.log(GUIDE_INIT[k]) if k in ("A", "B", "E") else GUIDE_INIT[k] for k in free]
    lower = [0.0 if k in ("alpha", "beta") else -np.inf for k in free]

    def f(_x: np.ndarray, *theta: float) -> np.ndarray:
        v = dict(zip(free, theta, strict=True))
        a = v.get("A", np.log(fixed["A"]) if "A" in fixed else 0.0)
        b = v.get("B", np.log(fixed["B"]) if "B" in fixed else 0.0)
        e = v.get("E", np.log(fixed["E"]) if "E" in fixed else 0.0)
        al = v.get("alpha", fixed.get("alpha", 0.0))
        be = v.get("beta", fixed.get("beta", 0.0))
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(e) + np.exp(a) / N ** al + np.exp(b) / D ** be

    sigma = None if weights is None else 1.0 / np.sqrt(weights)
    x = np.arange(len(y), dtype=float)
    method = "trf"
    try:
        popt, _ = curve_fit(f, x, y, p0=p0, bounds=(lower, [np.inf] * len(free)), sigma=sigma)
    except RuntimeError:
        method = "dogbox"
        popt, _ = curve_fit(f, x, y, p0=p0, bounds=(lower, [np.inf] * len(free)), sigma=sigma,
                            method="dogbox", x_scale=np.abs(p0))
    v = dict(zip(free, popt, strict=True))
    raw = {k: float(np.exp(v[k]) if k in ("A", "B", "E") else v[k]) for k in free}
    raw.update(fixed)
    resid = f(x, *popt) - y
    return raw, {"method": f"curve_fit ({method})", "sse": float(np.sum(resid ** 2))}


def _global_fit(problem: Problem, extra_starts: np.ndarray | None, max_scan_points: int = 400,
                top_k: int = 4):
    """Global search on a thinned copy (the scan), then L-BFGS-B polish of the best starts on all points.

    Learning curves have thousands of near-duplicate checkpoints (digitised plots, per-step logging);
    the start scan only needs their shape, so it runs on at most ``max_scan_points`` evenly spaced
    points, weighted to stand for the rest. The polish uses every point.
    """
    n = problem.log_y.size
    scan = problem
    if n > max_scan_points:
        idx = np.unique(np.linspace(0, n - 1, max_scan_points).round().astype(int))
        w = (np.ones(n) if problem.weights is None else problem.weights)[idx] * (n / idx.size)
        scan = Problem(problem.law, problem.objective, {k: v[idx] for k, v in problem.F.items()},
                       problem.log_y[idx], w)
    starts, _ = scan_starts(scan, top_k)
    if extra_starts is not None:
        starts = np.vstack([np.atleast_2d(extra_starts), starts])
    return minimise_from(problem, starts)


@single_blas_thread
def fit_curves(train: pd.DataFrame, law: str | Law = "chinchilla", method: str = "curve_fit",
               fixed: Mapping[str, float] | None = None, weighting: str = "none",
               delta: float = 1e-3) -> FitResult:
    """Fit ``law`` to train checkpoints (columns N, D, loss, model); parameters come back in raw units.

    ``method``: ``curve_fit`` (the guide's recipe: least squares on L from one initial guess), ``lsq``
    (least squares on log L, global search) or ``huber`` (Huber(δ) on log L, global search, as
    Hoffmann et al. 2022). ``fixed`` holds parameters at given raw values; ``weighting="model"``
    gives every model equal total weight.
    """
    if method not in METHODS:
        raise InputError(f"unknown fitting method {method!r}; choose one of {', '.join(METHODS)}")
    if weighting not in WEIGHTINGS:
        raise InputError(f"unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}")
    start = time.perf_counter()
    base = get_law(law)
    missing = [k for k in base.inputs if k not in train.columns]
    if missing:  # bnsl's x or data-constrained's U were a KeyError traceback
        raise InputError(f"`law` {base.name!r} needs the input(s) {', '.join(missing)}, which learning curves "
                         f"do not have (they have N, D and C)")
    if method == "curve_fit" and base.name != "chinchilla":  # kaplan-n, compute, ... were a KeyError
        raise InputError(f"the curve_fit recipe is the guide's Chinchilla fit; for `law` {base.name!r} use the "
                         "lsq or huber objective")
    fixed = dict(fixed or {})
    fit_law: Law = FixedLaw(base, fixed) if fixed else base
    if len(train) < fit_law.min_points:
        raise InputError(f"only {len(train)} train checkpoints after selection; the fit needs at least "
                         f"{fit_law.min_points} (lower `min_tokens` or raise `train_fraction`/`train_models`)")
    X = {k: train[k].to_numpy(dtype=float) for k in base.inputs}
    y = train["loss"].to_numpy(dtype=float)
    w = model_weights(train) if weighting == "model" else None
    if method == "curve_fit":
        params, extra = _fit_curve_fit(base, fixed, X["N"], X["D"], y, w)
        objective, spec = extra["sse"], {"name": "curve_fit", "description":
                                         f"least squares on loss, {extra['method']}, guide's C4 guess"}
        converged = True
    else:
        obj = make_objective(method, delta)
        F = fit_law.features(X)
        extra_starts = None
        if base.name == "chinchilla":
            g = fit_law.to_internal({k: GUIDE_INIT[k] for k in fit_law.param_names})
            extra_starts = g[None, :]
        info = _global_fit(Problem(fit_law, obj, F, np.log(y), w), extra_starts)
        free = fit_law.to_raw(info.theta)
        params = fit_law.full_params(free) if isinstance(fit_law, FixedLaw) else free
        objective, converged = info.value, bool(info.success)
        spec = obj.to_dict() | {"description": obj.describe()}
    spec = spec | {"weighting": weighting, "fixed": fixed}
    return FitResult(base, {k: float(params[k]) for k in base.param_names}, objective=float(objective),
                     objective_spec=spec, n_points=int(len(train)),
                     fit_seconds=time.perf_counter() - start, converged=converged)


@single_blas_thread
def bootstrap_curves(train: pd.DataFrame, n: int, seed: int | None = 0, law: str | Law = "chinchilla",
                     method: str = "curve_fit", fixed: Mapping[str, float] | None = None,
                     weighting: str = "none", delta: float = 1e-3,
                     progress: ProgressCallback | None = None) -> np.ndarray:
    """(n, P) raw-unit parameter draws from a cluster bootstrap over the train models.

    Checkpoints of one curve are strongly correlated, so resampling checkpoints would give intervals far
    too narrow; whole models are resampled with replacement instead (all checkpoints of a drawn model,
    duplicates kept), and each resample is refitted with the same recipe. Resamples with fewer than two
    model sizes cannot identify the law and are redrawn. ``progress`` gets a :class:`~scalinglab.events.Progress` ("bootstrap", i, n) after each refit.
    """
    if n < 1:
        raise InputError(f"`bootstrap` must be ≥ 1, got {n}")
    check_bootstrap(n)
    sizes = train.groupby("model", sort=False)["N"].first()  # in order of appearance, like ``models``
    models = sizes.index.tolist()
    if sizes.nunique() < 2:
        raise InputError("the bootstrap over models needs at least two model sizes in the train set")
    by_model = {m: g for m, g in train.groupby("model")}
    rng = make_rng(seed)
    names = get_law(law).param_names
    draws = np.empty((n, len(names)))
    i = tries = 0
    while i < n:
        tries += 1
        if tries > 50 * n:
            raise ScalingLabError("the bootstrap over models kept drawing a single model size; add models")
        pick = rng.choice(len(models), size=len(models), replace=True)
        if sizes.iloc[np.unique(pick)].nunique() < 2:
            continue
        sample = pd.concat([by_model[models[j]] for j in pick], ignore_index=True)
        try:
            fit = fit_curves(sample, law, method, fixed, weighting, delta)
        except (RuntimeError, ValueError, ScalingLabError):
            continue  # a resample whose fit fails is redrawn, as the guide drops failed fits
        draws[i] = [fit.params[k] for k in names]
        i += 1
        report(progress, "bootstrap", i, n)
    return draws
