"""Learning curves: estimate laws from intermediate checkpoints, measure extrapolation error, forecast runs.

After Choshen, Zhang & Andreas 2024, "A Hitchhiker's Guide to Scaling Law Estimation" (arXiv:2410.11840).
"""

from scalinglab.curves.estimate import (
    DEFAULT_MIN_TOKENS,
    FixedLaw,
    Selection,
    fit_curves,
    load_curves,
    parse_fixed,
    select,
)
from scalinglab.curves.evaluate import are_grid, are_percent, evaluate_curves, grid_table
from scalinglab.curves.forecast import forecast_run
from scalinglab.curves.importers import (
    guide_family,
    read_mlflow,
    read_tensorboard,
    read_tracker_export,
)

__all__ = [
    "DEFAULT_MIN_TOKENS", "FixedLaw", "Selection", "are_grid", "are_percent", "evaluate_curves",
    "fit_curves", "forecast_run", "grid_table", "guide_family", "load_curves", "parse_fixed",
    "read_mlflow", "read_tensorboard", "read_tracker_export", "select",
]
