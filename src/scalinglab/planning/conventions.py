"""Compute conventions: how training FLOPs C relate to a model and its tokens.

- ``6nd``: C = 6·N·D (Kaplan et al. 2020, Sec. 2.1), N the parameter count.
- ``deepseek``: C = M·D with M the non-embedding FLOPs per token, attention included (DeepSeek-AI 2024,
  "DeepSeek LLM", Sec. 3.2): M = 72·n_layer·d_model² + 12·n_layer·d_model·l_seq. With
  N = 12·n_layer·d_model² non-embedding parameters this is M = 6·N + 12·n_layer·d_model·l_seq; a model of
  N parameters takes its shape from an aspect ratio d_model / n_layer.

``optimal_under`` minimises a loss law L(N, D) along C = M(N)·D for either convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalinglab.errors import PlanningError
from scalinglab.results import Result, readable

CONVENTIONS = ("6nd", "deepseek")


def deepseek_flops_per_token(n_layer: float | np.ndarray, d_model: float | np.ndarray,
                             seq_len: float) -> np.ndarray:
    """M = 72·n_layer·d_model² + 12·n_layer·d_model·l_seq (DeepSeek LLM 2024, Sec. 3.2)."""
    n_layer, d_model = np.asarray(n_layer, dtype=float), np.asarray(d_model, dtype=float)
    return 72.0 * n_layer * d_model ** 2 + 12.0 * n_layer * d_model * seq_len


@dataclass(frozen=True)
class Convention:
    """A compute convention: FLOPs per training token of a model with N non-embedding parameters."""

    name: str = "6nd"
    seq_len: float = 4096.0  # DeepSeek LLM's training context
    aspect_ratio: float = 128.0  # d_model / n_layer when a shape must be assumed

    def __post_init__(self) -> None:
        if self.name not in CONVENTIONS:
            raise PlanningError(f"compute convention must be one of {', '.join(CONVENTIONS)}, got {self.name!r}")
        for name, cap in (("seq_len", 1e9), ("aspect_ratio", 1e6)):  # past these M overflows (1e308 did)
            v = getattr(self, name)
            if not 0 < v <= cap:
                raise PlanningError(f"`{name}` must be positive and at most {cap:g}, got {v:g}")

    def shape(self, N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n_layer, d_model) of N = 12·n_layer·d_model² at the convention's aspect ratio."""
        n_layer = (np.asarray(N, dtype=float) / (12.0 * self.aspect_ratio ** 2)) ** (1.0 / 3.0)
        return n_layer, self.aspect_ratio * n_layer

    def flops_per_token(self, N: float | np.ndarray) -> np.ndarray:
        """6N under ``6nd``; DeepSeek's M (attention included) under ``deepseek``."""
        N = np.asarray(N, dtype=float)
        if self.name == "6nd":
            return 6.0 * N
        n_layer, d_model = self.shape(N)
        return deepseek_flops_per_token(n_layer, d_model, self.seq_len)

    def to_dict(self) -> dict:
        d: dict = {"name": self.name}
        if self.name == "deepseek":
            d |= {"seq_len": self.seq_len, "aspect_ratio": self.aspect_ratio}
        return d


def optimal_under(predict, params: Mapping[str, float], C: np.ndarray, conv: Convention) -> dict[str, np.ndarray]:
    """N, D minimising ``predict(params, N=, D=)`` along C = M(N)·D (the one budget minimiser, laws.base.minimise_log_n)."""
    from scalinglab.laws.base import minimise_log_n

    C = np.atleast_1d(np.asarray(C, dtype=float))
    N_opt = np.empty_like(C)
    for i, c in enumerate(C):
        def f(logn: np.ndarray, c: float = c) -> np.ndarray:
            n = np.exp(logn)
            return np.log(predict(params, N=n, D=c / conv.flops_per_token(n)))
        N_opt[i] = minimise_log_n(f, np.log(c / 6) / 2, half_width=25.0, xatol=1e-10, vectorised=True)[0]
    D_opt = C / conv.flops_per_token(N_opt)
    return {"N": N_opt, "D": D_opt, "M": conv.flops_per_token(N_opt),
            "loss": predict(params, N=N_opt, D=D_opt)}


class ConventionAllocation(Result):
    """A loss law's compute-optimal N, D, M and loss at each budget under a compute convention."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.warnings = rows, []

    def to_dict(self) -> dict | list[dict]:  # type: ignore[override]
        """One budget: its row; several: the list of rows."""
        return self.rows[0] if len(self.rows) == 1 else self.rows

    def text(self) -> str:
        return "\n".join(f"C = {r['C']:.4g} FLOPs (C = M·D, M = {r['M']:.4g} FLOPs/token): N = {r['N']:.4g} "
                         f"params, D = {r['D']:.4g} tokens ({r['tokens_per_param']:.1f} tokens/param), "
                         f"loss {readable(r['loss'])}" for r in self.rows)


def optimal_rows(result, C: list[float], conv: Convention) -> ConventionAllocation:
    """A loss-law fit's compute-optimal N, D (and M, loss) at each budget under ``conv``."""
    from scalinglab.errors import ScalingLabError

    if set(result.law.inputs) != {"N", "D"}:
        raise ScalingLabError(f"law {result.law.name!r} has no compute-optimal allocation (it needs N and D)")
    sol = optimal_under(result.law.predict, result.params, np.array(C, dtype=float), conv)
    return ConventionAllocation([
        {"C": c, "N": float(sol["N"][i]), "D": float(sol["D"][i]), "M": float(sol["M"][i]),
         "tokens_per_param": float(sol["D"][i] / sol["N"][i]), "loss": float(sol["loss"][i]),
         "convention": conv.to_dict()} for i, c in enumerate(C)])


def plan_optimal(result: Any, compute: list[float], convention: str | None = None, seq_len: float = 4096,
                 aspect_ratio: float = 128) -> Result:
    """Compute-optimal N and D at each budget (``scalinglab optimal``): from a loss law under ``convention``
    (6nd, the default, or deepseek), or from an allocation law under its own. ``.warnings`` lists budgets
    far beyond the fitted runs."""
    bad = [c for c in compute if not (0 < c < np.inf)]
    if bad:
        raise PlanningError(f"`compute` must be a positive number of FLOPs, got {bad[0]:g}")
    is_allocation = getattr(result, "kind", "") == "allocation"
    conv = Convention(convention or (result.convention if is_allocation else "6nd"), seq_len, aspect_ratio)
    if is_allocation:
        from scalinglab.fitting.workflow import AllocationTable

        if conv.name != result.convention:
            raise PlanningError(f"this allocation law counts compute as {result.convention}; "
                                f"`convention` {conv.name} would misread its budgets")
        return AllocationTable.at(result, compute)
    if conv.name != "6nd":
        return optimal_rows(result, compute, conv)
    plan = result.allocation(compute)
    plan.warnings = [far for far in map(result.extrapolation, compute) if far]
    return plan
