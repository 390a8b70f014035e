"""Sloth: scaling laws for LLM skills (Maia Polo, Somerstep, Choshen, Sun, Yurochkin 2025).

Paper: "Sloth: scaling laws for LLM skills to predict multi-benchmark performance across
families", arXiv:2412.06540. Benchmark scores of LLM ``i`` (family ``f``) are driven by a few
latent *skills*::

    θ_i = α_f + β₁ log T_i + β₂ log S_i + β₃ log S_i · log T_i          (θ_i ∈ R^d)
    E[Y_ij] = c_j + (1 − c_j) · g_j(λ_jᵀ θ_i + b_j)

with ``S`` the size in billions of parameters, ``T`` the pre-training tokens in trillions, the
slopes ``β`` shared by all families and the intercept ``α_f`` (a vector, one entry per skill)
specific to each family: a family's "efficiency" is estimated from as little as one of its
models, while the shape of scaling is learned from all families together. The benchmark
loadings ``λ_j`` tie the benchmarks to the skills, so scores of different benchmarks inform each
other.

Methods (``method=``):

* ``"sloth"``: the paper's full model: a trained monotone link ``g_j`` per benchmark and
  learned floors ``c_j``, warm-started from the basic fit.
* ``"basic"``: "Sloth basic": sigmoid link, floors fixed at chance level.
* ``"flops"``: the FLOPs baseline: one law per benchmark on ``log F`` with ``F = 6 S T``, a family
  intercept and shared slope, sigmoid link with a learned floor (paper: ``logF_sigmoid_faminter``).
* ``"flops-shared"``: the same with one intercept for all families (Owen 2024; paper:
  ``logF_sigmoid``).

Fitting minimises the mean Huber (smooth-L1, ``δ = 0.01``) loss over models × benchmarks with
L-BFGS-B and hand-written gradients (no autograd framework needed): a few seeded random starts
for the sigmoid model, the best one kept. The monotone link is a small network on ``tanh(z)``
whose weights are kept non-negative by box constraints (so it is increasing by construction);
it is first fitted to the sigmoid it replaces, so the warm start keeps the basic solution.
Everything is deterministic given ``seed``.

After fitting, the skills are re-expressed in an interpretable basis that leaves predictions
unchanged: standardised to zero mean and unit covariance over the training models, then
varimax-rotated so each benchmark loads mainly on one skill, with signs chosen so skills grow
with compute.

A fitted model saves to plain JSON (:meth:`Sloth.save`, :meth:`Sloth.to_dict`; format and checks in
:mod:`scalinglab.skills.sloth_io`) and loads back (:meth:`Sloth.load`) with predictions identical to the
in-memory model's; a malformed file is one :class:`InputError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from scalinglab.errors import InputError, check_is_fitted
from scalinglab.fitting.links import with_floor
from scalinglab.fitting.objectives import huber as _huber
from scalinglab.seeding import make_rng
from scalinglab.skills import sloth_io

__all__ = ["METHODS", "Sloth", "huber", "varimax"]

METHODS = ("sloth", "basic", "flops", "flops-shared")
FEATURE_NAMES = ("log T", "log S", "log S · log T")
_HIDDEN = 10
_FTOL = 1e-10


def huber(r: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Smooth-L1 (Huber scaled by 1/δ) loss of residuals and its derivative.

    ``0.5 r²/δ`` for ``|r| < δ``, else ``|r| − δ/2``: like the absolute error (the metric the
    paper reports) but differentiable at 0.
    """
    return _huber(r, delta, scaled=True)


def varimax(loadings: np.ndarray, max_iter: int = 500, tol: float = 1e-10) -> np.ndarray:
    """Orthogonal varimax rotation ``R`` (d × d) of a (J × d) loading matrix (Kaiser 1958).

    Maximises the variance of the squared loadings within each factor, so each benchmark loads
    strongly on few skills. Returns ``R``; the rotated loadings are ``loadings @ R``.
    """
    p, k = loadings.shape
    rot = np.eye(k)
    if k < 2:
        return rot
    obj = 0.0
    for _ in range(max_iter):
        lam = loadings @ rot
        u, s, vt = np.linalg.svd(loadings.T @ (lam**3 - lam @ np.diag((lam**2).sum(axis=0)) / p))
        rot = u @ vt
        new = float(s.sum())
        if new - obj < tol * max(new, 1.0):
            break
        obj = new
    return rot


