"""Global minimisation of a law's summed objective: a vectorised scan for starts, then L-BFGS-B polish.

For laws whose scale parameters enter linearly (E, A, B in the Chinchilla law), the scan runs over the
exponents only and solves the linear part in closed form for each grid point (variable projection):
a non-negative least-squares fit of relative residuals, batched over the whole grid. The best few grid
points then seed L-BFGS-B on the exact objective with its analytic gradient. Other laws scan their
Cartesian start grid, evaluated in one vectorised call.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from scalinglab.fitting.objectives import Objective
from scalinglab.laws.base import Law, ProjectableLaw


@dataclass
class Problem:
    """A law, its objective and the data (as log features), with optional per-point weights."""

    law: Law
    objective: Objective
    F: Mapping[str, np.ndarray]
    log_y: np.ndarray
    weights: np.ndarray | None = None

    def values(self, theta: np.ndarray) -> np.ndarray:
        """Objective at each row of ``theta`` (K, P) → (K,)."""
        r = self.law.log_predict(theta, self.F) - self.log_y[None, :]
        rho = self.objective.rho(r)
        if self.weights is not None:
            rho = rho * self.weights[None, :]
        out = rho.sum(axis=1)
        return np.where(np.isfinite(out), out, np.inf)

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        pred, J = self.law.log_predict(theta[None, :], self.F, jac=True)
        r = pred[0] - self.log_y
        psi = self.objective.psi(r)
        rho = self.objective.rho(r)
        if self.weights is not None:
            psi, rho = psi * self.weights, rho * self.weights
        return float(rho.sum()), psi @ J[0]


@dataclass
class OptimumInfo:
    """Where the search ended and how it got there."""

    theta: np.ndarray
    value: float
    success: bool
    message: str
    nit: int
    grad_norm: float
    n_starts: int
    n_scanned: int
    n_agree: int
    at_bounds: list[str] = field(default_factory=list)


def _nnls_batched(M: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """min ||M c − t||² s.t. c ≥ 0 for a batch of small problems M (G, n, m), by active-set enumeration."""
    G, _, m = M.shape
    gram = np.einsum("gnj,gnk->gjk", M, M)
    rhs = np.einsum("gnj,n->gj", M, t)
    tt = float(t @ t)
    best_c = np.zeros((G, m))
    best_r = np.full(G, tt)
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] / m
    for size in range(1, m + 1):
        for subset in itertools.combinations(range(m), size):
            idx = np.array(subset)
            g = gram[:, idx[:, None], idx[None, :]] + ridge * np.eye(size)
            try:
                c = np.linalg.solve(g, rhs[:, idx][..., None])[..., 0]
            except np.linalg.LinAlgError:
                continue
            resid = tt - 2 * np.einsum("gj,gj->g", c, rhs[:, idx]) + np.einsum("gj,gjk,gk->g", c, g, c)
            ok = np.all(c >= 0, axis=1) & np.isfinite(resid) & (resid < best_r)
            if ok.any():
                full = np.zeros((int(ok.sum()), m))
                full[:, idx] = c[ok]
                best_c[ok] = full
                best_r[ok] = resid[ok]
    return best_c, best_r


def scan_starts(problem: Problem, top_k: int = 8) -> tuple[np.ndarray, int]:
    """Candidate starts (k, P), best first, and the number of grid points scanned."""
    law = problem.law
    if isinstance(law, ProjectableLaw):
        grid = law.nonlinear_grid()
        y = np.exp(problem.log_y) if law.log_response else problem.log_y
        w = np.ones_like(y) if problem.weights is None else problem.weights
        sw = np.sqrt(w)
        M = law.basis(grid, problem.F) * (sw / y)[None, :, None]
        coef, _ = _nnls_batched(M, sw)
        theta = law.assemble(grid, coef)
    else:
        names = law.param_names
        axes = [np.asarray(law.start_grid[n], dtype=float) for n in names]
        theta = np.array(list(itertools.product(*axes)))
    extra = law.data_starts(problem.F, problem.log_y)
    if extra is not None and len(extra):
        theta = np.vstack([theta, np.atleast_2d(extra)])
    lo, hi = np.array(law.bounds).T
    theta = np.clip(theta, lo, hi)
    vals = problem.values(theta)
    order = np.argsort(vals)[: max(1, top_k)]
    return theta[order], len(theta)


def polish(problem: Problem, start: np.ndarray, maxiter: int = 5000):
    """L-BFGS-B from one start with the analytic gradient and tight tolerances."""
    return minimize(problem.value_and_grad, start, jac=True, method="L-BFGS-B", bounds=problem.law.bounds,
                    options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20})


def minimise(problem: Problem, top_k: int = 8, extra_starts: np.ndarray | None = None) -> OptimumInfo:
    """Scan, then polish the ``top_k`` best starts (plus ``extra_starts``); keep the lowest objective."""
    starts, n_scanned = scan_starts(problem, top_k)
    if extra_starts is not None:
        starts = np.vstack([np.atleast_2d(extra_starts), starts])
    results = [polish(problem, s) for s in starts]
    values = np.array([r.fun if np.isfinite(r.fun) else np.inf for r in results])
    best = int(np.argmin(values))
    res = results[best]
    return _info(problem, res, len(starts), n_scanned, values)


def _info(problem: Problem, res, n_starts: int, n_scanned: int, values: np.ndarray) -> OptimumInfo:
    theta = np.asarray(res.x, dtype=float)
    _, g = problem.value_and_grad(theta)
    lo, hi = np.array(problem.law.bounds).T
    free = (theta > lo + 1e-8) & (theta < hi - 1e-8)
    grad_norm = float(np.linalg.norm(g[free])) if free.any() else 0.0
    at_bounds = [p.name for p, f in zip(problem.law.parameters, free, strict=True) if not f]
    best = float(res.fun)
    n_agree = int(np.sum(np.abs(values - best) <= 1e-6 * max(abs(best), 1e-300)))
    return OptimumInfo(theta, best, bool(res.success), str(res.message), int(res.nit), grad_norm,
                       n_starts, n_scanned, n_agree, at_bounds)


def minimise_from(problem: Problem, starts: np.ndarray) -> OptimumInfo:
    """Polish given starts only (the bootstrap warm-starts from the full-data optimum)."""
    starts = np.atleast_2d(starts)
    results = [polish(problem, s) for s in starts]
    values = np.array([r.fun if np.isfinite(r.fun) else np.inf for r in results])
    best = int(np.argmin(values))
    return _info(problem, results[best], len(starts), 0, values)


def minimise_batched(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                     weights: np.ndarray, theta0: np.ndarray, max_iter: int = 500,
                     rtol: float = 1e-13) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise K weighted problems at once (rows of ``weights``, e.g. bootstrap counts).

    A damped Gauss–Newton step on the iteratively reweighted (IRLS) quadratic that majorises the robust
    loss — curvature ψ(r)/r per point — with a per-problem Levenberg–Marquardt damping, all vectorised
    over the K problems. Returns (theta (K, P), objective (K,), converged (K,)).
    """
    K = weights.shape[0]
    theta = np.broadcast_to(np.atleast_2d(theta0), (K, len(law.parameters))).astype(float).copy()
    lo, hi = np.array(law.bounds).T
    P = theta.shape[1]
    eye = np.eye(P)

    def evaluate(th: np.ndarray, w: np.ndarray) -> np.ndarray:
        r = law.log_predict(th, F) - log_y[None, :]
        out = (objective.rho(r) * w).sum(axis=1)
        return np.where(np.isfinite(out), out, np.inf)

    f = evaluate(theta, weights)
    lam = np.full(K, 1e-3)
    done = np.zeros(K, dtype=bool)
    for _ in range(max_iter):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        pred, J = law.log_predict(theta[act], F, jac=True)
        r = pred - log_y[None, :]
        w = weights[act]
        psi = objective.psi(r)
        with np.errstate(divide="ignore", invalid="ignore"):
            curv = np.where(np.abs(r) > 1e-15, psi / r, objective.psi(np.ones(1) * 1e-15)[0] / 1e-15)
        g = np.einsum("kn,knp->kp", w * psi, J)
        H = np.einsum("kn,knp,knq->kpq", w * curv, J, J)
        diag = np.einsum("kpp->kp", H)
        A = H + (lam[act, None] * np.maximum(diag, 1e-12))[:, :, None] * eye + 1e-14 * eye
        try:
            step = -np.linalg.solve(A, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -g * 1e-3
        cand = np.clip(theta[act] + step, lo, hi)
        fc = evaluate(cand, w)
        better = fc < f[act]
        rel = (f[act] - fc) / np.maximum(np.abs(f[act]), 1e-300)
        idx_b = act[better]
        theta[idx_b] = cand[better]
        lam[idx_b] = np.maximum(lam[idx_b] / 3.0, 1e-12)
        lam[act[~better]] *= 4.0
        f[idx_b] = fc[better]
        small = (better & (rel < rtol)) | (~better & (lam[act] > 1e10)) | (np.abs(step).max(axis=1) < 1e-13)
        done[act[small]] = True
    return theta, f, done
