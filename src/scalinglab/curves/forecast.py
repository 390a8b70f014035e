"""Partial-run forecasting: the final loss of a run in progress, from its curve so far and its family's law.

The family's law L̂(N, D) (a FIT.json, e.g. fitted on the family's finished curves) says where a model
of N parameters should be after D tokens. A run in progress is compared with it on its own recent
checkpoints: the log-gap c = mean(log L − log L̂) over the last half of the observed curve calibrates the
law to this run (a seed, data-order or infrastructure offset that persists), and the forecast is
L̂(N, D_final)·e^c. The interval comes from a bootstrap over the run's recent checkpoints (resampled
with replacement), paired with the family's bootstrap draws when the FIT.json has them, so it reflects
both the run's noise and the family's parameter uncertainty. The default ``drift`` method also learns,
from the family's finished curves in the same table, how far the gap moves after the run's cut point
(:func:`gap_drift`), shifting the forecast by the shrunk mean move and widening the interval by its spread;
``checkpoints`` is the original, constant-gap recipe (its interval misses most final losses).

The gate compares the run with its family: ``on_track`` when |e^c − 1| ≤ tolerance, ``behind`` when
the run is worse than the law by more than that, ``ahead`` when better; with a target loss, it also
asks whether the interval's upper end reaches it. Choshen et al. 2024 put seed-to-seed spread at
~4 % ARE at worst, so a tolerance of a few percent separates a broken run from noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.runs import RunsTable
from scalinglab.errors import InputError
from scalinglab.fitting.result import FitResult
from scalinglab.results import Result
from scalinglab.seeding import check_bootstrap, make_rng

FORECAST_METHODS = ("drift", "checkpoints")
FINAL_WINDOW = 0.98  # a finished curve's "final" loss: mean over checkpoints with D ≥ 98 % of its last D


class Forecast(dict, Result):
    """The forecast of one run (a dict of the ``--json`` keys, with :meth:`text`; see :func:`forecast_run`)."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self)

    def text(self) -> str:
        iv, g = self["interval"], self["gate"]
        seed = f" (seed {self['seed']:g})" if self["seed"] is not None else ""
        target = (f"; meets target {g['target_loss']:g}: {'yes' if g['meets_target'] else 'no'}"
                  if "target_loss" in g else "")
        return "\n".join([
            f"Run {self['run']}{seed}: N={self['N']:.4g}, {self['tokens_seen']:.3g} of {self['final_tokens']:.3g} "
            f"tokens, last loss {self['last_loss']:.4f}",
            f"Forecast at {self['final_tokens']:.3g} tokens: {self['forecast']:.4f}"
            + (f"  ({100 * self['level']:.10g}% interval {iv[0]:.4f}–{iv[1]:.4f})" if iv else "")
            + f"; the family's law alone: {self['family_forecast']:.4f}",
            f"Gate: {g['status']} (run is {100 * g['relative_gap']:+.2f} % vs the law, tolerance "
            f"{100 * g['tolerance']:g} %){target}"])


def _check_request(fit: FitResult, method: str, level: float, recent_fraction: float, final_tokens: float,
                   tolerance: float = 0.03, target_loss: float | None = None, bootstrap: int = 0,
                   min_tokens: float = 0.0) -> None:
    if method not in FORECAST_METHODS:
        raise InputError(f"unknown forecast method {method!r}; choose one of {', '.join(FORECAST_METHODS)}")
    if set(fit.law.inputs) != {"N", "D"}:
        raise InputError(f"forecasting needs a law of N and D; the fit's law {fit.law.name!r} takes "
                         f"{', '.join(fit.law.inputs)}")
    if not 0 < level < 1:
        raise InputError(f"`level` must be in (0, 1), got {level:g}")
    if not 0 < recent_fraction <= 1:
        raise InputError(f"recent fraction must be in (0, 1], got {recent_fraction:g}")
    if not (final_tokens > 0 and np.isfinite(final_tokens)):  # inf was forecast "at inf tokens"
        raise InputError(f"`final_tokens` must be positive, got {final_tokens:g}")
    if not (tolerance >= 0 and np.isfinite(tolerance)):  # nan/negative made every run "behind"
        raise InputError(f"`tolerance` must be a non-negative fraction, got {tolerance:g}")
    if target_loss is not None and not (target_loss > 0 and np.isfinite(target_loss)):
        raise InputError(f"`target_loss` must be a positive loss, got {target_loss:g}")
    check_bootstrap(bootstrap)  # -1 was taken as 0 (no interval) without a word
    if not min_tokens >= 0 or not np.isfinite(min_tokens):
        raise InputError(f"`min_tokens` must be a non-negative number of tokens, got {min_tokens:g}")


