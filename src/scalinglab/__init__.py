"""scalinglab: fit neural scaling laws, predict untrained models, and plan compute.

Attributes are imported lazily so that ``import scalinglab`` stays fast.
"""

from __future__ import annotations

from scalinglab.lazy import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports(__name__, {
    "data": "load_runs read_table RunsTable", "fitting": "ScalingLawFit FitResult approach1 approach2",
    "laws": "get_law available_laws PRESETS"})
__all__ = sorted(["load_runs", "read_table", "RunsTable", "ScalingLawFit", "FitResult", "approach1", "approach2",
                  "get_law", "available_laws", "PRESETS"]) + ["__version__"]
