"""ScalingLawFit: the scikit-learn-style front of the fitter (configure, ``fit(runs)``, read ``result_``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.runs import RunsTable, load_law_inputs
from scalinglab.errors import InputError
from scalinglab.events import ProgressCallback
from scalinglab.fitting.bootstrap import bootstrap_draws
from scalinglab.fitting.diagnostics import design_warnings, fit_warnings
from scalinglab.fitting.objectives import make_objective
from scalinglab.fitting.optimize import Problem, minimise
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law
from scalinglab.seeding import check_bootstrap


class ScalingLawFit:
    """Fit a scaling law to runs by minimising a summed robust objective on log-loss residuals.

    Defaults follow Hoffmann et al. (2022, App. D.2) and Besiroglu et al. (2024): the Chinchilla law,
    Huber with δ = 1e-3 on log L̂ − log L summed over points, a global search, and (``bootstrap=K``)
    percentile intervals from K resamples of the runs.
    """

    def __init__(self, law: str | Law = "chinchilla", loss: str = "huber", delta: float = 1e-3,
                 tau: float = 0.75, bootstrap: int = 0, seed: int | None = None, top_k: int = 8) -> None:
        self.law = law
        self.loss = loss
        self.delta = delta
        self.tau = tau
        self.bootstrap = bootstrap
        self.seed = seed
        self.top_k = top_k

    def fit(self, runs: RunsTable | pd.DataFrame | str | Path,
            progress: ProgressCallback | None = None) -> ScalingLawFit:
        """Fit on ``runs`` (a RunsTable, a DataFrame with canonical columns, or a file path).

        ``progress`` gets :class:`~scalinglab.events.Progress` events: task ``"scan"`` as the start scan
        walks its grid (worth showing on big tables), then task ``"bootstrap"`` as bootstrap refits finish.
        """
        start = time.perf_counter()
        law = get_law(self.law)
        objective = make_objective(self.loss, self.delta, self.tau)
        check_bootstrap(self.bootstrap)
        if not isinstance(runs, RunsTable):
            runs = load_law_inputs(runs, law)
        for name in law.inputs:
            if law.column_of(name) not in runs.frame:
                raise InputError(f"law {law.name!r} needs a column for its input {name!r}; map it with "
                                 f"`columns` {name}=COLUMN", file=runs.source, column=law.column_of(name))
        n = len(runs)
        if n < law.min_points:
            raise InputError(f"only {n} valid rows; the {law.name} law needs at least {law.min_points}",
                             file=runs.source)
        X = {k: runs.column(law.column_of(k)) for k in law.inputs}
        F = law.features(X)
        log_y = law.response_of(runs.loss)
        info = minimise(Problem(law, objective, F, log_y), top_k=self.top_k, progress=progress)
        single_seconds = time.perf_counter() - start
        warnings = design_warnings(law, X) + fit_warnings(law, info.at_bounds, info.success, info.message,
                                                          info.n_agree, info.n_starts)
        draws, boot, n_ok = None, None, None
        if self.bootstrap:
            t_boot, cpu_boot = time.perf_counter(), time.process_time()
            draws, ok = bootstrap_draws(law, objective, F, log_y, info.theta, self.bootstrap, self.seed,
                                        progress=progress)
            n_ok = int(ok.sum())
            boot = {"converged": n_ok, "seconds": time.perf_counter() - t_boot,
                    "cpu_seconds": time.process_time() - cpu_boot,
                    "method": "newton" if law.has_hessian else "gauss-newton"}
            if not ok.all():
                warnings.append(f"{int((~ok).sum())} of {len(ok)} bootstrap refits stopped before converging")
        spec = objective.to_dict() | {"description": objective.describe()}
        self.result_ = FitResult(
            law, law.to_raw(info.theta), objective=info.value, objective_spec=spec, n_points=n,
            fit_seconds=time.perf_counter() - start, converged=info.success and info.grad_norm < 1e-4,
            convergence={"n_starts": info.n_starts, "n_scanned": info.n_scanned, "n_agree": info.n_agree,
                         "iterations": info.nit, "grad_norm": info.grad_norm, "message": info.message,
                         "single_fit_seconds": single_seconds},
            warnings=warnings, draws=draws, bootstrap_seed=self.seed if self.bootstrap else None,
            bootstrap_info=boot, source=runs.source, bootstrap_converged=n_ok, data_compute=_data_compute(X))
        self.params_ = self.result_.params
        self.objective_ = info.value
        self.theta_ = info.theta
        return self

    def predict(self, **X: np.ndarray) -> np.ndarray:
        return self.result_.predict(**X)


def _data_compute(X: dict[str, np.ndarray]) -> list[float] | None:
    """[min, max] training compute C = 6ND of the fitted runs (or the C column), None for other laws."""
    if "C" in X:
        C = np.asarray(X["C"], dtype=float)
    elif "N" in X and "D" in X:
        C = 6.0 * np.asarray(X["N"], dtype=float) * np.asarray(X["D"], dtype=float)
    else:
        return None
    C = C[np.isfinite(C)]
    return [float(C.min()), float(C.max())] if C.size else None