# ----------------------------------------------------------------------------------------------
# parameter layout: a flat vector for L-BFGS-B <-> named arrays


@dataclass(frozen=True)
class _Layout:
    shapes: dict[str, tuple[int, ...]]

    def size(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes.values())

    def unpack(self, x: np.ndarray) -> dict[str, np.ndarray]:
        out, i = {}, 0
        for name, shape in self.shapes.items():
            n = int(np.prod(shape))
            out[name] = x[i:i + n].reshape(shape)
            i += n
        return out

    def pack(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(parts[k], dtype=float).ravel() for k in self.shapes])

    def bounds(self, nonneg: Sequence[str]) -> list[tuple[float | None, float | None]]:
        out: list[tuple[float | None, float | None]] = []
        for name, shape in self.shapes.items():
            b = (0.0, None) if name in nonneg else (None, None)
            out.extend([b] * int(np.prod(shape)))
        return out


_LINK_NAMES = ("A1", "a1", "A2", "a2", "A3", "a3")


def _link_forward(z: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, tuple]:
    """Monotone link per benchmark: σ(A3·tanh(A2·tanh(A1·tanh(z) + a1) + a2) + a3), A ≥ 0.

    Non-negative weights and increasing activations make it increasing in ``z``; the ``tanh`` on
    the input bounds it, so predictions level off instead of running away far outside the
    training range. Works benchmark-major, (J, n, H), so the layers are batched matmuls.
    """
    h0 = np.tanh(z.T)                                                   # (J, n)
    h1 = np.tanh(h0[:, :, None] * p["A1"][:, None, :] + p["a1"][:, None, :])   # (J, n, H)
    h2 = np.tanh(h1 @ p["A2"].transpose(0, 2, 1) + p["a2"][:, None, :])
    o = (h2 @ p["A3"][:, :, None])[:, :, 0] + p["a3"][:, None]
    g = expit(o)
    return g.T, (h0, h1, h2, g)


def _link_backward(dg: np.ndarray, p: dict[str, np.ndarray], cache: tuple,
                   grads: dict[str, np.ndarray]) -> np.ndarray:
    """Gradients of the link weights (into ``grads``) and of its input ``z`` (returned)."""
    h0, h1, h2, g = cache
    do = dg.T * g * (1.0 - g)                                           # (J, n)
    grads["A3"] = (do[:, None, :] @ h2)[:, 0, :]
    grads["a3"] = do.sum(axis=1)
    du2 = do[:, :, None] * p["A3"][:, None, :] * (1.0 - h2 * h2)       # (J, n, H)
    grads["A2"] = du2.transpose(0, 2, 1) @ h1
    grads["a2"] = du2.sum(axis=1)
    du1 = (du2 @ p["A2"]) * (1.0 - h1 * h1)
    grads["A1"] = (h0[:, None, :] @ du1)[:, 0, :]
    grads["a1"] = du1.sum(axis=1)
    return ((du1 @ p["A1"][:, :, None])[:, :, 0] * (1.0 - h0 * h0)).T


