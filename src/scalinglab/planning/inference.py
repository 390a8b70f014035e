"""Inference-aware allocation (Sardana et al. 2024, "Beyond Chinchilla-Optimal").

A model that will serve D_inf tokens costs 6·N·D_tr FLOPs to train and 2·N·D_inf to serve. For a
required quality (loss ℓ) the lifetime optimum is a smaller model trained on more tokens than the
Chinchilla-optimal one. The target is given as a loss or as the loss of the Chinchilla-optimal model of a
given size (the paper's framing: "a 7B-quality model").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.planning.compute_optimal import ChinchillaTerms, fmt, lifetime_flops, positive
from scalinglab.results import Result, readable


@dataclass
class Allocation:
    """A model size N trained on D tokens, with its lifetime FLOPs."""

    N: float
    D: float
    training_flops: float
    inference_flops: float
    flops: float

    @property
    def tokens_per_param(self) -> float:
        return self.D / self.N

    def to_dict(self) -> dict[str, float]:
        return asdict(self) | {"tokens_per_param": self.tokens_per_param}


@dataclass
class InferencePlan(Result):
    """Lifetime-FLOP-optimal N, D for a target loss, against the Chinchilla-optimal reference."""

    target_loss: float
    inference_tokens: float
    optimal: Allocation
    reference: Allocation
    law: str
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def flops_saving(self) -> float:
        """Fraction of the reference's lifetime FLOPs saved by the inference-aware model."""
        return 1.0 - self.optimal.flops / self.reference.flops

    def to_dict(self) -> dict[str, Any]:
        o = self.optimal
        return {
            "law": self.law, "target_loss": self.target_loss, "inference_tokens": self.inference_tokens,
            "N": o.N, "D": o.D, "tokens_per_param": o.tokens_per_param, "flops": o.flops,
            "training_flops": o.training_flops, "inference_flops": o.inference_flops,
            "reference": self.reference.to_dict(),
            "size_ratio": o.N / self.reference.N, "token_ratio": o.D / self.reference.D,
            "flops_saving": self.flops_saving, "source": self.source, "notes": self.notes,
        }

    def text(self) -> str:
        o, r = self.optimal, self.reference

        def g(x: float, spec: str) -> str:  # 1e200 inference tokens printed 140-digit ratios
            return readable(x, spec, ".3g")

        lines = [
            f"Target loss {self.target_loss:.4f} with {fmt(self.inference_tokens)} inference tokens ({self.law})",
            f"  inference-aware : N = {fmt(o.N)} params, D = {fmt(o.D)} tokens "
            f"({g(o.tokens_per_param, '.1f')} tokens/param), lifetime {o.flops:.3e} FLOPs "
            f"(train {o.training_flops:.3e} + inference {o.inference_flops:.3e})",
            f"  Chinchilla ref. : N = {fmt(r.N)} params, D = {fmt(r.D)} tokens "
            f"({g(r.tokens_per_param, '.1f')} tokens/param), lifetime {r.flops:.3e} FLOPs",
            f"  → {g(o.N / r.N, '.3f')}× the parameters on {g(o.D / r.D, '.3f')}× the tokens; "
            f"{100 * self.flops_saving:.1f}% fewer lifetime FLOPs",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def resolve_target(terms: ChinchillaTerms, target_loss: float | None, reference_params: float | None) -> float:
    """The target loss: given directly, or the loss of the Chinchilla-optimal model of size N_ref."""
    if (target_loss is None) == (reference_params is None):
        raise PlanningError("give exactly one of `target_loss` or `reference_params`")
    if reference_params is not None:
        n_ref = positive(reference_params, "`reference_params`")
        return float(terms.loss(n_ref, terms.compute_optimal_tokens(n_ref)))
    assert target_loss is not None
    if not math.isfinite(target_loss):
        raise PlanningError(f"`target_loss` must be a finite number, got {target_loss:g}")
    terms.check_reachable(target_loss)
    return float(target_loss)


def allocation(N: float, D: float, inference_tokens: float) -> Allocation:
    return Allocation(N, D, **lifetime_flops(N, D, inference_tokens))


def plan_inference(fit: FitResult, *, inference_tokens: float, target_loss: float | None = None,
                   reference_params: float | None = None) -> InferencePlan:
    """Minimise 6·N·D + 2·N·D_inf subject to L(N, D) = target (Sardana et al. 2024, Sec. 2)."""
    terms = ChinchillaTerms.from_params(fit.params, fit.law.name)
    d_inf = positive(inference_tokens, "`inference_tokens`", allow_zero=True)
    target = resolve_target(terms, target_loss, reference_params)
    N, D = terms.iso_loss_allocation(target, d_inf)
    N0, D0 = terms.iso_loss_allocation(target, 0.0)
    notes = []
    if D / N > 1e4:
        notes.append(f"{D / N:{'.0f' if D < 1e15 * N else '.3g'}} tokens per parameter is far outside the range scaling laws were "
                     "fitted on; treat the extrapolation with care")
    return InferencePlan(target, d_inf, allocation(N, D, d_inf), allocation(N0, D0, d_inf), fit.law.name,
                         fit.source, notes)
