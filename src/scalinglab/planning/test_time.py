"""Test-time compute vs pretraining (Snell et al. 2024, "Scaling LLM Test-Time Compute Optimally...", Sec. 7).

A model M× larger costs M·(X + Y) FLOPs over its life, with pretraining X = 6·N·D_pretrain and inference
Y = 2·N·D_inference for the small model. The small model matches that spend when it is given K times its
own inference compute: X + K·Y = M·(X + Y), so

    K = M + (M − 1)·X/Y = M + 3(M − 1)/R,   R = D_inference / D_pretrain.

Snell et al. find that spending the extra FLOPs at test time (search against a verifier, sequential
revisions) beats the M× larger model on easy and medium questions and when R ≪ 1 (little inference
relative to pretraining, so K is large); pretraining wins on hard questions and when R ≫ 1 (K → M).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scalinglab.errors import PlanningError
from scalinglab.planning.compute_optimal import positive
from scalinglab.results import Result


@dataclass
class TestTimeTradeoff(Result):
    """The inference-compute multiplier K that makes a small model FLOP-matched with an M× larger one."""

    size_ratio: float
    inference_ratio: float

    __test__ = False  # not a pytest class

    @property
    def K(self) -> float:  # noqa: N802 - the paper's symbol
        return self.size_ratio + 3.0 * (self.size_ratio - 1.0) / self.inference_ratio

    @property
    def regime(self) -> str:
        if self.inference_ratio < 1:
            return "test-time"
        if self.inference_ratio > 1:
            return "pretraining"
        return "balanced"

    def explanation(self) -> str:
        M, R, K = self.size_ratio, self.inference_ratio, self.K
        base = (f"A {M:g}× larger model costs the same lifetime FLOPs as the small model given {K:.4g}× its "
                f"inference compute (K = M + 3(M − 1)/R with R = {R:g}).")
        if self.regime == "test-time":
            return base + (" With R < 1 inference is light next to pretraining, so the small model gets a large "
                           "test-time budget: Snell et al. find test-time compute preferable on easy and medium "
                           "questions; on the hardest questions the larger model still wins.")
        if self.regime == "pretraining":
            return base + (" With R > 1 the model serves more tokens than it was trained on, K approaches M, and "
                           "the small model's extra budget is thin: Snell et al. find pretraining (the larger "
                           "model) preferable except on easy questions.")
        return base + (" At R = 1 Snell et al. find test-time compute competitive on easy and medium questions, "
                       "pretraining better on hard ones.")

    def to_dict(self) -> dict[str, Any]:
        return {"size_ratio": self.size_ratio, "inference_ratio": self.inference_ratio, "K": self.K,
                "regime": self.regime, "explanation": self.explanation()}

    def text(self) -> str:
        return f"K = {self.K:.6g}\n{self.explanation()}"


def test_time_tradeoff(size_ratio: float, inference_ratio: float | None = None, *,
                       pretrain_tokens: float | None = None,
                       inference_tokens: float | None = None) -> TestTimeTradeoff:
    """K for a size ratio M ≥ 1 and R = D_inference / D_pretrain (given directly or as the two counts)."""
    M = positive(size_ratio, "`size_ratio`")
    if M < 1:
        raise PlanningError(f"`size_ratio` is how many times larger the big model is; it must be >= 1, got {M:g}")
    if inference_ratio is None:
        if pretrain_tokens is None or inference_tokens is None:
            raise PlanningError("give `inference_ratio` R, or both `pretrain_tokens` and `inference_tokens`")
        R = positive(inference_tokens, "`inference_tokens`") / positive(pretrain_tokens, "`pretrain_tokens`")
    else:
        if pretrain_tokens is not None or inference_tokens is not None:
            raise PlanningError("give `inference_ratio` or the token counts, not both")
        R = positive(inference_ratio, "`inference_ratio`")
    names = "`inference_ratio`" if inference_ratio is not None else "`inference_tokens` / `pretrain_tokens`"
    if not (R > 0 and M + 3 * (M - 1) / R < float("inf")):  # R = 1e-308 printed "K = inf", exit 0
        raise PlanningError(f"K = M + 3(M − 1)/R is past the float range for `size_ratio` {M:g} and R = "
                            f"{names} = {R:g}")
    return TestTimeTradeoff(M, R)
