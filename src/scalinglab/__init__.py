"""scalinglab: fit neural scaling laws, predict untrained models, and plan compute.

Attributes are imported lazily so that ``import scalinglab`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_runs": "scalinglab.data",
    "read_table": "scalinglab.data",
    "RunsTable": "scalinglab.data",
    "ScalingLawFit": "scalinglab.fitting",
    "FitResult": "scalinglab.fitting",
    "approach1": "scalinglab.fitting",
    "approach2": "scalinglab.fitting",
    "get_law": "scalinglab.laws",
    "available_laws": "scalinglab.laws",
    "PRESETS": "scalinglab.laws",
}
__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scalinglab' has no attribute {name!r}")
