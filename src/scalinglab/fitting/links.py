"""The shared pieces of the small sigmoid fits: the logistic link with a floor, and multi-start.

Observational scaling (Ruan et al. 2024: ``y = h + (1 − h)·σ(z)``), the Densing score law (Xiao et al.
2024: ``S = c·σ(−γ(L − l)) + d``) and Sloth's basic link (``c + (1 − c)·σ(z)``) are one function,
:func:`sigmoid_with_floor` (:func:`with_floor` applied to σ, or to Sloth's trained monotone link); each is
fitted from a few starts with :func:`best_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

__all__ = ["best_of", "logistic", "sigmoid_with_floor", "with_floor"]

R = TypeVar("R")


def logistic(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), overflow-free (through tanh)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def with_floor(g: np.ndarray, floor: float | np.ndarray, height: float | np.ndarray | None = None) -> np.ndarray:
    """``floor + height·g`` for a link value ``g`` in [0, 1]; ``height`` defaults to ``1 − floor``."""
    return floor + ((1.0 - floor) if height is None else height) * g


def sigmoid_with_floor(z: np.ndarray, floor: float | np.ndarray, height: float | np.ndarray | None = None
                       ) -> np.ndarray:
    """``floor + height·σ(z)``; ``height`` defaults to ``1 − floor`` (the link then tops out at 1)."""
    return with_floor(logistic(z), floor, height)


def best_of(starts: Iterable[Any], solve: Callable[[Any], R], score: Callable[[R], float]) -> R:
    """Multi-start: ``solve`` from every start and keep the result with the lowest ``score``.

    Ties keep the earliest start, so the choice does not depend on floating-point noise in the order.
    """
    best, best_score = None, np.inf
    for start in starts:
        res = solve(start)
        s = float(score(res))
        if best is None or s < best_score:
            best, best_score = res, s
    if best is None:
        raise ValueError("best_of needs at least one start")
    return best
