"""Many weighted refits at once (bootstrap resamples as multiplicity weights), vectorised over K problems.

Laws with an exact Hessian of log L̂ (``Law.second_order``) get a damped Newton method on the summed
robust objective itself: with r = log L̂ − log L and f = Σ w ρ(r),

    ∇f = Σ w ψ(r) ∇r,    ∇²f = Σ w [ρ''(r) ∇r ∇rᵀ + ψ(r) ∇² log L̂],

solved with Levenberg–Marquardt damping (a shift that makes indefinite points positive definite) in
Jacobi-scaled coordinates. It stops on the Newton decrement, sized to bootstrap precision. Other laws
keep damped Gauss–Newton on the IRLS majoriser (curvature ψ(r)/r per point).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.fitting.objectives import Objective
from scalinglab.laws.base import Law

#: Converged when the Hessian is positive definite and the Newton decrement gᵀH⁻¹g ≤ DECREMENT · f:
#: f is then within 1e-14 (relative) of the local minimum, parameters far inside bootstrap scatter.
DECREMENT = 2e-14


def _values(law: Law, objective: Objective, F, log_y: np.ndarray, th: np.ndarray, w: np.ndarray) -> np.ndarray:
    r = law.log_predict(th, F) - log_y[None, :]
    out = (objective.rho(r) * w).sum(axis=1)
    return np.where(np.isfinite(out), out, np.inf)


def _damped_step(H: np.ndarray, g: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step −(|Ĥ| + μI)⁻¹ĝ in Jacobi-scaled coordinates, μ = lam · max|eig|, |Ĥ| = V|Λ|Vᵀ.

    Directions of negative curvature are taken downhill with their curvature's magnitude (the
    saddle-free form of Levenberg–Marquardt), so an indefinite start does not shrink every step.

    Returns (step (K, P), Newton decrement (K,) — inf where Ĥ is not PD —, smallest scaled eigenvalue).
    """
    d = np.sqrt(np.maximum(np.abs(np.einsum("kpp->kp", H)), 1e-300))
    Hs = H / (d[:, :, None] * d[:, None, :])
    gs = g / d
    e, V = np.linalg.eigh(Hs)
    c = np.einsum("kpq,kp->kq", V, gs)  # Vᵀ ĝ
    emin = e[:, 0]
    scale = np.abs(e).max(axis=1)
    step = -np.einsum("kpq,kq->kp", V, c / (np.abs(e) + (lam * scale)[:, None])) / d
    tiny = 1e-12 * scale
    with np.errstate(divide="ignore"):
        dec = np.where(emin > tiny, (c * c / np.where(e > 0, e, 1.0)).sum(axis=1), np.inf)
    return step, dec, emin


