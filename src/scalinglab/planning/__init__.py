"""Planning: inference-aware and cost-optimal allocation, data-constrained training, MoE, test-time compute.

Every planner takes a FitResult (a fit or a preset) and returns a result dataclass with ``to_dict()``
(the CLI's ``--json``) and ``text()`` (the readable answer). Submodules are imported on use.
"""

from __future__ import annotations

from scalinglab.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "conventions": "plan_optimal", "cost": "AcceleratorCatalogue CostSetup peak_for_device plan_cost",
    "data_constrained": "fit_repetition_file plan_data_constrained", "hyperparams": "plan_hyperparams",
    "inference": "plan_inference", "mixture": "plan_mixture_file", "moe": "plan_moe plan_moe_fit plan_sparsity",
    "post_training": "fit_post_runs", "test_time": "test_time_tradeoff",
    "test_time_budget": "plan_test_time_files"})
__all__ = ["AcceleratorCatalogue", "CostSetup", "fit_post_runs", "fit_repetition_file", "peak_for_device",
           "plan_cost", "plan_data_constrained", "plan_hyperparams", "plan_inference", "plan_mixture_file",
           "plan_moe", "plan_moe_fit", "plan_optimal", "plan_sparsity", "plan_test_time_files",
           "test_time_tradeoff"]
