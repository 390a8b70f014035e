"""Data mixtures: fit Ye et al. 2024's mixing law per domain, then pick the proportions that minimise a
weighted sum of the domain losses (their Sec. 4, "optimizing the mixture with the fitted laws").

The search runs over the simplex (proportions ≥ 0, summing to 1) through a softmax, from the uniform
mixture, every training mixture and each vertex, polished with L-BFGS-B; the best end point wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from scalinglab.errors import InputError, PlanningError
from scalinglab.fitting.estimator import ScalingLawFit
from scalinglab.fitting.result import FitResult


@dataclass
class MixtureFit:
    """One fitted mixing law per output domain."""

    proportions: list[str]
    outputs: list[str]
    fits: list[FitResult]
    train: np.ndarray  # (n, M) training proportions

    def predict(self, r: np.ndarray) -> np.ndarray:
        """(k, M) proportions → (k, outputs) predicted losses."""
        r = np.atleast_2d(np.asarray(r, dtype=float))
        X = {f"r{j + 1}": r[:, j] for j in range(r.shape[1])}
        return np.column_stack([f.predict(**X) for f in self.fits])


def fit_mixture(frame: pd.DataFrame, proportions: Sequence[str], outputs: Sequence[str], loss: str = "lsq",
                source: str = "<table>") -> MixtureFit:
    """Fit ``mixture-M`` (M = len(proportions)) to each output column of ``frame``."""
    m = len(proportions)
    if not 2 <= m <= 8:
        raise InputError(f"a mixture needs 2 to 8 proportion columns, got {m}", file=source)
    for col in list(proportions) + list(outputs):
        if col not in frame.columns:
            raise InputError(f"column {col!r} not found", file=source, column=col)
    law = "mixture" if m == 5 else f"mixture-{m}"
    R = frame[list(proportions)].to_numpy(dtype=float)
    fits = []
    for out in outputs:
        table = pd.DataFrame({f"r{j + 1}": R[:, j] for j in range(m)} | {"loss": frame[out].to_numpy()})
        fits.append(ScalingLawFit(law=law, loss=loss, top_k=3).fit(table).result_)
    return MixtureFit(list(proportions), list(outputs), fits, R)


@dataclass
class MixturePlan:
    proportions: dict[str, float]
    losses: dict[str, float]
    weights: dict[str, float]
    objective: float
    best_train: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"proportions": self.proportions, "predicted_losses": self.losses, "weights": self.weights,
                "weighted_loss": self.objective, "best_training_mixture": self.best_train}

    def text(self) -> str:
        props = ", ".join(f"{k} {v:.3f}" for k, v in self.proportions.items())
        losses = ", ".join(f"{k} {v:.4f}" for k, v in self.losses.items())
        return (f"Mixture minimising the weighted loss (Ye et al. 2024 mixing laws):\n  proportions: {props}\n"
                f"  predicted losses: {losses}\n  weighted loss {self.objective:.4f} "
                f"(best training mixture: {self.best_train['weighted_loss']:.4f})")


def plan_mixture(model: MixtureFit, weights: Sequence[float] | None = None) -> MixturePlan:
    """Proportions on the simplex minimising Σ_i w_i L_i(r) under the fitted laws."""
    w = np.ones(len(model.outputs)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(model.outputs),) or np.any(w < 0) or not w.sum() > 0:
        raise PlanningError(f"`weights` needs {len(model.outputs)} non-negative numbers, not all zero")
    m = len(model.proportions)

    def objective(z: np.ndarray) -> float:
        r = np.exp(z - z.max())
        return float(model.predict(r / r.sum())[0] @ w)

    starts = [np.zeros(m)] + [np.log(np.clip(r, 1e-4, None)) for r in model.train] + \
        [np.log(np.where(np.arange(m) == j, 0.97, 0.03 / (m - 1))) for j in range(m)]
    best = min((minimize(objective, s, method="L-BFGS-B") for s in starts), key=lambda res: res.fun)
    r = np.exp(best.x - best.x.max())
    r /= r.sum()
    pred = model.predict(r)[0]
    train_obj = model.predict(model.train) @ w
    i = int(np.argmin(train_obj))
    return MixturePlan(dict(zip(model.proportions, map(float, r), strict=True)),
                       dict(zip(model.outputs, map(float, pred), strict=True)),
                       dict(zip(model.outputs, map(float, w), strict=True)), float(pred @ w),
                       {"row": i + 1, "weighted_loss": float(train_obj[i])})


def plan_mixture_file(data: Any, losses: Sequence[str], proportions: Sequence[str] | None = None,
                      weights: Sequence[float] | None = None) -> MixturePlan:
    """Read a table of trained mixtures (one row each), fit the mixing law of each ``losses`` column on the
    ``proportions`` columns (default r1, r2, … as found) and pick the proportions minimising the weighted loss."""
    from scalinglab.data.io import read_table

    frame = read_table(data)
    if not proportions:
        proportions = [f"r{j}" for j in range(1, 9) if f"r{j}" in frame.columns]
    return plan_mixture(fit_mixture(frame, proportions, losses, source=str(data)), weights)
