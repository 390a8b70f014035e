"""Parallel scaling (Chen et al. 2025, "Parallel Scaling Law for Language Models", ParScale,
arXiv:2505.10475, the parallel scaling law):

    L(N, P) = (A / (N·(k·ln P + 1)))^α + E

P parallel streams (learnable input transforms, outputs aggregated) act like multiplying the
parameters N by k·ln P + 1; P = 1 is the ordinary model. Fitted in log space:
log L̂ = LSE(α(log A − log N − log(k ln P + 1)), log E).

Presets: the paper's Figure 2 fits (Huber δ = 1e-3 on log loss, summed; N non-embedding parameters,
42B training tokens, P = 1, 2, 4, 8): Stack-V2-Python E = 0.6912, A = 1.131e7, k = 0.3935,
α = 0.1894 (R² 0.9978) and Pile E = 1.2888, A = 1.974e8, k = 0.3345, α = 0.1963 (R² 0.9987).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Input, Law, Parameter, Preset, logsumexp_terms


class ParallelLaw(Law):
    """ParScale: L = (A/(N (k ln P + 1)))^α + E."""

    name = "parallel"
    title = "Parallel scaling (Chen et al. 2025)"
    formula = "L = (A/(N*(k*ln P + 1)))^alpha + E"
    variables = (
        Input("N", "parameters", ("N", "params", "parameters", "num_params"), "parameters", (5e8, 5e9)),
        Input("P", "streams", ("P", "parallel", "streams", "num_streams", "parallel_size"),
              "parallel streams (1 = ordinary)", (1.0, 8.0)),
    )
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="loss floor"),
        Parameter("A", -10.0, 80.0, log=True, description="scale (in parameters)"),
        Parameter("k", 0.0, 20.0, description="gain per log stream"),
        Parameter("alpha", 0.0, 3.0, description="exponent"),
    )
    start_grid = {"E": (-1.0, 0.0, 0.5), "A": (10.0, 20.0, 30.0), "k": (0.2, 0.5, 1.0),
                  "alpha": (0.05, 0.15, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        le, la, k, alpha = (theta[:, i:i + 1] for i in range(4))
        lnP = F["logP"][None, :]
        s = np.log1p(k * lnP)
        inner = la - F["logN"][None, :] - s
        t1 = alpha * inner
        out, w = logsumexp_terms(np.stack([np.broadcast_to(le, t1.shape), t1], axis=-1))
        if not jac:
            return out
        w1 = w[..., 1]
        J = np.stack(np.broadcast_arrays(w[..., 0], w1 * alpha, -w1 * alpha * lnP / (1.0 + k * lnP), w1 * inner),
                     axis=-1)
        return out, J


_FIG2 = "Chen et al. 2025 (ParScale), Figure 2"
CHEN2025_STACK = {"E": 0.6912, "A": 1.131e7, "k": 0.3935, "alpha": 0.1894}
CHEN2025_PILE = {"E": 1.2888, "A": 1.974e8, "k": 0.3345, "alpha": 0.1963}

PRESETS = {
    "chen2025-stack": Preset("parallel", dict(CHEN2025_STACK),
                             f"{_FIG2}, Stack-V2-Python (42B tokens; N non-embedding parameters; R² 0.9978)"),
    "chen2025-pile": Preset("parallel", dict(CHEN2025_PILE),
                            f"{_FIG2}, Pile (42B tokens; N non-embedding parameters; R² 0.9987)"),
    "parallel": Preset("parallel", dict(CHEN2025_PILE), f"{_FIG2}, Pile (same as chen2025-pile)"),
}

LAWS = (ParallelLaw,)
