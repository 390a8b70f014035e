"""Global minimisation of a law's summed objective: a vectorised scan for starts, then a polish.

For laws whose scale parameters enter linearly (E, A, B in the Chinchilla law), the scan runs over the
exponents only and solves the linear part in closed form for each grid point (variable projection):
a non-negative least-squares fit of relative residuals, batched over the whole grid. The best few grid
points then seed a polish on the exact objective: damped Newton with the exact Hessian where the law
has one, else L-BFGS-B with the analytic gradient. Other laws scan their
Cartesian start grid, evaluated in one vectorised call.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scalinglab.events import ProgressCallback, report
from scalinglab.fitting.batched import minimise_batched, newton_batched  # noqa: F401  (re-exported)
from scalinglab.fitting.objectives import Objective
from scalinglab.laws.base import Law, ProjectableLaw
from scalinglab.threads import one_blas_thread


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


#: Grid points × rows held in memory at once by the start scan (8 MB per (chunk, rows) array).
SCAN_ELEMENTS = 2**20
#: Rows the start scan looks at: bigger tables scan a fixed random subset (seed 0) for starts; the
#: polish and every reported number use all rows. Starts only need to land in the optimum's basin.
SCAN_ROWS = 20_000


def _nnls_batched(M: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """min ||M c − t||² s.t. c ≥ 0 for a batch of small problems M (G, n, m), by active-set enumeration."""
    Mt = M.transpose(0, 2, 1)
    return _nnls_gram(Mt @ M, (Mt @ t[:, None])[:, :, 0], float(t @ t))


def _nnls_gram(gram: np.ndarray, rhs: np.ndarray, tt: float) -> tuple[np.ndarray, np.ndarray]:
    """The NNLS of ``_nnls_batched`` from its normal equations: gram (G, m, m), rhs (G, m), tᵀt."""
    G, m = rhs.shape
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


def _scan_grid(law: Law) -> np.ndarray:
    """The grid the scan walks: non-linear parameters for projectable laws, else the full start grid."""
    if isinstance(law, ProjectableLaw):
        return law.nonlinear_grid()
    return np.array(list(itertools.product(*(np.asarray(law.start_grid[n], dtype=float)
                                              for n in law.param_names))))


def _candidates(problem: Problem, grid: np.ndarray) -> np.ndarray:
    """Internal theta of grid points (with the varpro-solved linear part for projectable laws)."""
    law = problem.law
    if not isinstance(law, ProjectableLaw):
        return grid
    y = np.exp(problem.log_y) if law.log_response else problem.log_y
    w = np.ones_like(y) if problem.weights is None else problem.weights
    sw = np.sqrt(w)
    M = law.basis(grid, problem.F)
    M *= (sw / y)[None, :, None]
    coef, _ = _nnls_batched(M, sw)
    return law.assemble(grid, coef)


def _scan_rows(problem: Problem) -> Problem:
    """The problem on at most ``SCAN_ROWS`` rows (a seeded random subset, in table order)."""
    n = problem.log_y.size
    if n <= SCAN_ROWS:
        return problem
    idx = np.sort(np.random.default_rng(0).choice(n, SCAN_ROWS, replace=False))
    return Problem(problem.law, problem.objective, {k: np.asarray(v)[idx] for k, v in problem.F.items()},
                   problem.log_y[idx], None if problem.weights is None else problem.weights[idx])


def scan_starts(problem: Problem, top_k: int = 8,
                progress: ProgressCallback | None = None) -> tuple[np.ndarray, int]:
    """Candidate starts (k, P), best first, and the number of grid points scanned.

    The grid is scanned in chunks of about ``SCAN_ELEMENTS / n`` points, so memory stays bounded on
    big tables (one chunk's (points, rows) arrays at a time); ``progress`` gets a
    :class:`~scalinglab.events.Progress` ("scan", grid points done, grid size) after each.
    Tables over ``SCAN_ROWS`` rows are scanned on a fixed subset of that many rows.
    """
    law = problem.law
    grid = _scan_grid(law)
    total = len(grid)
    extra = law.data_starts(problem.F, problem.log_y)  # starts computed from the data, on all rows
    problem = _scan_rows(problem)
    step = max(1, SCAN_ELEMENTS // max(1, problem.log_y.size))
    lo, hi = np.array(law.bounds).T
    best_theta = np.empty((0, len(law.parameters)))
    best_vals = np.empty(0)
    if extra is not None and len(extra):
        best_theta = np.clip(np.atleast_2d(extra), lo, hi)
        vals = problem.values(best_theta)
        order = np.argsort(vals, kind="stable")[: max(1, top_k)]
        best_theta, best_vals = best_theta[order], vals[order]
    for start in range(0, total, step):
        theta = np.clip(_candidates(problem, grid[start:start + step]), lo, hi)
        theta = np.vstack([best_theta, theta])
        vals = np.concatenate([best_vals, problem.values(theta[len(best_vals):])])
        order = np.argsort(vals, kind="stable")[: max(1, top_k)]
        best_theta, best_vals = theta[order], vals[order]
        report(progress, "scan", min(start + step, total), total)
    return best_theta, total


@dataclass
class PolishResult:
    """The fields of a polish that ``_info`` reads (scipy's OptimizeResult has the same names)."""

    x: np.ndarray
    fun: float
    success: bool
    nit: int
    message: str


def polish(problem: Problem, start: np.ndarray, maxiter: int = 5000):
    """L-BFGS-B from one start with the analytic gradient and tight tolerances."""
    from scipy.optimize import minimize  # lazy: the Newton polish needs no scipy (faster start-up)

    return minimize(problem.value_and_grad, start, jac=True, method="L-BFGS-B", bounds=problem.law.bounds,
                    options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20})


def newton_polish(problem: Problem, starts: np.ndarray) -> list[PolishResult] | None:
    """Batched Newton from every start (a few at a time on big tables); None if none converged."""
    n = problem.log_y.size
    w = np.ones(n) if problem.weights is None else problem.weights
    per = max(1, SCAN_ELEMENTS // max(1, n))
    out = []
    for i in range(0, len(starts), per):
        block = starts[i:i + per]
        stats: dict = {}
        th, f, ok = newton_batched(problem.law, problem.objective, problem.F, problem.log_y,
                                   np.broadcast_to(w, (len(block), n)), block, stats=stats)
        out += [PolishResult(x=th[k], fun=float(f[k]), success=bool(ok[k]), nit=int(stats["iterations"][k]),
                             message="Newton decrement below tolerance" if ok[k] else "Newton stalled")
                for k in range(len(block))]
    return out if any(r.success for r in out) else None


def minimise(problem: Problem, top_k: int = 8, extra_starts: np.ndarray | None = None,
             progress: ProgressCallback | None = None) -> OptimumInfo:
    """Scan, then polish the ``top_k`` best starts (plus ``extra_starts``); keep the lowest objective.

    The polish is damped Newton with the exact Hessian where the law has one (all starts at once), else
    L-BFGS-B per start. BLAS is held to one thread throughout: the polish makes many tiny calls.
    """
    with one_blas_thread():
        starts, n_scanned = scan_starts(problem, top_k, progress)
        if extra_starts is not None:
            starts = np.vstack([np.atleast_2d(extra_starts), starts])
        results = newton_polish(problem, starts) if problem.law.has_hessian else None
        if results is None:
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
    with one_blas_thread():
        results = [polish(problem, s) for s in starts]
    values = np.array([r.fun if np.isfinite(r.fun) else np.inf for r in results])
    best = int(np.argmin(values))
    return _info(problem, results[best], len(starts), 0, values)
