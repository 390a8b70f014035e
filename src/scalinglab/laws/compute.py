"""Compute law L(C) = E + A/C^α: loss of compute-optimal (or fixed-recipe) runs vs training FLOPs.

The right law when a suite scales N and D together (a fixed tokens-per-parameter recipe), where N and D
are collinear and the Chinchilla law's terms cannot be told apart.
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Parameter, ProjectableLaw, logsumexp_terms


class ComputeLaw(ProjectableLaw):
    name = "compute"
    title = "Compute law"
    formula = "L = E + A/C^alpha"
    inputs = ("C",)
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="irreducible loss (nats/token)"),
        Parameter("A", -10.0, 150.0, log=True, description="compute-term scale"),
        Parameter("alpha", 0.0, 3.0, description="compute exponent"),
    )
    linear = ("E", "A")
    start_grid = {
        "E": (-1.0, -0.5, 0.0, 0.5, 1.0),
        "A": (0.0, 5.0, 10.0, 20.0, 40.0),
        "alpha": (0.02, 0.05, 0.1, 0.2, 0.5),
    }

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        e, a, alpha = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
        logC = F["logC"][None, :]
        t1 = a - alpha * logC
        terms = np.stack([np.broadcast_to(e, t1.shape), t1], axis=-1)
        lse, w = logsumexp_terms(terms)
        if not jac:
            return lse
        return lse, np.stack([w[..., 0], w[..., 1], -w[..., 1] * logC], axis=-1)

    def basis(self, theta_nl, F):
        ones = np.ones((theta_nl.shape[0], F["logC"].size))
        return np.stack([ones, np.exp(-theta_nl[:, 0:1] * F["logC"][None, :])], axis=-1)

    def nonlinear_grid(self) -> np.ndarray:
        return np.linspace(0.005, 1.5, 300)[:, None]

    def assemble(self, theta_nl, coef):
        return np.column_stack([np.log(np.maximum(coef, np.exp(-10.0))), theta_nl])


LAWS = (ComputeLaw,)
