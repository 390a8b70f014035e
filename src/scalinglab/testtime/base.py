"""The test-time law contract: named parameters (``laws.base.Parameter``), a fit from one model's samples,
and coverage (expected pass@k over problems) at any k.

A law fits one model at a time: per-problem counts (n_i, c_i) for the distributional and power laws, or
an aggregate curve (k, accuracy) for the saturating law. ``weights`` (one per problem) carry a bootstrap
over problems: a resample is the same data with multiplicity weights, so every law takes them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scalinglab.errors import InputError
from scalinglab.laws.base import Parameter


@dataclass(frozen=True)
class Samples:
    """One model's data: per-problem counts (n, c), or an aggregate curve (k, accuracy)."""

    n: np.ndarray | None = None
    c: np.ndarray | None = None
    k: np.ndarray | None = None
    accuracy: np.ndarray | None = None

    @property
    def n_problems(self) -> int:
        return 0 if self.n is None else len(self.n)


class TestTimeLaw(ABC):
    """Base class of every test-time law: ``name``, ``title``, ``formula``, ``parameters``, fit, coverage."""

    __test__ = False  # not a pytest class
    name: str = ""
    title: str = ""
    formula: str = ""
    parameters: tuple[Parameter, ...] = ()
    #: "counts" (per-problem n, c) or "curves" (aggregate k, accuracy).
    data_kind: str = "counts"

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def min_points(self) -> int:
        return len(self.parameters) + 1

    def check(self, data: Samples) -> None:
        """The data a fit needs (counts or a curve, with enough points)."""
        if self.data_kind == "counts":
            if data.n is None or data.c is None:
                raise InputError(f"law {self.name!r} fits per-problem counts (n, c), not aggregate curves")
            if len(data.n) < self.min_points:
                raise InputError(f"law {self.name!r} needs at least {self.min_points} problems, got {len(data.n)}")
        elif data.k is None or data.accuracy is None:
            raise InputError(f"law {self.name!r} fits aggregate curves (k, accuracy), not per-problem counts")
        elif len(data.k) < self.min_points:
            raise InputError(f"law {self.name!r} needs at least {self.min_points} values of k, got {len(data.k)}")

    @abstractmethod
    def fit(self, data: Samples, weights: np.ndarray | None = None,
            start: Mapping[str, float] | None = None) -> dict[str, float]:
        """Raw parameters fitted to one model's data (weights: bootstrap multiplicities; start: warm start)."""

    @abstractmethod
    def coverage(self, params: Mapping[str, float], k: np.ndarray | float) -> np.ndarray:
        """Predicted coverage (expected pass@k over problems, or aggregate accuracy) at ``k``."""

    def exponent(self, params: Mapping[str, float]) -> float | None:
        """The power-law exponent of 1 − coverage (or −log coverage) in k, where the law has one."""
        return None

    def nothing_solved(self) -> dict[str, float]:
        """Parameters for counts in which no problem was solved (a bootstrap resample of a weak model):
        the limit of the fit, coverage ≈ 0 at every k."""
        raise InputError(f"law {self.name!r} has no parameters for counts in which no problem was solved")

    def __repr__(self) -> str:
        return f"<TestTimeLaw {self.name}: {self.formula}>"


def problem_weights(weights: np.ndarray | None, size: int) -> np.ndarray:
    """Weights as a float array (ones when None)."""
    return np.ones(size) if weights is None else np.asarray(weights, dtype=float)
