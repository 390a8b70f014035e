"""Fitting: objectives, global search, bootstrap, and the fit result.

The names below are imported on first use (PEP 562), so that loading one submodule — say
``scalinglab.fitting.result`` for ``predict`` — does not pull in the search, the bootstrap and SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scalinglab.fitting.approaches import ApproachResult, approach1, approach2
    from scalinglab.fitting.estimator import ScalingLawFit
    from scalinglab.fitting.objectives import Objective, make_objective
    from scalinglab.fitting.result import FitResult

_WHERE = {"ApproachResult": "approaches", "approach1": "approaches", "approach2": "approaches",
          "ScalingLawFit": "estimator", "Objective": "objectives", "make_objective": "objectives",
          "FitResult": "result"}

__all__ = ["ApproachResult", "FitResult", "Objective", "ScalingLawFit", "approach1", "approach2",
           "make_objective"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"scalinglab.fitting.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scalinglab.fitting' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