@dataclass
class _Problem:
    """Data and switches of one fit: y ≈ c + (1 − c)·g((X Wx + D Wd) L + b)."""

    X: np.ndarray          # (n, p) standardised features
    D: np.ndarray          # (n, F) family one-hot (or a column of ones)
    Y: np.ndarray          # (n, J)
    floors: np.ndarray     # (J,) fixed floors / initial floors
    d: int
    fixed_loadings: bool   # FLOPs: L = I (one independent law per benchmark)
    learn_floor: bool
    monotone: bool
    delta: float
    mask: np.ndarray | None = None   # (n, J) observed entries (all true here)

    def layout(self) -> _Layout:
        n_feat, n_fam = self.X.shape[1], self.D.shape[1]
        J, d, H = self.Y.shape[1], self.d, _HIDDEN
        shapes: dict[str, tuple[int, ...]] = {"Wx": (n_feat, d), "Wd": (n_fam, d)}
        if not self.fixed_loadings:
            shapes["L"] = (d, J)
        shapes["b"] = (J,)
        if self.learn_floor:
            shapes["lc"] = (J,)
        if self.monotone:
            shapes.update({"A1": (J, H), "a1": (J, H), "A2": (J, H, H), "a2": (J, H),
                           "A3": (J, H), "a3": (J,)})
        return _Layout(shapes)

    def loadings(self, p: dict[str, np.ndarray]) -> np.ndarray:
        return np.eye(self.d) if self.fixed_loadings else p["L"]

    def predict(self, p: dict[str, np.ndarray], X: np.ndarray, D: np.ndarray) -> np.ndarray:
        theta = X @ p["Wx"] + D @ p["Wd"]
        z = theta @ self.loadings(p) + p["b"]
        g = _link_forward(z, p)[0] if self.monotone else expit(z)
        c = expit(p["lc"]) if self.learn_floor else self.floors
        return with_floor(g, c)

    def loss_grad(self, x: np.ndarray, layout: _Layout) -> tuple[float, np.ndarray]:
        p = layout.unpack(x)
        L = self.loadings(p)
        theta = self.X @ p["Wx"] + self.D @ p["Wd"]
        z = theta @ L + p["b"]
        if self.monotone:
            g, cache = _link_forward(z, p)
        else:
            g = expit(z)
        c = expit(p["lc"]) if self.learn_floor else self.floors
        yhat = with_floor(g, c)
        r = yhat - self.Y
        loss, dr = huber(r, self.delta)
        n_obs = r.size
        dr = dr / n_obs
        grads: dict[str, np.ndarray] = {}
        if self.learn_floor:
            grads["lc"] = (dr * (1.0 - g)).sum(axis=0) * c * (1.0 - c)
        dg = dr * (1.0 - c)
        dz = _link_backward(dg, p, cache, grads) if self.monotone else dg * g * (1.0 - g)
        grads["b"] = dz.sum(axis=0)
        if not self.fixed_loadings:
            grads["L"] = theta.T @ dz
        dtheta = dz @ L.T
        grads["Wx"] = self.X.T @ dtheta
        grads["Wd"] = self.D.T @ dtheta
        return float(loss.sum() / n_obs), layout.pack(grads)


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS single-threaded while fitting.

    The problems here are tiny (a few hundred parameters); OpenBLAS threads inside L-BFGS-B's
    vector operations only add synchronisation cost, which is ~15x slower on a busy 2-core
    machine. Uses ``threadpoolctl`` when it is installed, else changes nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional dependency
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _minimize(prob: _Problem, x0: np.ndarray, max_iter: int, numeric_grad: bool = False,
              ) -> tuple[np.ndarray, float, int]:
    layout = prob.layout()
    bounds = layout.bounds(("A1", "A2", "A3")) if prob.monotone else None
    if numeric_grad:  # reference path for the benchmark: finite-difference gradients
        res = minimize(lambda x: prob.loss_grad(x, layout)[0], x0, jac=None, method="L-BFGS-B",
                       bounds=bounds, options={"maxiter": max_iter, "maxfun": 10**9})
    else:
        res = minimize(prob.loss_grad, x0, args=(layout,), jac=True, method="L-BFGS-B",
                       bounds=bounds,
                       options={"maxiter": max_iter, "maxfun": 4 * max_iter, "ftol": _FTOL,
                                "gtol": 1e-9, "maxcor": 30})
    return res.x, float(res.fun), int(res.nfev)


