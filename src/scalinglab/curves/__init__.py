"""Learning curves: estimate laws from intermediate checkpoints, measure extrapolation error, forecast runs.

After Choshen, Zhang & Andreas 2024, "A Hitchhiker's Guide to Scaling Law Estimation" (arXiv:2410.11840).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalinglab.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and the API docs
    from scalinglab.curves.estimate import (
        DEFAULT_MIN_TOKENS,
        FixedLaw,
        Selection,
        fit_curves,
        load_curves,
        parse_fixed,
        select,
    )
    from scalinglab.curves.evaluate import are_grid, are_percent, evaluate_curves, grid_result, grid_table
    from scalinglab.curves.forecast import forecast_run
    from scalinglab.curves.importers import (
        guide_family,
        import_curves,
        read_mlflow,
        read_tensorboard,
        read_tracker_export,
    )


__getattr__, __dir__ = lazy_exports(__name__, {
    "estimate": "DEFAULT_MIN_TOKENS FixedLaw Selection fit_curves load_curves parse_fixed select",
    "evaluate": "are_grid are_percent evaluate_curves grid_result grid_table", "forecast": "forecast_run",
    "importers": "guide_family import_curves read_mlflow read_tensorboard read_tracker_export"})
__all__ = [
    "DEFAULT_MIN_TOKENS", "FixedLaw", "Selection", "are_grid", "are_percent", "evaluate_curves",
    "fit_curves", "forecast_run", "grid_result", "grid_table", "guide_family", "import_curves", "load_curves",
    "parse_fixed", "read_mlflow", "read_tensorboard", "read_tracker_export", "select",
]
