"""Data-constrained scaling law (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models").

Repeated data is worth less than fresh data, and parameters in excess of what the unique data can
use are worth less than useful ones. Both are captured by *effective* counts inside the Chinchilla form
(paper Eq. 5 and 6, and App. A):

    D' = U_D + U_D · R_D* · (1 − exp(−R_D / R_D*)),   R_D = max(D / U_D − 1, 0)   (repeated epochs)
    N' = U_N + U_N · R_N* · (1 − exp(−R_N / R_N*)),   R_N = max(N / U_N − 1, 0)
    L  = E + A / N'^α + B / D'^β

U_D is the number of unique tokens, U_N = min(N_opt(U_D), N) the compute-optimal model size for a
budget whose optimal data is exactly U_D (datablations notebook ``utils/parametric_fit.ipynb``):
N_opt(U) = G (G U)^(β/α) with G = (αA / (βB))^(1/(α+β)). R_D* and R_N* are the "half-lives" of
repeated data and excess parameters. The default preset is the paper's C4 fit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law, Parameter, Preset, logsumexp_terms

#: The paper's C4 constants (datablations notebook, base law fitted with α = β, then R_D*, R_N*).
MUENNIGHOFF_C4 = {
    "E": float(np.exp(0.6254804)),
    "A": float(np.exp(6.255414)),
    "B": float(np.exp(7.3049974)),
    "alpha": 0.3526596,
    "beta": 0.3526596,
    "R_D_star": 15.387756,
    "R_N_star": 5.309743,
}
BASE_NAMES = ("E", "A", "B", "alpha", "beta")


def unique_param_budget(log_u: np.ndarray, log_a: np.ndarray, log_b: np.ndarray, alpha: np.ndarray,
                        beta: np.ndarray) -> np.ndarray:
    """log N_opt(U): the compute-optimal size whose optimal data is U (Chinchilla closed form)."""
    log_g = (np.log(alpha) + log_a - np.log(beta) - log_b) / (alpha + beta)
    return log_g + (beta / alpha) * (log_g + log_u)


def _effective(log_u: np.ndarray, log_x: np.ndarray, r_star: np.ndarray) -> np.ndarray:
    """log of U + U·R*·(1 − e^(−R/R*)) with R = max(X/U − 1, 0), all in log space where it matters."""
    with np.errstate(over="ignore"):  # X/U past the float range (U = 1e-308): R = inf, effective data U(1 + R*)
        repeats = np.maximum(np.exp(log_x - log_u) - 1.0, 0.0)
    return log_u + np.log1p(r_star * -np.expm1(-repeats / r_star))


class DataConstrainedLaw(Law):
    name = "data-constrained"
    title = "Data-constrained (Muennighoff et al. 2023)"
    formula = "L = E + A/N'^alpha + B/D'^beta, D' = U + U R_D*(1-exp(-R_D/R_D*)), N' likewise"
    inputs = ("N", "D", "U")
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="irreducible loss (nats/token)"),
        Parameter("A", -10.0, 60.0, log=True, description="parameter-term scale"),
        Parameter("B", -10.0, 60.0, log=True, description="data-term scale"),
        Parameter("alpha", 0.01, 5.0, description="parameter exponent"),
        Parameter("beta", 0.01, 5.0, description="data exponent"),
        Parameter("R_D_star", -5.0, 8.0, log=True, description="repeated-data half-life (epochs)"),
        Parameter("R_N_star", -5.0, 8.0, log=True, description="excess-parameter half-life"),
    )
    start_grid = {
        "E": (0.0, 0.5), "A": (5.0, 7.0), "B": (5.0, 8.0), "alpha": (0.3, 0.4), "beta": (0.3, 0.4),
        "R_D_star": (1.0, 2.0, 3.0), "R_N_star": (1.0, 2.0, 3.0),
    }

    def _log_predict(self, theta: np.ndarray, F: Mapping[str, np.ndarray]) -> np.ndarray:
        theta = np.atleast_2d(theta)
        e, a, b, alpha, beta, lrd, lrn = (theta[:, i:i + 1] for i in range(7))
        logN, logD, logU = F["logN"][None, :], F["logD"][None, :], F["logU"][None, :]
        log_ud = np.minimum(logU, logD)  # never more unique tokens than tokens seen
        log_un = np.minimum(unique_param_budget(log_ud, a, b, alpha, beta), logN)
        log_dp = _effective(log_ud, logD, np.exp(lrd))
        log_np = _effective(log_un, logN, np.exp(lrn))
        t1 = a - alpha * log_np
        t2 = b - beta * log_dp
        terms = np.stack([np.broadcast_to(e, t1.shape), t1, t2], axis=-1)
        return logsumexp_terms(terms)[0]

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        out = self._log_predict(theta, F)
        if not jac:
            return out
        # Central differences: the min() in U_N makes the analytic form piecewise anyway.
        J = np.empty(out.shape + (theta.shape[1],))
        for j in range(theta.shape[1]):
            h = 1e-6 * max(1.0, float(np.max(np.abs(theta[:, j]))))
            up, dn = theta.copy(), theta.copy()
            up[:, j] += h
            dn[:, j] -= h
            J[..., j] = (self._log_predict(up, F) - self._log_predict(dn, F)) / (2 * h)
        return out, J

    def predict(self, params: Mapping[str, float], **X: np.ndarray) -> np.ndarray:
        """Loss at N, D and U unique tokens; U must not exceed D (a model cannot see unseen data)."""
        U, D = X.get("U"), X.get("D")
        if U is not None and D is not None:
            u, d = np.asarray(U, dtype=float), np.asarray(D, dtype=float)
            if np.any(u > d * (1 + 1e-12)):
                raise ScalingLabError(f"unique tokens U ({np.max(u):.4g}) exceed training tokens D "
                                      f"({np.min(d):.4g}); U counts the distinct tokens among the D seen")
        return super().predict(params, **X)


PRESETS = {
    "data-constrained": Preset(
    "data-constrained", dict(MUENNIGHOFF_C4),
    "Muennighoff et al. 2023, C4 fit (datablations utils/parametric_fit.ipynb; README example "
    "L(6.34e9, 242e9, U=25e9) = 2.2256441)"),
    "muennighoff2023": Preset(
        "data-constrained", dict(MUENNIGHOFF_C4), "Muennighoff et al. 2023, C4 fit (same as data-constrained)"),
}


LAWS = (DataConstrainedLaw,)
