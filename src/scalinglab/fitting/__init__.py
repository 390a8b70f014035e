"""Fitting: objectives, global search, bootstrap, and the fit result."""

from scalinglab.fitting.approaches import ApproachResult, approach1, approach2
from scalinglab.fitting.estimator import ScalingLawFit
from scalinglab.fitting.objectives import Objective, make_objective
from scalinglab.fitting.result import FitResult

__all__ = ["ApproachResult", "FitResult", "Objective", "ScalingLawFit", "approach1", "approach2",
           "make_objective"]
