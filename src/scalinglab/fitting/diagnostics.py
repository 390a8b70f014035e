"""Warnings a scientist needs before trusting a fit: unidentifiable designs, bounds, convergence."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.laws.base import Law


def design_warnings(law: Law, X: Mapping[str, np.ndarray]) -> list[str]:
    """Problems of the data design itself, before any fitting."""
    out: list[str] = []
    n = len(next(iter(X.values())))
    if n < 2 * len(law.parameters):
        out.append(f"only {n} points for {len(law.parameters)} parameters: intervals will be wide")
    if {"N", "D"} <= set(law.inputs):
        lN, lD = np.log(X["N"]), np.log(X["D"])
        spread = float(np.ptp(lD - lN)) if n > 1 else 0.0
        corr = float(np.corrcoef(lN, lD)[0, 1]) if n > 2 and np.std(lN) > 0 and np.std(lD) > 0 else 1.0
        if np.std(lN) == 0 or np.std(lD) == 0:
            out.append("N or D takes a single value: the law's N and D terms cannot be identified; "
                       "use a one-variable law (kaplan-n, kaplan-d) or --law compute")
        elif abs(corr) > 0.99 or spread < np.log(3.0):
            out.append(
                f"N and D are nearly collinear (corr(log N, log D) = {corr:.3f}, tokens per parameter "
                f"varies only {np.exp(spread):.2g}x): a fixed tokens-per-parameter design cannot identify "
                "alpha, beta, A and B separately; fit the compute law instead (--law compute)")
        lim = len(np.unique(np.round(lN, 3)))
        if lim < 3:
            out.append(f"only {lim} distinct model sizes: the N exponent is poorly constrained")
    return out


def fit_warnings(law: Law, at_bounds: list[str], success: bool, message: str, n_agree: int,
                 n_starts: int) -> list[str]:
    """Problems found by the optimiser."""
    out: list[str] = []
    if at_bounds:
        out.append(f"parameter(s) {', '.join(at_bounds)} ended at a bound: the optimum may lie outside "
                   "the law's range, or the data cannot pin them down")
    if not success:
        out.append(f"the optimiser did not report convergence: {message}")
    if n_starts > 1 and n_agree < 2:
        out.append("only one start reached the best objective: the optimum is isolated, check the fit")
    return out
