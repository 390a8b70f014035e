"""Optimal learning rate and batch size for a model of N parameters trained on D tokens.

From a fitted ``hyperparams`` law (its η*(N, D) and b*(D), with percentile intervals over its
bootstrap draws) or from a published power law (``OPTIMA``: Li et al. 2025's Step Law, DeepSeek-AI
2024's compute law; published without intervals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.hyperparams import OPTIMA
from scalinglab.planning.compute_optimal import fmt, positive


@dataclass
class HyperparamPlan:
    """η* and B* at (N, D), with intervals when the source has bootstrap draws."""

    N: float
    D: float
    lr: float
    batch: float
    source: str
    batch_unit: str
    lr_interval: tuple[float, float] | None = None
    batch_interval: tuple[float, float] | None = None
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return {"N": self.N, "D": self.D, "lr": self.lr, "batch": self.batch, "batch_unit": self.batch_unit,
                "lr_interval": self.lr_interval, "batch_interval": self.batch_interval, "level": self.level,
                "source": self.source}

    def text(self) -> str:
        def band(iv):
            return f"  ({self.level:.0%} interval {fmt(iv[0])} – {fmt(iv[1])})" if iv else "  (no interval)"
        return (f"Optimal hyperparameters for N = {fmt(self.N)} parameters, D = {fmt(self.D)} tokens\n"
                f"  learning rate η* = {fmt(self.lr)}{band(self.lr_interval)}\n"
                f"  batch size    B* = {fmt(self.batch)} {self.batch_unit}{band(self.batch_interval)}\n"
                f"  from {self.source}")


def plan_hyperparams(source: FitResult | str, params: float, tokens: float, level: float = 0.95) -> HyperparamPlan:
    """η*, B* for N = ``params`` and D = ``tokens`` from a fitted ``hyperparams`` law (FitResult) or a
    published optimum (a key of OPTIMA)."""
    N, D = positive(params, "`params` (N)"), positive(tokens, "`tokens` (D)")
    if isinstance(source, str):
        if source not in OPTIMA:
            raise PlanningError(f"unknown hyperparameter law {source!r}; known: {', '.join(sorted(OPTIMA))}")
        opt = OPTIMA[source]
        at = opt.at(N, D)
        return HyperparamPlan(N, D, at["lr"], at["batch"], f"{source}: {opt.source}", opt.batch_unit)
    if source.law.name != "hyperparams":
        raise PlanningError(f"plan hyperparams needs a fit of the hyperparams law, not {source.law.name!r}")
    law = source.law
    best = law.optimum(source.params, N, D)
    lr_iv = bs_iv = None
    if source.draws is not None:
        rows = [law.optimum(dict(zip(law.param_names, r, strict=True)), N, D) for r in source.draws]
        q = 100 * (1 - level) / 2
        lrs, bss = np.array([r["lr"] for r in rows]), np.array([r["bs"] for r in rows])
        lr_iv = (float(np.percentile(lrs, q)), float(np.percentile(lrs, 100 - q)))
        bs_iv = (float(np.percentile(bss, q)), float(np.percentile(bss, 100 - q)))
    return HyperparamPlan(N, D, float(best["lr"]), float(best["bs"]), source.source or "fit",
                          "(the unit of the fitted table)", lr_iv, bs_iv, level)
