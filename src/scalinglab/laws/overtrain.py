"""Over-training law (Gadre et al. 2024, "Language models scale reliably with over-training and on
downstream tasks", arXiv:2403.08540, its scaling law for over-training):

    L(C, M) = E + (a·M^η + b·M^−η)·C^−η,   C = 6ND,  M = D/N (the token multiplier)

It is the Chinchilla law with tied exponents (α = β = 2η) written in compute and token multiplier:
four parameters, so the paper's own fit set of five runs (its Table 2: four models at M = 20 and the
smallest at M = 320) is enough. Inputs are N (parameters, embeddings included, as the paper counts)
and D (tokens); L is nats/token. Fitted in log space,
log L̂ = LSE(e, log a + η(log M − log C), log b − η(log M + log C)).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.laws.base import Parameter, ProjectableLaw, logsumexp_terms


def _log_mc(F) -> tuple[np.ndarray, np.ndarray]:
    logN, logD = F["logN"][None, :], F["logD"][None, :]
    return logD - logN, np.log(6.0) + logN + logD


class OvertrainLaw(ProjectableLaw):
    """Gadre et al. 2024: L = E + (a M^η + b M^−η) C^−η with C = 6ND, M = D/N."""

    name = "overtrain"
    title = "Over-training (Gadre et al. 2024)"
    formula = "L = E + (a*M^eta + b*M^-eta)*C^-eta,  C = 6ND, M = D/N"
    inputs = ("N", "D")
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="irreducible loss (nats/token)"),
        Parameter("a", -20.0, 80.0, log=True, description="scale of the multiplier-growing term"),
        Parameter("b", -20.0, 80.0, log=True, description="scale of the multiplier-shrinking term"),
        Parameter("eta", 0.0, 2.0, description="compute exponent (half the tied Chinchilla exponent)"),
    )
    linear = ("E", "a", "b")
    start_grid = {"E": (0.0, 0.5, 1.0), "a": (1.0, 5.0), "b": (1.0, 5.0), "eta": (0.05, 0.15, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        e, la, lb, eta = (theta[:, i:i + 1] for i in range(4))
        logM, logC = _log_mc(F)
        t1 = la + eta * (logM - logC)
        t2 = lb - eta * (logM + logC)
        lse, w = logsumexp_terms(np.stack([np.broadcast_to(e, t1.shape), t1, t2], axis=-1))
        if not jac:
            return lse
        d_eta = w[..., 1] * (logM - logC) - w[..., 2] * (logM + logC)
        return lse, np.stack([w[..., 0], w[..., 1], w[..., 2], d_eta], axis=-1)

    def basis(self, theta_nl, F):
        eta = theta_nl[:, 0:1]
        logM, logC = _log_mc(F)
        ones = np.ones((theta_nl.shape[0], logM.shape[1]))
        return np.stack([ones, np.exp(eta * (logM - logC)), np.exp(-eta * (logM + logC))], axis=-1)

    def nonlinear_grid(self) -> np.ndarray:
        return np.linspace(0.01, 1.5, 300)[:, None]

    def assemble(self, theta_nl, coef):
        return np.column_stack([np.log(np.maximum(coef, np.exp(-20.0))), theta_nl])

    def optimal(self, params: Mapping[str, float], C):
        """Closed form: a M^η + b M^−η is least at M* = (b/a)^(1/(2η)), for every C; N = √(C/(6M*))."""
        C = np.asarray(C, dtype=float)
        m_star = (params["b"] / params["a"]) ** (1.0 / (2.0 * params["eta"]))
        N = np.sqrt(C / (6.0 * m_star))
        D = m_star * N
        return {"N": N, "D": D, "loss": self.predict(params, N=N, D=D)}

    def optimal_exponents(self, params):
        return {"a": 0.5, "b": 0.5}


LAWS = (OvertrainLaw,)
