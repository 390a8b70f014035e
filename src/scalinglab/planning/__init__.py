"""Planning: inference-aware and cost-optimal allocation, data-constrained training, MoE, test-time compute.

Every planner takes a FitResult (a fit or a preset) and returns a result dataclass with ``to_dict()``
(the CLI's ``--json``) and ``text()`` (the readable answer). Submodules are imported on use.
"""
