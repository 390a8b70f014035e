"""Published allocation laws N*(C) ∝ C^a, D*(C) ∝ C^b, usable wherever an Approach 1/2 fit is.

Labs often publish the allocation itself rather than a loss law. Each preset records its compute
convention: DeepSeek's model scale is M, non-embedding FLOPs per token with attention, and C = M·D.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.approaches import ApproachResult


@dataclass(frozen=True)
class AllocationPreset:
    """N*(C) = k_N·C^a, D*(C) = k_D·C^b as published, with the convention that defines C."""

    a: float
    k_N: float
    b: float
    k_D: float
    convention: str
    source: str
    size: str = "N"  # "N" (parameters) or "M" (non-embedding FLOPs per token)

    def result(self, name: str) -> ApproachResult:
        return ApproachResult(0, self.a, self.b, float(np.log10(self.k_N)), float(np.log10(self.k_D)),
                              method="published", source=f"preset {name}: {self.source}",
                              settings={"size": self.size}, convention=self.convention)


#: Llama 3 fits the optimal number of training *tokens* N*(C) = A·C^α with (α, A) = (0.53, 0.29); the
#: parameter count follows from C = 6ND as N = C / (6·D*) (so k_N = 1/(6·0.29), exponent 1 − 0.53).
ALLOCATION_PRESETS: dict[str, AllocationPreset] = {
    "deepseek2024": AllocationPreset(
        0.5243, 0.1715, 0.4757, 5.8316, "deepseek",
        "DeepSeek-AI 2024, DeepSeek LLM, Sec. 3.2: M_opt = 0.1715·C^0.5243, D_opt = 5.8316·C^0.4757 "
        "(M non-embedding FLOPs/token incl. attention, C = M·D)", size="M"),
    "llama3-2024": AllocationPreset(
        0.47, 1.0 / (6 * 0.29), 0.53, 0.29, "6nd",
        "Llama Team 2024, The Llama 3 Herd of Models, Sec. 3.2.1: optimal training tokens N*(C) = A·C^alpha, "
        "(alpha, A) = (0.53, 0.29); parameters from C = 6ND"),
}


def allocation_preset(name: str) -> ApproachResult:
    """The published allocation law ``name`` as an ApproachResult (approach 0, method 'published')."""
    try:
        return ALLOCATION_PRESETS[name].result(name)
    except KeyError:
        raise ScalingLabError(f"unknown allocation preset {name!r}; known: {', '.join(sorted(ALLOCATION_PRESETS))}") from None
