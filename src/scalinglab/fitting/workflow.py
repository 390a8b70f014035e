"""Fit a runs table as ``scalinglab fit`` does (a parametric law, or Chinchilla's Approach 1 or 2), and
predict from a fit as ``scalinglab predict`` does (one point, a table of points, or a budget of an
allocation law). Each returns a result object (``to_dict()``, ``text()``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.events import ProgressCallback
from scalinglab.fitting.result import DEFAULT_BUDGETS, FitResult
from scalinglab.results import Result

if TYPE_CHECKING:  # both import pandas, which `predict --at` on a plain CSV does without
    from scalinglab.data.runs import RunsTable
    from scalinglab.fitting.approaches import ApproachResult


@dataclass
class FitReport(Result):
    """A fit of runs with its allocation at ``budgets``: ``text()`` the report, ``to_dict()`` the FIT.json
    (for Approach 1 or 2 with the allocation rows added; ``--fit`` reads both back)."""

    result: FitResult | ApproachResult
    budgets: tuple[float, ...]
    runs: RunsTable

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.result, FitResult):
            return self.result.to_dict()
        return self.result.to_dict() | {"allocation": [{"C": c} | self.result.optimal(c) for c in self.budgets]}

    def text(self) -> str:
        if isinstance(self.result, FitResult):
            return self.result.report(self.budgets)
        return self.result.text(self.budgets)


def fit_runs(data: Any, law: str = "chinchilla", *, approach: int = 3, loss: str = "huber", delta: float = 1e-3,
             tau: float = 0.75, bootstrap: int = 0, seed: int | None = None, isoflop: str = "parabola",
             seed_noise: float = 0.005, budgets: tuple[float, ...] = DEFAULT_BUDGETS,
             columns: dict[str, Any] | None = None, progress: ProgressCallback | None = None) -> FitReport:
    """Fit ``law`` to the runs in ``data`` (Approach 3, the parametric fit), or Chinchilla's Approach 1
    (lower envelope) or 2 (IsoFLOP ``isoflop`` method, ``bootstrap`` resamples, default 1000); ``columns``
    are :func:`~scalinglab.data.runs.load_runs`'s column options."""
    from scalinglab.data.runs import load_law_inputs, load_runs
    from scalinglab.laws.registry import get_law

    the_law = get_law(law)
    if approach not in (1, 2, 3):
        raise ScalingLabError("`approach` must be 1, 2 or 3")
    if approach == 3:
        from scalinglab.fitting.estimator import ScalingLawFit

        runs = load_law_inputs(data, the_law, **(columns or {}))
        estimator = ScalingLawFit(law=the_law, loss=loss, delta=delta, tau=tau, bootstrap=bootstrap, seed=seed)
        return FitReport(estimator.fit(runs, progress=progress).result_, budgets, runs)
    from scalinglab.fitting.approaches import approach1, approach2

    runs = load_runs(data, require=("N", "D", "C", "loss"), **(columns or {}))
    result = approach1(runs) if approach == 1 else approach2(
        runs, method=isoflop, seed_noise=seed_noise, n_bootstrap=bootstrap or 1000, seed=seed or 0)
    return FitReport(result, budgets, runs)


@dataclass
class AllocationTable(Result):
    """An allocation law's optimum at each budget: rows of C, N (or M), D, loss and intervals."""

    rows: list[dict[str, Any]]
    solution: dict[str, Any]
    size: str = "N"
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def at(cls, result: ApproachResult, budgets: list[float]) -> AllocationTable:
        from scalinglab.fitting.approaches import allocation_table

        rows, sol = allocation_table(result, budgets)
        return cls(rows, sol, result.size)

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:  # type: ignore[override]
        """One budget: its row; several: the list of rows."""
        return self.rows[0] if len(self.rows) == 1 else self.rows

    def text(self) -> str:
        from scalinglab.fitting.approaches import allocation_rows

        return "\n".join(allocation_rows(self.solution, self.size))


class PredictionTable(Result):
    """Predictions at every row of a table of points (``predict --at``): the law's inputs, the loss and,
    with draws, its interval."""

    def __init__(self, law: str, table: dict[str, np.ndarray]) -> None:
        self.law, self.table = law, table

    def to_dict(self) -> dict[str, Any]:
        return {"law": self.law, "n_points": len(self), "columns": list(self.table),
                "predictions": {k: v.tolist() for k, v in self.table.items()}}

    def text(self) -> str:
        import pandas as pd

        return pd.DataFrame(self.table).to_string(index=False)

    def __len__(self) -> int:
        return len(self.table["loss"])

    def save(self, path: str | Path) -> None:
        """Write the table (.csv/.tsv/.parquet/.jsonl, by suffix), atomically."""
        from scalinglab.fitting.points import write_predictions

        write_predictions(self.table, path)


def predict(result: FitResult | ApproachResult, *, params: float | None = None, tokens: float | None = None,
            compute: float | None = None, unique_tokens: float | None = None, inputs: list[str] | None = None,
            at: str | Path | None = None, columns: dict[str, str] | None = None, law: str | None = None) -> Result:
    """What ``scalinglab predict`` prints: the loss at one point (or at every row of the table ``at``); for
    an allocation law, the compute-optimal N, D and loss at the budget ``compute`` (or 6 ``params`` ``tokens``)."""
    from scalinglab.fitting.points import predict_columns, predict_point

    if getattr(result, "kind", "") == "allocation":
        if at is not None:
            raise ScalingLabError("`at` predicts a loss law at each point; an allocation fit takes `compute`")
        if compute is None and params is not None and tokens is not None:
            compute = 6 * params * tokens
        if compute is None:
            raise ScalingLabError("an allocation fit predicts at a budget: give `compute` (or `params` and `tokens`)")
        return AllocationTable.at(result, [compute])  # type: ignore[arg-type]
    if law is not None and result.law.name != law:
        raise ScalingLabError(f"`law` {law} does not match the fit's law {result.law.name!r}")
    if at is not None and (inputs or any(v is not None for v in (params, tokens, compute, unique_tokens))):
        raise ScalingLabError("give either `at` (a table of points) or a point (`params`, `tokens`, `compute`, "
                              "`unique_tokens`, `inputs`), not both")  # the point was silently ignored
    if at is not None:  # one vectorised call over every point (and every bootstrap draw); plain CSVs: no pandas
        return PredictionTable(result.law.name, predict_columns(result, at, columns=columns))
    return predict_point(result, params, tokens, compute, unique_tokens, inputs)  # type: ignore[arg-type]
