"""Chinchilla law (Hoffmann et al. 2022, Eq. 2): L(N, D) = E + A/N^α + B/D^β.

Fitted in log space as log L̂ = LSE(a − α log N, b − β log D, e) with A = e^a, B = e^b, E = e^e
(Hoffmann App. D.2; Besiroglu et al. 2024). N counts all parameters, D training tokens, L nats/token.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.laws.base import Parameter, Preset, ProjectableLaw, logsumexp_arrays, logsumexp_values


class ChinchillaLaw(ProjectableLaw):
    name = "chinchilla"
    title = "Chinchilla (Hoffmann et al. 2022)"
    formula = "L = E + A/N^alpha + B/D^beta"
    inputs = ("N", "D")
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="irreducible loss (nats/token)"),
        Parameter("A", -10.0, 60.0, log=True, description="parameter-term scale"),
        Parameter("B", -10.0, 60.0, log=True, description="data-term scale"),
        Parameter("alpha", 0.0, 5.0, description="parameter exponent"),
        Parameter("beta", 0.0, 5.0, description="data exponent"),
    )
    linear = ("E", "A", "B")
    #: Hoffmann et al.'s initialisation grid (App. D.2): 6*5*6*5*5 = 4500 starts, internal units.
    start_grid = {
        "E": (-1.0, -0.5, 0.0, 0.5, 1.0),
        "A": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
        "B": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
        "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
        "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
    }

    def _terms(self, theta, F):
        """The three log-terms e, a − α log N, b − β log D as separate (K, n) arrays."""
        theta = np.atleast_2d(theta)
        e, a, b, alpha, beta = (theta[:, i:i + 1] for i in range(5))
        logN, logD = F["logN"][None, :], F["logD"][None, :]
        return np.broadcast_to(e, (theta.shape[0], logN.shape[1])), a - alpha * logN, b - beta * logD

    def log_predict(self, theta, F, jac=False):
        if not jac:
            return logsumexp_values(self._terms(theta, F))
        lse, s = logsumexp_arrays(self._terms(theta, F))
        return lse, self._jacobian(s, F)

    @staticmethod
    def _jacobian(s, F):
        """(K, n, P) Jacobian, a transposed view of a (K, P, n) array (contiguous rows for matmul)."""
        s0, s1, s2 = s
        Jt = np.empty((s0.shape[0], 5, s0.shape[1]))
        Jt[:, 0], Jt[:, 1], Jt[:, 2] = s0, s1, s2
        np.multiply(s1, -F["logN"][None, :], out=Jt[:, 3])
        np.multiply(s2, -F["logD"][None, :], out=Jt[:, 4])
        return Jt.transpose(0, 2, 1)

    def second_order(self, theta, F, weigh):
        """log L̂, its Jacobian and Σ_n v_n ∇² log L̂_n with v = weigh(log L̂).

        The terms are linear in θ, so ∇² LSE = Σ_j s_j g_j g_jᵀ − J Jᵀ (s the softmax weights, g_j
        each term's gradient: e₀; e₁ − log N e₃; e₂ − log D e₄).
        """
        lse, s = logsumexp_arrays(self._terms(theta, F))
        J = self._jacobian(s, F)
        v = weigh(lse)
        s0, s1, s2 = s
        logN, logD = F["logN"], F["logD"]
        K = lse.shape[0]
        m1 = (v * s1) @ np.column_stack([np.ones_like(logN), logN, logN * logN])  # (K, 3)
        m2 = (v * s2) @ np.column_stack([np.ones_like(logD), logD, logD * logD])
        H = np.zeros((K, 5, 5))
        H[:, 0, 0] = np.einsum("kn,kn->k", v, s0)
        H[:, 1, 1], H[:, 3, 3] = m1[:, 0], m1[:, 2]
        H[:, 1, 3] = H[:, 3, 1] = -m1[:, 1]
        H[:, 2, 2], H[:, 4, 4] = m2[:, 0], m2[:, 2]
        H[:, 2, 4] = H[:, 4, 2] = -m2[:, 1]
        Jt = J.transpose(0, 2, 1)
        H -= (Jt * v[:, None, :]) @ J
        return lse, J, H

    def basis(self, theta_nl, F):
        alpha, beta = theta_nl[:, 0:1], theta_nl[:, 1:2]
        ones = np.ones((theta_nl.shape[0], F["logN"].size))
        return np.stack([ones, np.exp(-alpha * F["logN"][None, :]), np.exp(-beta * F["logD"][None, :])],
                        axis=-1)

    def nonlinear_grid(self) -> np.ndarray:
        g = np.linspace(0.02, 2.5, 56)
        aa, bb = np.meshgrid(g, g, indexing="ij")
        return np.column_stack([aa.ravel(), bb.ravel()])

    def assemble(self, theta_nl, coef):
        logc = np.log(np.maximum(coef, np.exp(-10.0)))
        return np.column_stack([logc, theta_nl])

    def optimal(self, params: Mapping[str, float], C):
        """Closed form (Hoffmann et al. 2022, Eq. 4): N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b."""
        A, B, alpha, beta = (float(params[k]) for k in ("A", "B", "alpha", "beta"))
        if not (alpha > 0 and beta > 0):
            return None  # no interior optimum without both exponents
        C = np.asarray(C, dtype=float)
        s = alpha + beta
        log_g = (np.log(alpha * A) - np.log(beta * B)) / s  # in logs: no overflow for extreme A, B
        with np.errstate(over="ignore"):
            N = np.exp(log_g + beta / s * np.log(C / 6.0))
            D = np.exp(alpha / s * np.log(C / 6.0) - log_g)
        return {"N": N, "D": D, "loss": self.predict(params, N=N, D=D)}

    def optimal_exponents(self, params):
        s = params["alpha"] + params["beta"]
        if not s > 0:
            return None
        return {"a": params["beta"] / s, "b": params["alpha"] / s}


LAWS = (ChinchillaLaw,)
PRESETS = {
    "hoffmann2022": Preset("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
                           "Hoffmann et al. 2022, Eq. 10 (Approach 3, rounded)"),
    "hoffmann2022-tex": Preset(
        "chinchilla", {"E": 1.6934, "A": 406.4, "B": 410.7, "alpha": 0.33917, "beta": 0.28491},
        "Hoffmann et al. 2022, unrounded values in the arXiv TeX source"),
    "epoch2024": Preset("chinchilla", {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478,
                                       "beta": 0.3658},
                        "Besiroglu et al. 2024 (Epoch AI), 'Chinchilla scaling: a replication attempt', Table 1"),
    "sardana2024": Preset(
        "chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283},
        "Sardana et al. 2024, Beyond Chinchilla-Optimal (Chinchilla Approach-3 constants as used there)"),
}