def _run_rows(frame: pd.DataFrame, run: str, run_seed: float | None,
              min_tokens: float) -> tuple[pd.DataFrame, float | None]:
    """The run's checkpoints past ``min_tokens`` (one seed of it), sorted by D, and that seed."""
    rows = frame[frame["model"] == run]
    if rows.empty:
        known = ", ".join(sorted(frame["model"].unique())[:10])
        raise InputError(f"no run named {run!r} in the curves (runs: {known})")
    if "seed" in frame and frame["seed"].notna().any():
        seeds = sorted(rows["seed"].dropna().unique())
        if run_seed is None and len(seeds) > 1:
            raise InputError(f"run {run!r} has {len(seeds)} seeds ({', '.join(f'{s:g}' for s in seeds)}); "
                             "pick the one in progress with `run_seed`")
        if run_seed is not None:
            rows = rows[rows["seed"] == run_seed]
            if rows.empty:
                raise InputError(f"run {run!r} has no seed {run_seed:g} (seeds: "
                                 f"{', '.join(f'{s:g}' for s in seeds)})")
        elif seeds:
            run_seed = float(seeds[0])
    elif run_seed is not None:
        raise InputError("`run_seed` given but the curves have no seed column")
    rows = rows[rows["D"] > min_tokens].sort_values("D")
    if len(rows) < 2:
        raise InputError(f"run {run!r} has fewer than 2 checkpoints past `min_tokens` {min_tokens:g}")
    return rows, run_seed


def _bootstrap(fit: FitResult, rng: np.random.Generator, bootstrap: int, r: np.ndarray, logL: np.ndarray,
               N: float, D: np.ndarray, final_tokens: float, law_final: float) -> np.ndarray | None:
    """Final-loss samples: the recent checkpoints resampled, paired with the fit's draws if it has them."""
    if bootstrap <= 0:
        return None
    k = len(r)
    idx = rng.integers(0, k, size=(bootstrap, k))
    c_b = r[idx].mean(axis=1)
    if fit.draws is None or not len(fit.draws):
        return law_final * np.exp(c_b)
    names = fit.law.param_names
    pick = rng.integers(0, len(fit.draws), size=bootstrap)
    lf = np.empty(bootstrap)
    for b, j in enumerate(pick):
        p = dict(zip(names, fit.draws[j], strict=True))
        now_b = fit.law.predict(p, N=np.full_like(D, N), D=D)
        lf[b] = fit.law.predict(p, N=N, D=final_tokens)
        c_b[b] = (logL[idx[b]] - np.log(now_b[idx[b]])).mean()
    return lf * np.exp(c_b)


def _drift(frame: pd.DataFrame, fit: FitResult, run: str, lo: float, hi: float, min_tokens: float,
           run_seed: float | None, c: float) -> tuple[float, float, int | None, str]:
    """(shift, spread, degrees of freedom, source) of the log-gap's move over the rest of the run."""
    drift = gap_drift(frame, fit, run, lo, hi, min_tokens, run_seed)
    if drift is None:  # nothing to learn the drift from: the gap may vanish or double by the end
        return 0.0, abs(c), None, "no finished curves: ±|gap|"
    shift, spread = float(np.mean(drift)), float(np.std(drift, ddof=1))
    # positive-part James–Stein shrinkage of the mean drift toward 0 (few, disagreeing curves)
    shift *= max(0.0, 1.0 - spread ** 2 / len(drift) / max(shift ** 2, 1e-300))
    spread *= float(np.sqrt(1 + 1 / len(drift)))  # predicting one more model's drift
    return shift, spread, len(drift) - 1, f"{len(drift)} finished curves"


def _gate(c: float, tolerance: float, target_loss: float | None, interval: list[float] | None,
          point: float) -> dict[str, Any]:
    gap = float(np.exp(c) - 1.0)
    status = "on_track" if abs(gap) <= tolerance else ("behind" if gap > 0 else "ahead")
    gate: dict[str, Any] = {"status": status, "relative_gap": gap, "tolerance": tolerance,
                            "passed": status != "behind"}
    if target_loss is not None:
        upper = interval[1] if interval else point
        gate["target_loss"] = target_loss
        gate["meets_target"] = bool(upper <= target_loss)
        gate["passed"] = gate["passed"] and gate["meets_target"]
    return gate


