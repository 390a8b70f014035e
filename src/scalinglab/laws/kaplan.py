"""Kaplan et al. 2020 power laws: L(N), L(D), L(C) (Eqs. 1.1–1.3) and the joint L(N, D) (Eq. 1.5).

Kaplan's N counts *non-embedding* parameters and C is in FLOPs here (the paper quotes PF-days;
1 PF-day = 8.64e19 FLOP). Each single-variable law is linear in log space: log L = α (log X_c − log X).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Law, Parameter, Preset, logsumexp_terms

PF_DAY = 8.64e19  # FLOPs in one petaflop/s-day (Kaplan et al. 2020)


class _PowerLaw(Law):
    """L = (X_c / X)^α for one input X."""

    variable = "N"

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        logc, alpha = theta[:, 0:1], theta[:, 1:2]
        logx = F[f"log{self.variable}"][None, :]
        out = alpha * (logc - logx)
        if not jac:
            return out
        return out, np.stack([np.broadcast_to(alpha, out.shape), logc - logx], axis=-1)


class KaplanN(_PowerLaw):
    name, variable, inputs = "kaplan-n", "N", ("N",)
    title = "Kaplan L(N)"
    formula = "L = (N_c/N)^alpha_N"
    parameters = (Parameter("N_c", 0.0, 100.0, log=True, description="critical parameter count"),
                  Parameter("alpha_N", 1e-4, 3.0, description="parameter exponent"))
    start_grid = {"N_c": (20.0, 30.0, 40.0), "alpha_N": (0.05, 0.1, 0.3)}


class KaplanD(_PowerLaw):
    name, variable, inputs = "kaplan-d", "D", ("D",)
    title = "Kaplan L(D)"
    formula = "L = (D_c/D)^alpha_D"
    parameters = (Parameter("D_c", 0.0, 100.0, log=True, description="critical token count"),
                  Parameter("alpha_D", 1e-4, 3.0, description="data exponent"))
    start_grid = {"D_c": (20.0, 30.0, 40.0), "alpha_D": (0.05, 0.1, 0.3)}


class KaplanC(_PowerLaw):
    name, variable, inputs = "kaplan-c", "C", ("C",)
    title = "Kaplan L(C)"
    formula = "L = (C_c/C)^alpha_C"
    parameters = (Parameter("C_c", 0.0, 150.0, log=True, description="critical compute (FLOPs)"),
                  Parameter("alpha_C", 1e-4, 3.0, description="compute exponent"))
    start_grid = {"C_c": (40.0, 60.0, 80.0), "alpha_C": (0.02, 0.05, 0.2)}


class KaplanND(Law):
    """L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, in log space α_D · LSE(r(log N_c − log N), log D_c − log D)."""

    name = "kaplan"
    title = "Kaplan L(N, D)"
    formula = "L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D"
    inputs = ("N", "D")
    parameters = (
        Parameter("N_c", 0.0, 100.0, log=True, description="critical parameter count"),
        Parameter("D_c", 0.0, 100.0, log=True, description="critical token count"),
        Parameter("alpha_N", 1e-4, 3.0, description="parameter exponent"),
        Parameter("alpha_D", 1e-4, 3.0, description="data exponent"),
    )
    start_grid = {"N_c": (20.0, 30.0, 40.0), "D_c": (20.0, 30.0, 40.0),
                  "alpha_N": (0.05, 0.1, 0.3), "alpha_D": (0.05, 0.1, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        lnc, ldc, an, ad = (theta[:, i:i + 1] for i in range(4))
        ratio = an / ad
        u = lnc - F["logN"][None, :]
        t1 = ratio * u
        t2 = ldc - F["logD"][None, :]
        lse, w = logsumexp_terms(np.stack([t1, t2], axis=-1))
        out = ad * lse
        if not jac:
            return out
        w1, w2 = w[..., 0], w[..., 1]
        J = np.stack([w1 * an, ad * w2, w1 * u, lse - w1 * t1], axis=-1)
        return out, J


LAWS = (KaplanN, KaplanD, KaplanC, KaplanND)
PRESETS = {
    "kaplan2020": Preset("kaplan", {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103},
                         "Kaplan et al. 2020, Eq. 1.5 / Table 2 (non-embedding N, tokens D)"),
    "kaplan2020-n": Preset("kaplan-n", {"N_c": 8.8e13, "alpha_N": 0.076}, "Kaplan et al. 2020, Eq. 1.1"),
    "kaplan2020-d": Preset("kaplan-d", {"D_c": 5.4e13, "alpha_D": 0.095}, "Kaplan et al. 2020, Eq. 1.2"),
    "kaplan2020-c": Preset("kaplan-c", {"C_c": 3.1e8 * PF_DAY, "alpha_C": 0.050},
                           "Kaplan et al. 2020, Eq. 1.3 (C_min; C_c = 3.1e8 PF-days in FLOPs)"),
}
