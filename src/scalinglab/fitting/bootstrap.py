"""Bootstrap over runs: resample points with replacement, refit every resample, keep the draws.

Resamples are drawn as multiplicity weights (a resample that picks a run twice counts it twice), so all
K refits run as vectorised batches (exact-Hessian Newton where the law has one) warm-started at the full-data optimum, as Besiroglu et al. (2024)
warm-start theirs at Hoffmann's estimate. Deterministic given the seed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from scalinglab.events import ProgressCallback, report
from scalinglab.fitting.objectives import Objective
from scalinglab.fitting.optimize import SCAN_ELEMENTS, minimise_batched
from scalinglab.laws.base import Law
from scalinglab.seeding import make_rng
from scalinglab.threads import one_blas_thread


def resample_weights(n: int, k: int, seed: int | None) -> np.ndarray:
    """(k, n) bootstrap multiplicities: row i counts how often each run is drawn in resample i."""
    return np.vstack(list(_weight_chunks(n, k, seed, k)) or [np.zeros((0, n))])


def _weight_chunks(n: int, k: int, seed: int | None, chunk: int) -> Iterator[np.ndarray]:
    """The rows of ``resample_weights`` in blocks of ``chunk`` (one generator, the same stream)."""
    rng = make_rng(seed)
    for start in range(0, k, chunk):
        c = min(chunk, k - start)
        idx = rng.integers(0, n, size=(c, n))
        flat = (np.arange(c)[:, None] * n + idx).ravel()
        yield np.bincount(flat, minlength=c * n).reshape(c, n).astype(float)


def bootstrap_draws(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                    theta_hat: np.ndarray, k: int, seed: int | None, chunk: int = 500,
                    progress: ProgressCallback | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Refit ``k`` resamples; returns raw-unit parameter draws (k, P) and a converged mask (k,).

    Resamples are drawn and refitted ``chunk`` at a time (fewer on big tables, so that a chunk's
    (resamples, rows) arrays stay near ``SCAN_ELEMENTS``); BLAS is held to one thread. ``progress`` gets a
    :class:`~scalinglab.events.Progress` ("bootstrap", refits done, k) per chunk.
    """
    n = len(log_y)
    chunk = max(1, min(chunk, SCAN_ELEMENTS // max(1, n)))
    thetas, ok = [], []
    with one_blas_thread():
        for weights in _weight_chunks(n, k, seed, chunk):
            th, _, done = minimise_batched(law, objective, F, log_y, weights, theta_hat)
            thetas.append(th)
            ok.append(done)
            report(progress, "bootstrap", sum(len(t) for t in thetas), k)
    return law.raw_array(np.vstack(thetas)), np.concatenate(ok)