def forecast_run(curves: RunsTable | pd.DataFrame, fit: FitResult, run: str, final_tokens: float,
                 level: float = 0.95, bootstrap: int = 500, seed: int | None = 0, min_tokens: float = 0.0,
                 recent_fraction: float = 0.5, tolerance: float = 0.03,
                 target_loss: float | None = None, method: str = "drift",
                 run_seed: float | None = None) -> Forecast:
    """Forecast ``run``'s loss at ``final_tokens`` with an interval, and say whether it is on track.

    ``method="checkpoints"`` is the original recipe (gap held constant; interval from the checkpoint
    bootstrap and the FIT.json draws only). ``method="drift"`` (default) also accounts for the gap
    changing over the rest of the run; see :func:`gap_drift`. When the curves carry a seed column and
    ``run`` has several seeds, ``run_seed`` picks the one in progress.
    """
    _check_request(fit, method, level, recent_fraction, final_tokens, tolerance, target_loss, bootstrap, min_tokens)
    frame = curves.frame if isinstance(curves, RunsTable) else curves
    rows, run_seed = _run_rows(frame, run, run_seed, min_tokens)
    N, D_seen = float(rows["N"].iloc[0]), float(rows["D"].max())
    if final_tokens < D_seen:
        raise InputError(f"`final_tokens` {final_tokens:g} is below the tokens already seen ({D_seen:g})")
    k = max(2, int(np.ceil(recent_fraction * len(rows))))
    recent = rows.iloc[-k:]
    D = recent["D"].to_numpy(dtype=float)
    logL = np.log(recent["loss"].to_numpy(dtype=float))
    r = logL - np.log(fit.predict(N=np.full_like(D, N), D=D))
    c = float(r.mean())
    law_final = float(fit.predict(N=N, D=final_tokens))
    point = law_final * float(np.exp(c))
    rng = make_rng(seed)
    samples = _bootstrap(fit, rng, bootstrap, r, logL, N, D, final_tokens, law_final)
    drift_info = None
    if method == "drift":
        shift, spread, dof, source = _drift(frame, fit, run, float(D.min()) / final_tokens, D_seen / final_tokens,
                                            min_tokens, run_seed, c)
        point *= float(np.exp(shift))
        drift_info = {"shift_log": shift, "sd_log": spread, "source": source}
        if samples is not None:
            eps = rng.standard_t(dof, size=len(samples)) if dof else rng.standard_normal(len(samples))
            samples = samples * np.exp(shift + spread * eps)
    q = 100 * (1 - level) / 2
    interval = ([float(np.percentile(samples, q)), float(np.percentile(samples, 100 - q))]
                if samples is not None else None)
    return Forecast({
        "run": run, "seed": run_seed, "N": N, "tokens_seen": D_seen, "final_tokens": float(final_tokens),
        "n_checkpoints": int(len(rows)), "n_recent": int(k),
        "last_loss": float(rows["loss"].iloc[-1]),
        "forecast": point, "interval": interval, "level": level,
        "family_forecast": law_final, "offset_log": c,
        "interval_source": ("checkpoints × family draws" if fit.draws is not None else "checkpoints")
        + (" + gap drift" if method == "drift" else "") if bootstrap > 0 else None,
        "method": method, "drift": drift_info,
        "gate": _gate(c, tolerance, target_loss, interval, point), "law": fit.law.name, "params": fit.params,
    })


def gap_drift(frame: pd.DataFrame, fit: FitResult, run: str, lo: float, hi: float,
              min_tokens: float = 0.0, run_seed: float | None = None) -> np.ndarray | None:
    """How much the log-gap to the law moved, on the family's finished curves, after the run's cut point.

    For every other model in ``frame`` the gap is measured over the same relative window of its own
    run as the run's recent checkpoints ([lo, hi] × its last D) and again at its end (D ≥ 98 % of its
    last D); the drift is end − window. Their mean shifts the forecast and their spread widens the
    interval (learning-rate decay, for instance, bends every curve of a family below a law fitted on
    whole curves in the last part of training). With a seed column every (model, seed) is its own curve,
    so finished seeds of the run's own model count too. ``None`` when fewer than two curves qualify.
    """
    if "seed" in frame and frame["seed"].notna().any():
        own = (frame["model"] == run) & ((frame["seed"] == run_seed) if run_seed is not None
                                         else frame["seed"].isna())
        groups = frame[~own].groupby(["model", "seed"], dropna=False)
    else:
        groups = frame[frame["model"] != run].groupby("model")
    out = []
    for _name, rows in groups:
        rows = rows[rows["D"] > min_tokens]
        if len(rows) < 4:
            continue
        d_max = float(rows["D"].max())
        N = float(rows["N"].iloc[0])
        resid = np.log(rows["loss"].to_numpy(dtype=float)) - np.log(
            fit.predict(N=np.full(len(rows), N), D=rows["D"].to_numpy(dtype=float)))
        d = rows["D"].to_numpy(dtype=float)
        window = (d >= lo * d_max) & (d <= hi * d_max)
        end = d >= FINAL_WINDOW * d_max
        if window.sum() < 2 or not end.any() or not np.all(np.isfinite(resid)):
            continue
        out.append(float(resid[end].mean() - resid[window].mean()))
    return np.asarray(out) if len(out) >= 2 else None
