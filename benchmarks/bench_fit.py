"""Benchmark: scalinglab's fit and bootstrap against the scipy recipes a user would write, same run.

Data: Epoch AI's digitisation of Hoffmann et al. (2022)'s runs (``bundled:chinchilla``) filtered to
``loss < 3.44`` (240 runs) as Besiroglu et al. (2024) do. Objective everywhere: summed Huber (δ = 1e-3) on
log-loss residuals, L = LSE(a − α log N, b − β log D, e) (Hoffmann et al. App. D.2).

1. One fit vs Hoffmann's recipe: scipy L-BFGS-B (analytic gradient) from every point of the
   6×6×5×5×5 = 4500-start grid, keep the best.
2. 4000 bootstrap refits vs Epoch's recipe (Besiroglu et al. 2024): one L-BFGS-B (analytic gradient)
   per resample, warm-started at the full-data optimum — on exactly the same resamples (seed 42).

Both baselines run with BLAS held to one thread, which is their fastest setting (their calls are tiny);
times are CPU seconds of this process (``time.process_time``), with wall seconds beside them.
``--load 2`` starts two busy processes for the whole run (the issue's "loaded machine" condition).

    .venv/bin/python benchmarks/bench_fit.py [--starts 4500] [--draws 4000] [--load 2]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from scalinglab import ScalingLawFit, load_runs
from scalinglab.fitting.bootstrap import resample_weights
from scalinglab.fitting.objectives import make_objective


def baseline_objective(p: np.ndarray, lN: np.ndarray, lD: np.ndarray, lL: np.ndarray,
                       w: np.ndarray | None = None, delta: float = 1e-3):
    """Summed (weighted) Huber on LSE(a − α log N, b − β log D, e) − log L, p = (a, b, e, α, β)."""
    a, b, e, alpha, beta = p
    terms = np.stack([a - alpha * lN, b - beta * lD, np.full_like(lN, e)])
    lse = logsumexp(terms, axis=0)
    r = lse - lL
    absr = np.abs(r)
    rho = np.where(absr <= delta, 0.5 * r * r, delta * (absr - 0.5 * delta))
    s = np.exp(terms - lse)
    psi = np.clip(r, -delta, delta)
    if w is not None:
        rho, psi = rho * w, psi * w
    grad = np.array([psi @ s[0], psi @ s[1], psi @ s[2], -(psi * s[0]) @ lN, -(psi * s[1]) @ lD])
    return rho.sum(), grad


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10000))


def _timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def grid_baseline(lN, lD, lL, starts: int):
    """Hoffmann's grid: L-BFGS-B from each start; returns (best result, scale to 4500 starts)."""
    grid = list(itertools.product(np.arange(0, 30, 5.0), np.arange(0, 30, 5.0), np.arange(-1, 1.5, 0.5),
                                  np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5)))
    if starts < len(grid):
        grid = [grid[i] for i in np.random.default_rng(0).choice(len(grid), starts, replace=False)]
    best = None
    for start in grid:
        res = minimize(baseline_objective, np.array(start), args=(lN, lD, lL), jac=True, method="L-BFGS-B")
        if res.success and (best is None or res.fun < best.fun):
            best = res
    return best, 4500 / len(grid)


def epoch_bootstrap(lN, lD, lL, p_hat: np.ndarray, W: np.ndarray) -> np.ndarray:
    """One warm-started L-BFGS-B per resample (weights W (k, n)); returns the objectives (k,)."""
    return np.array([minimize(baseline_objective, p_hat, args=(lN, lD, lL, w), jac=True,
                              method="L-BFGS-B").fun for w in W])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=4500, help="baseline starts (4500 = Hoffmann's grid)")
    ap.add_argument("--bootstrap", type=int, default=4000)
    ap.add_argument("--draws", type=int, default=4000, help="Epoch-style baseline refits (extrapolated)")
    ap.add_argument("--load", type=int, default=0, help="busy processes to run alongside")
    args = ap.parse_args()
    stop = mp.Event()
    busy = [mp.Process(target=_busy, args=(stop,), daemon=True) for _ in range(args.load)]
    for p in busy:
        p.start()
    runs = load_runs("bundled:chinchilla", where="loss < 3.44")
    lN, lD, lL = np.log(runs.N), np.log(runs.D), np.log(runs.loss)

    with threadpool_limits(1):
        (best, scale), c_base, w_base = _timed(lambda: grid_baseline(lN, lD, lL, args.starts))
    ScalingLawFit().fit(runs)  # warm caches/imports before timing ours
    fits = [_timed(lambda: ScalingLawFit().fit(runs)) for _ in range(3)]
    fit, c_ours, w_ours = min(fits, key=lambda t: t[1])
    rel = abs(fit.objective_ - best.fun) / best.fun

    boot = ScalingLawFit(bootstrap=args.bootstrap, seed=42).fit(runs).result_
    info = boot.bootstrap_info
    p_hat = np.array([fit.theta_[1], fit.theta_[2], fit.theta_[0], fit.theta_[3], fit.theta_[4]])
    W = resample_weights(len(lL), args.bootstrap, 42)[: args.draws]
    with threadpool_limits(1):
        f_epoch, c_epoch, w_epoch = _timed(lambda: epoch_bootstrap(lN, lD, lL, p_hat, W))
    c_epoch, w_epoch = c_epoch * args.bootstrap / len(W), w_epoch * args.bootstrap / len(W)
    law = boot.law
    F = law.features({"N": runs.N, "D": runs.D})
    theta = np.array([law.to_internal(dict(zip(law.param_names, d, strict=True))) for d in boot.draws[: len(W)]])
    f_ours = (make_objective().rho(law.log_predict(theta, F) - lL[None, :]) * W).sum(axis=1)
    stop.set()

    note = "" if scale == 1 else f" (extrapolated from {args.starts} starts)"
    print(f"data: bundled:chinchilla, loss < 3.44 ({len(runs)} runs); {args.load} busy processes alongside")
    print(f"baseline  scipy L-BFGS-B x 4500 grid starts:   {c_base * scale:8.2f} s CPU "
          f"({w_base * scale:.2f} s wall){note}, objective {best.fun:.12g}")
    print(f"scalinglab fit (varpro scan + Newton polish): {c_ours:8.3f} s CPU ({w_ours:.3f} s wall), "
          f"objective {fit.objective_:.12g}")
    print(f"objective relative difference:                {rel:.1e}  ({'OK' if rel <= 1e-9 else 'MISMATCH'})")
    print(f"speed-up of one fit vs the grid baseline:     {c_base * scale / c_ours:8.0f}x CPU, "
          f"{w_base * scale / w_ours:.0f}x wall")
    print(f"baseline  Epoch-style {args.bootstrap} warm-started L-BFGS-B refits: {c_epoch:8.2f} s CPU "
          f"({w_epoch:.2f} s wall)" + ("" if len(W) == args.bootstrap else f" (extrapolated from {len(W)})"))
    print(f"scalinglab {args.bootstrap} refits ({info['method']}, {info['converged']} converged): "
          f"{info['cpu_seconds']:8.3f} s CPU ({info['seconds']:.3f} s wall)")
    print(f"speed-up of the refits vs the Epoch-style baseline: {c_epoch / info['cpu_seconds']:8.1f}x CPU")
    worse = int(np.sum(f_ours > f_epoch * (1 + 1e-9)))
    print(f"refits whose objective is above the baseline's on the same resample: {worse} of {len(W)} "
          f"(median baseline excess {np.median((f_epoch - f_ours) / f_ours):.1e} relative)")


if __name__ == "__main__":
    main()
