"""Benchmark: scalinglab's fit vs a plain scipy L-BFGS-B loop over Hoffmann's 4500-start grid.

Both minimise the same objective (summed Huber, δ = 1e-3, on log-loss residuals, Hoffmann et al. 2022
App. D.2) on Epoch's 240 Chinchilla runs. The baseline is the textbook recipe — scipy.optimize.minimize
(L-BFGS-B) from every grid point, *with* an analytic gradient, so it is a strong baseline — and is timed in
the same run. Then 4000 bootstrap refits are timed against that one grid fit.

    .venv/bin/python benchmarks/bench_fit.py [--data PATH] [--starts K]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from scalinglab import ScalingLawFit, load_runs

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "chinchilla" / "svg_extracted_data.csv"


def baseline_objective(p: np.ndarray, lN: np.ndarray, lD: np.ndarray, lL: np.ndarray, delta: float = 1e-3):
    """Summed Huber on LSE(a − α log N, b − β log D, e) − log L, p = (a, b, e, α, β), with its gradient."""
    a, b, e, alpha, beta = p
    terms = np.stack([a - alpha * lN, b - beta * lD, np.full_like(lN, e)])
    lse = logsumexp(terms, axis=0)
    r = lse - lL
    absr = np.abs(r)
    value = np.where(absr <= delta, 0.5 * r * r, delta * (absr - 0.5 * delta)).sum()
    w = np.exp(terms - lse)
    psi = np.clip(r, -delta, delta)
    grad = np.array([psi @ w[0], psi @ w[1], psi @ w[2], -(psi * w[0]) @ lN, -(psi * w[1]) @ lD])
    return value, grad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DEFAULT))
    ap.add_argument("--starts", type=int, default=4500, help="baseline starts (4500 = Hoffmann's full grid)")
    ap.add_argument("--bootstrap", type=int, default=4000)
    args = ap.parse_args()
    runs = load_runs(args.data, where="loss < 3.44")
    lN, lD, lL = np.log(runs.N), np.log(runs.D), np.log(runs.loss)

    grid = list(itertools.product(np.arange(0, 30, 5.0), np.arange(0, 30, 5.0), np.arange(-1, 1.5, 0.5),
                                  np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5)))
    if args.starts < len(grid):
        rng = np.random.default_rng(0)
        grid = [grid[i] for i in rng.choice(len(grid), args.starts, replace=False)]
    t0 = time.perf_counter()
    best = None
    for start in grid:
        res = minimize(baseline_objective, np.array(start), args=(lN, lD, lL), jac=True, method="L-BFGS-B")
        if res.success and (best is None or res.fun < best.fun):
            best = res
    t_base = (time.perf_counter() - t0) * (4500 / len(grid))
    note = "" if len(grid) == 4500 else f" (extrapolated from {len(grid)} starts)"

    t0 = time.perf_counter()
    fit = ScalingLawFit().fit(runs)
    t_ours = time.perf_counter() - t0
    rel = abs(fit.objective_ - best.fun) / best.fun

    t0 = time.perf_counter()
    ScalingLawFit(bootstrap=args.bootstrap, seed=42).fit(runs)
    t_boot = time.perf_counter() - t0

    print(f"data: {args.data} ({len(runs)} runs)")
    print(f"baseline  scipy L-BFGS-B x 4500 grid starts: {t_base:9.2f} s{note}, objective {best.fun:.8g}")
    print(f"scalinglab fit (varpro scan + polish):        {t_ours:9.3f} s, objective {fit.objective_:.8g}")
    print(f"objective relative difference:                {rel:.2e}  ({'OK' if rel <= 1e-6 else 'MISMATCH'})")
    print(f"speed-up of one fit vs baseline:              {t_base / t_ours:9.1f}x")
    print(f"{args.bootstrap} bootstrap refits (incl. the fit):         {t_boot:9.2f} s  "
          f"= {t_boot / t_base:.2f}x the baseline's single grid fit")


if __name__ == "__main__":
    main()