def _fit_link_to_sigmoid(z: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Monotone-link weights that reproduce σ(z) over the range of ``z`` (per benchmark).

    The full model starts from the basic (sigmoid) fit; starting the link as a sigmoid keeps that
    solution as the starting point instead of a random distortion of it.
    """
    J, H = z.shape[1], _HIDDEN
    lo, hi = z.min(axis=0) - 1.0, z.max(axis=0) + 1.0
    grid = lo[None] + (hi - lo)[None] * np.linspace(0.0, 1.0, 60)[:, None]   # (60, J)
    target = expit(grid)
    shapes = {"A1": (J, H), "a1": (J, H), "A2": (J, H, H), "a2": (J, H), "A3": (J, H), "a3": (J,)}
    layout = _Layout(shapes)
    init = {"A1": np.abs(rng.normal(0, 1.0, (J, H))), "a1": rng.normal(0, 1.0, (J, H)),
            "A2": np.abs(rng.normal(0, 0.3, (J, H, H))), "a2": rng.normal(0, 0.3, (J, H)),
            "A3": np.abs(rng.normal(0, 0.3, (J, H))), "a3": np.zeros(J)}

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        p = layout.unpack(x)
        g, cache = _link_forward(grid, p)
        r = g - target
        grads: dict[str, np.ndarray] = {}
        _link_backward(2.0 * r / r.size, p, cache, grads)
        return float((r * r).mean()), layout.pack(grads)

    res = minimize(fg, layout.pack(init), jac=True, method="L-BFGS-B",
                   bounds=layout.bounds(("A1", "A2", "A3")), options={"maxiter": 3000})
    return layout.unpack(res.x)


# ----------------------------------------------------------------------------------------------


class Sloth:
    """Skills scaling law (Sloth) estimator, scikit-learn style.

    Parameters
    ----------
    n_skills:
        Number of latent skills ``d`` (ignored by the FLOPs baselines, which fit one law per
        benchmark).
    method:
        ``"sloth"`` (trained monotone link, learned floors), ``"basic"`` (sigmoid link, chance
        floors), ``"flops"`` or ``"flops-shared"``; see the module docstring.
    huber_delta:
        Width of the quadratic zone of the Huber loss, in score units (paper: 0.01).
    n_init:
        Random starts of the sigmoid stage; the one with the lowest training loss is kept.
    n_ensemble:
        ``sloth`` only: the link stage is run from the best ``n_ensemble`` sigmoid starts and
        predictions are averaged over them (the flexible link is the high-variance part; the
        attributes describe the member with the lowest training loss).
    max_iter:
        L-BFGS-B iterations per stage.
    seed:
        Seed of the random starts; fits are deterministic given the seed.

    Learned attributes (after :meth:`fit`)
    --------------------------------------
    ``benchmarks_``, ``families_``, ``floors_`` (c_j), ``slopes_`` (3 × d: rows log T, log S,
    log S·log T), ``family_intercepts_`` (F × d, α_f), ``loadings_`` (d × J, λ), ``bias_`` (b_j),
    ``skills_`` (θ of the training models), ``train_mae_``, ``loss_``, ``n_evals_``.
    For ``sloth`` and ``basic`` the skills are in the rotated, standardised basis.
    """

    def __init__(self, n_skills: int = 2, method: str = "sloth", *, huber_delta: float = 0.01,
                 n_init: int = 3, n_ensemble: int = 3, max_iter: int = 1000, seed: int = 0) -> None:
        self.n_skills = n_skills
        self.method = method
        self.huber_delta = huber_delta
        self.n_init = n_init
        self.n_ensemble = n_ensemble
        self.max_iter = max_iter
        self.seed = seed

    # -- features ------------------------------------------------------------------------------
    def _raw_features(self, params_b: np.ndarray, tokens_t: np.ndarray) -> np.ndarray:
        log_s, log_t = np.log(np.asarray(params_b, float)), np.log(np.asarray(tokens_t, float))
        if self.method.startswith("flops"):
            return (np.log(6.0) + log_s + log_t)[:, None]     # log of FLOPs in units of 1e21
        return np.column_stack([log_t, log_s, log_s * log_t])

    def _family_matrix(self, families: Sequence[str]) -> np.ndarray:
        fams = np.asarray(families, dtype=str)
        if self.method == "flops-shared":
            return np.ones((len(fams), 1))
        index = {f: i for i, f in enumerate(self.families_)}
        unknown = [f for f in dict.fromkeys(fams.tolist()) if f not in index]
        if unknown:
            raise InputError(f"family {unknown[0]!r} was not in the training data: fit with at "
                             "least one of its models so its intercept can be estimated")
        D = np.zeros((len(fams), len(self.families_)))
        D[np.arange(len(fams)), [index[f] for f in fams]] = 1.0
        return D

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, params_b: Sequence[float], tokens_t: Sequence[float], families: Sequence[str],
            scores: np.ndarray, *, benchmarks: Sequence[str] | None = None,
            floors: Sequence[float] | None = None, numeric_grad: bool = False) -> Sloth:
        """Fit on models (size in B params, tokens in T, family names) and their (n × J) scores.

        ``floors`` are the chance levels c_j (fixed for ``basic``; the starting value of the
        learned floors otherwise); default 0. ``numeric_grad`` uses finite differences instead of
        the analytic gradient (slow; only for benchmarking).
        """
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        Y = np.asarray(scores, dtype=float)
        if Y.ndim != 2 or Y.shape[0] == 0:
            raise InputError("scores must be a non-empty (models × benchmarks) matrix")
        n, J = Y.shape
        if np.isnan(Y).any():
            raise InputError("scores contain missing values")
        if np.any((Y < 0) | (Y > 1)):
            raise InputError("scores must lie in [0, 1]")
        is_flops = self.method.startswith("flops")
        d = J if is_flops else int(self.n_skills)
        if not is_flops and not 1 <= d <= J:
            raise InputError(f"`n_skills` must be between 1 and the number of benchmarks ({J}), got {d}")
        self.benchmarks_ = tuple(benchmarks) if benchmarks is not None else tuple(
            f"y{j}" for j in range(J))
        fl = np.zeros(J) if floors is None else np.asarray(floors, dtype=float)
        self.families_ = tuple(dict.fromkeys(np.asarray(families, dtype=str).tolist()))
        Xraw = self._raw_features(np.asarray(params_b, float), np.asarray(tokens_t, float))
        self._x_mean, self._x_std = Xraw.mean(axis=0), Xraw.std(axis=0)
        self._x_std[self._x_std == 0] = 1.0
        X = (Xraw - self._x_mean) / self._x_std
        D = self._family_matrix(families)

        with _single_threaded_blas():
            self._fit(X, D, Y, fl, d, is_flops, numeric_grad)
        return self

    def _fit(self, X: np.ndarray, D: np.ndarray, Y: np.ndarray, fl: np.ndarray, d: int,
             is_flops: bool, numeric_grad: bool) -> None:
        rng = make_rng(self.seed)
        base = _Problem(X, D, Y, fl, d, fixed_loadings=is_flops, learn_floor=is_flops,
                        monotone=False, delta=self.huber_delta)
        layout = base.layout()
        starts: list[tuple[float, np.ndarray]] = []
        n_evals = 0
        for _ in range(max(1, self.n_init)):
            x0 = self._random_start(base, layout, rng)
            x, loss, nfev = _minimize(base, x0, self.max_iter, numeric_grad)
            n_evals += nfev
            starts.append((loss, x))
        starts.sort(key=lambda t: t[0])
        members = [(starts[0][0], base, layout.unpack(starts[0][1]))]
        if self.method == "sloth":
            # The link stage is the high-variance part (a flexible link fitted to ~100 models):
            # refine every sigmoid start and average their predictions (a small ensemble).
            full = _Problem(X, D, Y, fl, d, fixed_loadings=False, learn_floor=True, monotone=True,
                            delta=self.huber_delta)
            members = []
            for _, xs in starts[: max(1, self.n_ensemble)]:
                p = layout.unpack(xs)
                z = (X @ p["Wx"] + D @ p["Wd"]) @ p["L"] + p["b"]
                start = {**p, "lc": logit(np.clip(fl, 1e-4, 1 - 1e-4)),
                         **_fit_link_to_sigmoid(z, rng)}
                x, loss, nfev = _minimize(full, full.layout().pack(start), self.max_iter, numeric_grad)
                n_evals += nfev
                members.append((loss, full, full.layout().unpack(x)))
            members.sort(key=lambda t: t[0])
        self._members = [(prob, {k: v.copy() for k, v in p.items()}) for _, prob, p in members]
        if not is_flops:
            for _, params in self._members:
                self._rotate(params, X, D)
        self._prob, self._params = self._members[0]
        self.loss_ = members[0][0]
        self.n_evals_ = n_evals
        self._export(X, D)
        self.train_mae_ = float(np.abs(self._predict_std(X, D) - Y).mean())

    def _predict_std(self, X: np.ndarray, D: np.ndarray) -> np.ndarray:
        return np.mean([prob.predict(params, X, D) for prob, params in self._members], axis=0)

    def _random_start(self, prob: _Problem, layout: _Layout, rng: np.random.Generator) -> np.ndarray:
        shapes = layout.shapes
        start = {"Wx": rng.normal(0, 1.0, shapes["Wx"]), "Wd": rng.normal(0, 0.5, shapes["Wd"]),
                 "b": logit(np.clip(prob.Y.mean(axis=0), 0.02, 0.98))}
        if "L" in shapes:
            start["L"] = np.abs(rng.normal(0, 1.0, shapes["L"])) / np.sqrt(prob.d)
        if "lc" in shapes:
            start["lc"] = logit(np.clip(prob.floors, 1e-4, 1 - 1e-4))
        return layout.pack(start)

    def _rotate(self, p: dict[str, np.ndarray], X: np.ndarray, D: np.ndarray) -> None:
        """Standardise the training skills and varimax-rotate; predictions do not change.

        With θ' = (θ − μ)·M, the loadings become M⁻¹·λ and the intercepts absorb μ·λ; M whitens
        θ (Cholesky of its covariance) and then applies the varimax rotation of the loadings.
        """
        theta = X @ p["Wx"] + D @ p["Wd"]
        mu = theta.mean(axis=0)
        cov = np.atleast_2d(np.cov(theta.T)) + 1e-12 * np.eye(theta.shape[1])
        white = np.linalg.inv(np.linalg.cholesky(cov).T)          # θ·white has identity covariance
        L_w = np.linalg.solve(white, p["L"])                       # white⁻¹ · L
        R = varimax(L_w.T)
        M = white @ R
        L_new = R.T @ L_w
        # sign: each skill should grow with compute (positive mean slope on the standardised
        # log-features of the training models, i.e. correlation with log S and log T)
        theta_new = (theta - mu) @ M
        growth = np.corrcoef(np.column_stack([theta_new, X[:, 1] + X[:, 0]]).T)[-1, :-1]
        sign = np.where(growth < 0, -1.0, 1.0)
        M, L_new = M * sign[None, :], L_new * sign[:, None]
        p["b"] = p["b"] + mu @ p["L"]
        p["Wx"] = p["Wx"] @ M
        p["Wd"] = (p["Wd"] - mu[None, :]) @ M    # every row has exactly one family dummy
        p["L"] = L_new

    def _export(self, X: np.ndarray, D: np.ndarray) -> None:
        """Public attributes in the original units (log S, log T, not standardised)."""
        self._export_params()
        self.skills_ = X @ self._params["Wx"] + D @ self._params["Wd"]

    def _export_params(self) -> None:
        p = self._params
        slopes = p["Wx"] / self._x_std[:, None]
        shift = (self._x_mean / self._x_std) @ p["Wx"]
        self.slopes_ = slopes
        self.family_intercepts_ = p["Wd"] - shift[None, :]
        self.loadings_ = self._prob.loadings(p).copy()
        self.bias_ = p["b"].copy()
        self.floors_ = expit(p["lc"]) if "lc" in p else self._prob.floors.copy()

    # -- prediction ----------------------------------------------------------------------------
    def skills(self, params_b: Sequence[float], tokens_t: Sequence[float],
               families: Sequence[str]) -> np.ndarray:
        """Latent skills θ (n × d) of models, in the fitted (rotated) basis."""
        X = (self._raw_features(np.asarray(params_b, float), np.asarray(tokens_t, float))
             - self._x_mean) / self._x_std
        return X @ self._params["Wx"] + self._family_matrix(families) @ self._params["Wd"]

    def predict(self, params_b: Sequence[float], tokens_t: Sequence[float],
                families: Sequence[str]) -> np.ndarray:
        """Predicted scores (n × J) for models of families seen in training."""
        check_is_fitted(self, "_params")
        X = (self._raw_features(np.asarray(params_b, float), np.asarray(tokens_t, float))
             - self._x_mean) / self._x_std
        return self._predict_std(X, self._family_matrix(families))

    def link(self, z: np.ndarray) -> np.ndarray:
        """The fitted link g_j evaluated at ``z`` (n × J), before the floor is applied."""
        z = np.atleast_2d(np.asarray(z, float))
        return _link_forward(z, self._params)[0] if self._prob.monotone else expit(z)

    # -- saving and loading (plain JSON; the file format is scalinglab.skills.sloth_io) -----------
    def state(self) -> dict[str, Any]:
        """The fitted model's public state: everything ``predict`` needs, plus settings and metrics.

        Keys: method, monotone, skills, benchmarks, families, features, hyperparameters, x_mean,
        x_std (feature standardisation), floors, members (one parameter dict per ensemble member),
        train_mae, loss, n_evals, skills_ (training skills), provenance. :meth:`from_state` inverts it.
        """
        check_is_fitted(self, "_params")
        hp = {"n_skills": int(self.n_skills), "huber_delta": float(self.huber_delta),
              "n_init": int(self.n_init), "n_ensemble": int(self.n_ensemble),
              "max_iter": int(self.max_iter), "seed": int(self.seed)}
        return {"method": self.method, "monotone": self._prob.monotone, "skills": int(self._prob.d),
                "benchmarks": tuple(self.benchmarks_), "families": tuple(self.families_),
                "features": self._feature_names(), "hyperparameters": hp, "x_mean": self._x_mean,
                "x_std": self._x_std, "floors": np.asarray(self._prob.floors, float),
                "members": [params for _, params in self._members], "train_mae": self.train_mae_,
                "loss": self.loss_, "n_evals": self.n_evals_, "skills_": np.asarray(self.skills_),
                "provenance": dict(getattr(self, "provenance_", {}))}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Sloth:
        """Rebuild a fitted model from :meth:`state` (arrays already checked)."""
        hp = dict(state["hyperparameters"])
        model = cls(hp.pop("n_skills"), state["method"], **hp)
        prob = model._empty_problem(len(state["benchmarks"]), len(state["families"]), state["skills"],
                                    np.asarray(state["floors"], float))
        model.benchmarks_, model.families_ = tuple(state["benchmarks"]), tuple(state["families"])
        model._x_mean, model._x_std = np.asarray(state["x_mean"], float), np.asarray(state["x_std"], float)
        model._members = [(prob, dict(params)) for params in state["members"]]
        model._prob, model._params = model._members[0]
        model.train_mae_, model.loss_, model.n_evals_ = state["train_mae"], state["loss"], state["n_evals"]
        model.skills_ = np.asarray(state["skills_"], float)
        model.provenance_ = dict(state.get("provenance", {}))
        model._export_params()
        return model

    def _empty_problem(self, J: int, n_families: int, d: int, floors: np.ndarray) -> _Problem:
        """The problem (layout and switches, no data) of this method for J benchmarks."""
        n_fam = 1 if self.method == "flops-shared" else n_families
        is_flops = self.method.startswith("flops")
        return _Problem(np.empty((0, len(self._feature_names()))), np.empty((0, n_fam)), np.empty((0, J)),
                        floors, d, fixed_loadings=is_flops, learn_floor=self.method != "basic",
                        monotone=self.method == "sloth", delta=self.huber_delta)

    def to_dict(self, provenance: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fitted model as plain JSON values (:data:`sloth_io.FORMAT`); :meth:`from_dict` inverts it.

        ``provenance`` is free-form (data source, suite, training models, ...); it defaults to the
        provenance the model was loaded with.
        """
        if not hasattr(self, "_params"):
            raise InputError("fit the model before saving it")
        return sloth_io.encode(self.state(), provenance)

    def save(self, path: str | Path, provenance: dict[str, Any] | None = None) -> None:
        """Write :meth:`to_dict` as JSON to ``path`` atomically (never a half-written file)."""
        sloth_io.write(self.to_dict(provenance), path)

    @classmethod
    def load(cls, path: str | Path) -> Sloth:
        """Read a model written by :meth:`save`; any problem is one :class:`InputError` naming the file."""
        return cls.from_dict(sloth_io.read_json(path), source=str(path))

    @classmethod
    def from_dict(cls, d: Any, source: str = "<dict>") -> Sloth:
        """Rebuild a fitted model from :meth:`to_dict`'s output, checking every key and shape."""
        head = sloth_io.read_header(d, source, METHODS)
        hp = dict(head.hyperparameters)
        shell = cls(hp.pop("n_skills"), head.method, **hp)
        shapes = shell._empty_problem(len(head.benchmarks), len(head.families), head.skills,
                                      np.zeros(len(head.benchmarks))).layout().shapes
        return cls.from_state(sloth_io.read_body(head, d, shell._feature_names(), shapes))

    def _feature_names(self) -> tuple[str, ...]:
        return ("log F",) if self.method.startswith("flops") else FEATURE_NAMES
