"""Bootstrap over runs: resample points with replacement, refit every resample, keep the draws.

Resamples are drawn as multiplicity weights (a resample that picks a run twice counts it twice), so all
K refits run as one vectorised batch warm-started at the full-data optimum, as Besiroglu et al. (2024)
warm-start theirs at Hoffmann's estimate. Deterministic given the seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.events import ProgressCallback, report
from scalinglab.fitting.objectives import Objective
from scalinglab.fitting.optimize import minimise_batched
from scalinglab.laws.base import Law


def resample_weights(n: int, k: int, seed: int | None) -> np.ndarray:
    """(k, n) bootstrap multiplicities: row i counts how often each run is drawn in resample i."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(k, n))
    weights = np.zeros((k, n))
    np.add.at(weights, (np.repeat(np.arange(k), n), idx.ravel()), 1.0)
    return weights


def bootstrap_draws(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                    theta_hat: np.ndarray, k: int, seed: int | None, chunk: int = 500,
                    progress: ProgressCallback | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Refit ``k`` resamples; returns raw-unit parameter draws (k, P) and a converged mask (k,).

    ``progress`` gets a :class:`~scalinglab.events.Progress` ("bootstrap", refits done, k) per chunk.
    """
    weights = resample_weights(len(log_y), k, seed)
    thetas, ok = [], []
    for start in range(0, k, chunk):
        th, _, done = minimise_batched(law, objective, F, log_y, weights[start:start + chunk], theta_hat)
        thetas.append(th)
        ok.append(done)
        report(progress, "bootstrap", min(start + chunk, k), k)
    return law.raw_array(np.vstack(thetas)), np.concatenate(ok)
