"""Fitting: objectives, global search, bootstrap, and the fit result.

The names below are imported on first use (PEP 562), so that loading one submodule — say
``scalinglab.fitting.result`` for ``predict`` — does not pull in the search, the bootstrap and SciPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalinglab.lazy import lazy_exports

if TYPE_CHECKING:
    from scalinglab.fitting.approaches import ApproachResult, approach1, approach2
    from scalinglab.fitting.estimator import ScalingLawFit
    from scalinglab.fitting.loading import LawCatalogue, fit_or_preset, loss_law
    from scalinglab.fitting.objectives import Objective, make_objective
    from scalinglab.fitting.result import FitResult
    from scalinglab.fitting.selection import select_laws_file
    from scalinglab.fitting.workflow import fit_runs, predict

__getattr__, __dir__ = lazy_exports(__name__, {
    "approaches": "ApproachResult approach1 approach2", "estimator": "ScalingLawFit",
    "objectives": "Objective make_objective", "result": "FitResult",
    "loading": "LawCatalogue fit_or_preset loss_law", "selection": "select_laws_file",
    "workflow": "fit_runs predict"})
__all__ = ["ApproachResult", "FitResult", "LawCatalogue", "Objective", "ScalingLawFit", "approach1", "approach2",
           "fit_or_preset", "fit_runs", "loss_law", "make_objective", "predict", "select_laws_file"]