def _free(theta: np.ndarray, g: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Coordinates not held at a bound by the gradient (projected Newton keeps the others fixed)."""
    return ~(((theta <= lo) & (g > 0)) | ((theta >= hi) & (g < 0)))


def _derivatives(law: Law, objective: Objective, F, log_y: np.ndarray, th: np.ndarray, w: np.ndarray):
    """Objective (K,), gradient (K, P) and exact Hessian (K, P, P) of Σ w ρ(log L̂ − log L) at ``th``."""
    kept: dict[str, np.ndarray] = {}

    def weigh(pred: np.ndarray) -> np.ndarray:
        kept["r"] = r = pred - log_y[None, :]
        kept["wpsi"] = wpsi = w * objective.psi(r)
        return wpsi

    _, J, H = law.second_order(th, F, weigh)
    r = kept["r"]
    Jt = J.transpose(0, 2, 1)
    g = (Jt @ kept["wpsi"][:, :, None])[:, :, 0]
    H += (Jt * (w * objective.curvature(r))[:, None, :]) @ J
    f = (objective.rho(r) * w).sum(axis=1)
    return np.where(np.isfinite(f), f, np.inf), g, H


def newton_batched(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                   weights: np.ndarray, theta0: np.ndarray, max_iter: int = 200, stats: dict | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Second-order refits of K weighted problems; returns (theta (K, P), objective (K,), converged (K,)).

    Each iteration evaluates the derivatives at the candidate only; a rejected candidate keeps the
    stored ones and raises the damping. ``stats["iterations"]`` gets each problem's iteration count.
    """
    K, P = weights.shape[0], len(law.parameters)
    theta = np.broadcast_to(np.atleast_2d(theta0), (K, P)).astype(float).copy()
    lo, hi = np.array(law.bounds).T
    f, g, H = _derivatives(law, objective, F, log_y, theta, weights)
    lam = np.full(K, 1e-6)
    converged = np.zeros(K, dtype=bool)
    stopped = np.zeros(K, dtype=bool)
    iterations = np.zeros(K, dtype=int)
    eye = np.eye(P)
    for _ in range(max_iter):
        act = np.flatnonzero(~stopped)
        if act.size == 0:
            break
        iterations[act] += 1
        free = _free(theta[act], g[act], lo, hi)
        ga = np.where(free, g[act], 0.0)
        Ha = np.where(free[:, :, None] & free[:, None, :], H[act], 0.0) + (~free)[:, :, None] * eye
        step, dec, _ = _damped_step(Ha, ga, lam[act])
        ok = dec <= DECREMENT * np.maximum(f[act], 1e-300)
        converged[act[ok]] = True
        stopped[act[ok | (lam[act] > 1e12)]] = True
        go = ~ok & (lam[act] <= 1e12)
        act, step = act[go], step[go]
        if act.size == 0:
            break
        cand = np.clip(theta[act] + step, lo, hi)
        fc, gc, Hc = _derivatives(law, objective, F, log_y, cand, weights[act])
        better = fc < f[act]
        b = act[better]
        theta[b], f[b], g[b], H[b] = cand[better], fc[better], gc[better], Hc[better]
        lam[b] = np.maximum(lam[b] / 4.0, 1e-12)
        lam[act[~better]] *= 8.0
    if stats is not None:
        stats["iterations"] = iterations
    return theta, f, converged


def gauss_newton_batched(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                         weights: np.ndarray, theta0: np.ndarray, max_iter: int = 500,
                         rtol: float = 1e-13) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Damped Gauss–Newton on the IRLS majoriser (the fallback for laws without ``second_order``)."""
    K, P = weights.shape[0], len(law.parameters)
    theta = np.broadcast_to(np.atleast_2d(theta0), (K, P)).astype(float).copy()
    lo, hi = np.array(law.bounds).T
    eye = np.eye(P)
    f = _values(law, objective, F, log_y, theta, weights)
    lam = np.full(K, 1e-3)
    done = np.zeros(K, dtype=bool)
    floor = objective.psi(np.ones(1) * 1e-15)[0] / 1e-15
    for _ in range(max_iter):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        pred, J = law.log_predict(theta[act], F, jac=True)
        r = pred - log_y[None, :]
        w = weights[act]
        psi = objective.psi(r)
        with np.errstate(divide="ignore", invalid="ignore"):
            curv = np.where(np.abs(r) > 1e-15, psi / r, floor)
        Jt = J.transpose(0, 2, 1)
        g = (Jt @ (w * psi)[:, :, None])[:, :, 0]
        H = (Jt * (w * curv)[:, None, :]) @ J
        diag = np.einsum("kpp->kp", H)
        A = H + (lam[act, None] * np.maximum(diag, 1e-12))[:, :, None] * eye + 1e-14 * eye
        try:
            step = -np.linalg.solve(A, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -g * 1e-3
        cand = np.clip(theta[act] + step, lo, hi)
        fc = _values(law, objective, F, log_y, cand, w)
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


def minimise_batched(law: Law, objective: Objective, F: Mapping[str, np.ndarray], log_y: np.ndarray,
                     weights: np.ndarray, theta0: np.ndarray, second_order: bool | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise K weighted problems (rows of ``weights``) from ``theta0``: Newton where the law has a
    Hessian (``second_order=None`` decides by ``law.has_hessian``), else Gauss–Newton.

    Returns (theta (K, P), objective (K,), converged (K,)).
    """
    use_newton = law.has_hessian if second_order is None else second_order
    solver = newton_batched if use_newton else gauss_newton_batched
    return solver(law, objective, F, log_y, weights, theta0)
