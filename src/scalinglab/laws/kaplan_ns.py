"""Kaplan et al. 2020 learning-curve law L(N, S) (Eq. 1.6 / Eq. 5.6).

    L(N, S) = (N_c / N)^α_N + (S_c / S_min)^α_S

N counts non-embedding parameters and S_min is the number of optimiser steps the run would need at
a batch size far above the critical batch (Kaplan Sec. 5.1); with a fixed batch near B_crit, plain
steps S are a fair stand-in. It describes a curve *during* training (before overfitting), so it is
the natural law for checkpoints, unlike L(N, D), which describes converged runs.
In log space log L = LSE(α_N (log N_c − log N), α_S (log S_c − log S)).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Law, Parameter, Preset, logsumexp_terms


class KaplanNS(Law):
    """L(N, S) = (N_c/N)^α_N + (S_c/S)^α_S (Kaplan et al. 2020, Eq. 1.6)."""

    name = "kaplan-ns"
    title = "Kaplan L(N, S)"
    formula = "L = (N_c/N)^alpha_N + (S_c/S)^alpha_S"
    inputs = ("N", "S")
    parameters = (
        Parameter("N_c", 0.0, 100.0, log=True, description="critical parameter count"),
        Parameter("S_c", -10.0, 60.0, log=True, description="critical number of steps"),
        Parameter("alpha_N", 1e-4, 3.0, description="parameter exponent"),
        Parameter("alpha_S", 1e-4, 5.0, description="step exponent"),
    )
    start_grid = {"N_c": (20.0, 30.0, 40.0), "S_c": (2.0, 6.0, 10.0),
                  "alpha_N": (0.05, 0.1, 0.3), "alpha_S": (0.2, 0.5, 1.0)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        lnc, lsc, an, a_s = (theta[:, i:i + 1] for i in range(4))
        u = lnc - F["logN"][None, :]
        v = lsc - F["logS"][None, :]
        lse, w = logsumexp_terms(np.stack([an * u, a_s * v], axis=-1))
        if not jac:
            return lse
        w1, w2 = w[..., 0], w[..., 1]
        J = np.stack([w1 * an, w2 * a_s, w1 * u, w2 * v], axis=-1)
        return lse, J


PRESETS = {"kaplan2020-ns": Preset(
    "kaplan-ns", {"N_c": 6.4e13, "S_c": 2.1e3, "alpha_N": 0.076, "alpha_S": 0.76},
    "Kaplan et al. 2020, Eq. 1.6 / Table 2 (non-embedding N, S = S_min optimiser steps)")}


LAWS = (KaplanNS,)
