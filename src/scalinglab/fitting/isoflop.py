"""Approach 2 as Porian et al. (2024) do it: interpolated IsoFLOP minima, seed-noise bootstrap, weighted fit.

"Resolving Discrepancies in Compute-Optimal Scaling of Language Models" (Porian, Wortsman, Jitsev, Schmidt,
Carmon; NeurIPS 2024), Sec. 2 and App. on fitting, as described there and in their released analysis:

1. per FLOP budget, runs of one size (within 1 %) keep their lowest loss; log loss is interpolated in log N with an
   Akima spline (a smooth, non-oscillating interpolant) on a uniform log grid of (k − 1)·25 points for k
   runs; N*(C) is the grid minimum, and a budget whose minimum lies on an end of the grid has none;
2. the uncertainty of N*(C) comes from a bootstrap that adds seed-to-seed noise (σ in loss units) to every
   run's loss and re-interpolates; the budget's estimate is the median of the bootstrap minima, its
   log-std is floored at 0.33 × the mean log spacing of its runs and inflated by K / (valid draws); a
   budget with fewer than half its draws interior is dropped;
3. log N*(C) = log k + a·log C is fitted by least squares weighted by 1/std², and the 95 % interval of a
   is the percentile interval of the same weighted fit on each bootstrap draw.
D*(C) is estimated the same way, interpolating in log D. Every step is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID_PER_GAP = 25  # grid points per gap between runs (Porian et al.'s interpolation density)
SAME_SIZE_LOG = 0.01  # runs whose sizes differ by under 1 % are one size (keep the lowest loss)
MIN_STD_FACTOR = 0.33  # floor of the log-std of N*, in units of the mean log spacing of the runs


@dataclass
class BudgetOptimum:
    """One IsoFLOP budget: its estimated optimum, the bootstrap minima and the fit weights."""

    C: float
    n_runs: int
    log_N: float  # median of the bootstrap minima (natural log)
    log_D: float
    log_std_N: float
    log_std_D: float
    loss: float  # interpolated loss at the optimum (median over draws)
    draws_log_N: np.ndarray
    draws_log_D: np.ndarray

    def to_dict(self) -> dict:
        return {"C": self.C, "N": float(np.exp(self.log_N)), "D": float(np.exp(self.log_D)),
                "loss": self.loss, "n_runs": self.n_runs, "log_std_N": self.log_std_N,
                "log_std_D": self.log_std_D}


def _grid_minima(x: np.ndarray, log_losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Akima-interpolated minima of each column of ``log_losses`` (k, K) over x: (grid x, loss, interior)."""
    from scipy.interpolate import Akima1DInterpolator

    m = (len(x) - 1) * GRID_PER_GAP
    grid = np.linspace(x[0], x[-1], m)
    values = Akima1DInterpolator(x, log_losses, axis=0)(grid)  # (m, K)
    idx = np.argmin(values, axis=0)
    interior = (idx > 0) & (idx < m - 1)
    return grid[idx], np.exp(values[idx, np.arange(values.shape[1])]), interior


def _noisy_minima(x: np.ndarray, loss: np.ndarray, noisy: np.ndarray) -> tuple[np.ndarray, float, np.ndarray] | None:
    """Bootstrap minima in x (valid ones), their inflated log-std, and the valid mask; None if unreliable."""
    order = np.argsort(x)
    x, noisy = x[order], noisy[:, order]
    _, _, ok0 = _grid_minima(x, np.log(loss[order])[:, None])
    at, _, ok = _grid_minima(x, np.log(noisy).T)
    K = len(ok)
    if not ok0[0] or ok.sum() < K / 2:
        return None
    floor = MIN_STD_FACTOR * (x[-1] - x[0]) / (len(x) - 1)
    std = max(float(np.std(at[ok])), floor) * K / ok.sum()
    return at, std, ok


def _size_clusters(N: np.ndarray, tolerance: float = SAME_SIZE_LOG) -> np.ndarray:
    """Label runs by model size; sizes within ``tolerance`` in ln N are one size (values read off plots)."""
    order = np.argsort(N)
    gaps = np.diff(np.log(N[order])) > tolerance
    labels = np.empty(len(N), dtype=int)
    labels[order] = np.concatenate([[0], np.cumsum(gaps)])
    return labels


def budget_optimum(N: np.ndarray, D: np.ndarray, loss: np.ndarray, C: float, seed_noise: float,
                   n_bootstrap: int, rng: np.random.Generator) -> BudgetOptimum | None:
    """Porian et al.'s optimum of one IsoFLOP budget, or None (too few sizes, or a minimum on the edge)."""
    size_id = _size_clusters(N)
    if size_id.max() < 2:
        return None
    best = [np.flatnonzero(size_id == s)[np.argmin(loss[size_id == s])] for s in range(size_id.max() + 1)]
    N, D, loss = N[best], D[best], loss[best]
    noisy = loss[None, :] + seed_noise * rng.standard_normal((n_bootstrap, len(loss)))
    noisy = np.maximum(noisy, 1e-12)
    fn = _noisy_minima(np.log(N), loss, noisy)
    fd = _noisy_minima(np.log(D), loss, noisy)
    if fn is None or fd is None:
        return None
    (at_n, std_n, ok_n), (at_d, std_d, ok_d) = fn, fd
    order = np.argsort(N)
    _, losses, _ = _grid_minima(np.log(N[order]), np.log(noisy[:, order]).T)
    return BudgetOptimum(float(C), len(N), float(np.median(at_n[ok_n])), float(np.median(at_d[ok_d])),
                         std_n, std_d, float(np.median(losses[ok_n])), at_n[ok_n], at_d[ok_d])


def weighted_power_fit(log_C: np.ndarray, log_Y: np.ndarray, log_std: np.ndarray) -> tuple[float, float]:
    """Slope and intercept (natural logs) of log Y on log C, least squares weighted by 1/std²."""
    w = 1.0 / np.asarray(log_std) ** 2
    X = np.column_stack([np.ones_like(log_C), log_C])
    coef = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * log_Y))
    return float(coef[1]), float(coef[0])


def exponent_draws(budgets: list[BudgetOptimum]) -> np.ndarray:
    """(K, 4) bootstrap draws of (a, ln k_N, b, ln k_D): the weighted fit on the i-th draw of every budget."""
    k = min(min(len(b.draws_log_N), len(b.draws_log_D)) for b in budgets)
    log_C = np.log([b.C for b in budgets])
    std_n = np.array([b.log_std_N for b in budgets])
    std_d = np.array([b.log_std_D for b in budgets])
    out = np.empty((k, 4))
    for i in range(k):
        out[i, :2] = weighted_power_fit(log_C, np.array([b.draws_log_N[i] for b in budgets]), std_n)
        out[i, 2:] = weighted_power_fit(log_C, np.array([b.draws_log_D[i] for b in budgets]), std_d)
    return out
