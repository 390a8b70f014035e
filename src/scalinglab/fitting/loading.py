"""One loader for every file ``fit --out`` writes and every preset name: a loss-law fit or an allocation law."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.serialize import read_json

if TYPE_CHECKING:
    from scalinglab.fitting.approaches import ApproachResult


def load_fit(path: str | Path) -> FitResult | ApproachResult:
    """A FIT.json: an allocation law (written by ``fit --approach 1|2``) or a loss-law fit."""
    d = read_json(path)
    if isinstance(d, dict) and (d.get("kind") == "allocation" or "approach" in d):
        from scalinglab.fitting.approaches import ApproachResult  # the IsoFLOP machinery, only when needed

        return ApproachResult.from_dict(d, source=str(path))
    return FitResult.from_dict(d, source=str(path))


def from_preset(name: str) -> FitResult | ApproachResult:
    """A loss-law preset (``laws`` lists them) or a published allocation law (deepseek2024, llama3-2024)."""
    from scalinglab.fitting.allocation import ALLOCATION_PRESETS, allocation_preset
    from scalinglab.laws.presets import available_presets

    if name in ALLOCATION_PRESETS:
        return allocation_preset(name)
    if name in available_presets():
        return FitResult.from_preset(name)
    known = sorted(available_presets()) + sorted(ALLOCATION_PRESETS)
    raise ScalingLabError(f"unknown preset {name!r}; known presets: {', '.join(known)}")


def preset_names() -> list[str]:
    """Every preset name: loss laws, then allocation laws."""
    from scalinglab.fitting.allocation import ALLOCATION_PRESETS
    from scalinglab.laws.presets import available_presets

    return sorted(available_presets()) + sorted(ALLOCATION_PRESETS)
