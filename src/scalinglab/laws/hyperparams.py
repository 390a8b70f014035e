"""Loss as a function of N, D, learning rate and batch size, around power-law optima.

    L = E + A/N^α + B/D^β + c_η·(ln η − ln η*)² + c_b·(ln b − ln b*)²
    η*(N, D) = e^h · N^h_N · D^h_D,    b*(D) = e^g · D^g_D

The optimal learning rate and batch size follow the power laws of Li et al. 2025 ("Predictable Scale:
Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining", arXiv:2503.04715,
the Step Law: η* = 1.79·N^−0.713·D^0.307, B* = 0.58·D^0.571, N non-embedding parameters, D tokens, B in
tokens); the loss at the optimum is the Chinchilla form (Hoffmann et al. 2022, Eq. 2) and, near it, a
bowl in log η and log b (Li et al. report a convex landscape in log-lr × log-batch). The
bowl is this project's composition, not a published loss law. DeepSeek-AI 2024 (DeepSeek LLM,
arXiv:2401.02954, Sec. 3.1) gives the optima in compute instead: η* = 0.3118·C^−0.1250,
B* = 0.2920·C^0.3271 (B in tokens, C = M·D with M non-embedding FLOPs per token); both are in
``OPTIMA`` for ``scalinglab plan hyperparams``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scalinglab.laws.base import Input, Law, Parameter, logsumexp_terms


@dataclass(frozen=True)
class HyperparamOptimum:
    """Published power laws η* = a_lr·N^n_lr·D^d_lr (or ·C^c_lr) and B* = a_bs·D^d_bs (or ·C^c_bs)."""

    lr: tuple[float, float, float, float]  # (scale, N exponent, D exponent, C exponent)
    batch: tuple[float, float, float, float]
    batch_unit: str
    source: str

    def at(self, N: float, D: float, C: float | None = None) -> dict[str, float]:
        """η* and B* at N parameters, D tokens (C = 6ND unless given)."""
        C = 6.0 * N * D if C is None else C
        a, n, d, c = self.lr
        lr = a * N ** n * D ** d * C ** c
        a, n, d, c = self.batch
        return {"lr": float(lr), "batch": float(a * N ** n * D ** d * C ** c)}


OPTIMA = {
    "li2025": HyperparamOptimum((1.79, -0.713, 0.307, 0.0), (0.58, 0.0, 0.571, 0.0), "tokens",
                                "Li et al. 2025, Predictable Scale Part I, Step Law ( N non-embedding "
                                "parameters, D tokens)"),
    "deepseek2024": HyperparamOptimum((0.3118, 0.0, 0.0, -0.1250), (0.2920, 0.0, 0.0, 0.3271), "tokens",
                                      "DeepSeek-AI 2024, DeepSeek LLM, Sec. 3.1 (C = M·D FLOPs, M non-embedding "
                                      "FLOPs/token; here C = 6ND unless given)"),
}


class HyperparamsLaw(Law):
    """L(N, D, η, b) = Chinchilla(N, D) + quadratic bowls in log η and log b around power-law optima."""

    name = "hyperparams"
    title = "Learning rate and batch size (Li et al. 2025 optima)"
    formula = "L = E + A/N^alpha + B/D^beta + c_lr (ln lr - ln lr*)^2 + c_bs (ln bs - ln bs*)^2"
    variables = (
        Input("N", "parameters", ("N", "non_embedding_params", "non-embedding_param_size", "params"),
              "non-embedding parameters", (6e7, 1e9)),
        Input("D", "tokens", ("D", "tokens", "data_size", "num_tokens"), "training tokens", (2e9, 1e11)),
        Input("lr", "", ("lr", "learning_rate", "peak_lr"), "peak learning rate", (2e-4, 2e-2)),
        Input("bs", "sequences or tokens", ("bs", "batch_size", "bsz", "batch"),
              "batch size (the unit of your table; the Li et al. preset counts tokens)", (16.0, 2048.0)),
    )
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="irreducible loss"),
        Parameter("A", -10.0, 60.0, log=True, description="parameter-term scale"),
        Parameter("alpha", 0.0, 3.0, description="parameter exponent"),
        Parameter("B", -10.0, 60.0, log=True, description="data-term scale"),
        Parameter("beta", 0.0, 3.0, description="data exponent"),
        Parameter("c_lr", -15.0, 3.0, log=True, description="curvature of the learning-rate bowl"),
        Parameter("h", -30.0, 30.0, description="log-scale of the optimal learning rate"),
        Parameter("h_N", -3.0, 3.0, description="N exponent of the optimal learning rate"),
        Parameter("h_D", -3.0, 3.0, description="D exponent of the optimal learning rate"),
        Parameter("c_bs", -15.0, 3.0, log=True, description="curvature of the batch-size bowl"),
        Parameter("g", -30.0, 30.0, description="log-scale of the optimal batch size"),
        Parameter("g_D", -3.0, 3.0, description="D exponent of the optimal batch size"),
    )
    start_grid = {"E": (0.3, 0.6), "A": (3.0,), "alpha": (0.3,), "B": (3.0,), "beta": (0.3,),
                  "c_lr": (-4.0,), "h": (0.0,), "h_N": (-0.5,), "h_D": (0.3,), "c_bs": (-4.0,), "g": (-6.0,),
                  "g_D": (0.5,)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        le, la, alpha, lb, beta, lcl, h, hn, hd, lcb, g, gd = (theta[:, i:i + 1] for i in range(12))
        logN, logD = F["logN"][None, :], F["logD"][None, :]
        u = F["loglr"][None, :] - (h + hn * logN + hd * logD)
        v = F["logbs"][None, :] - (g + gd * logD)
        with np.errstate(divide="ignore"):
            terms = np.broadcast_arrays(le, la - alpha * logN, lb - beta * logD, lcl + np.log(u * u),
                                        lcb + np.log(v * v))
        out, w = logsumexp_terms(np.stack(terms, axis=-1))
        if not jac:
            return out
        L = np.exp(out)
        pl, pb = np.exp(lcl) * u * u / L, np.exp(lcb) * v * v / L  # shares of the two bowls
        dl = -2.0 * np.exp(lcl) * u / L  # d log L / d (log lr*)
        db = -2.0 * np.exp(lcb) * v / L
        J = np.stack(np.broadcast_arrays(w[..., 0], w[..., 1], -w[..., 1] * logN, w[..., 2], -w[..., 2] * logD,
                                         pl, dl, dl * logN, dl * logD, pb, db, db * logD), axis=-1)
        return out, J

    def data_starts(self, F, y):
        """Starts from the data: the best (lr, batch) per (N, D) cell gives the two power laws."""
        logN, logD, loglr, logbs = F["logN"], F["logD"], F["loglr"], F["logbs"]
        cells = {}
        for i, key in enumerate(zip(np.round(logN, 6), np.round(logD, 6), strict=True)):
            if key not in cells or y[i] < y[cells[key]]:
                cells[key] = i
        best = np.array(list(cells.values()))
        if best.size < 4:
            return None
        X = np.column_stack([np.ones(best.size), logN[best], logD[best]])
        h = np.linalg.lstsq(X, loglr[best], rcond=None)[0]
        g = np.linalg.lstsq(X[:, [0, 2]], logbs[best], rcond=None)[0]
        starts = []
        for le in (np.log(np.exp(y.min()) * 0.6), np.log(np.exp(y.min()) * 0.85)):
            for lc in (-5.0, -3.0):
                starts.append([le, 3.0, 0.3, 3.0, 0.3, lc, h[0], h[1], h[2], lc, g[0], g[1]])
        return np.array(starts)

    def optimum(self, params: Mapping[str, float], N: np.ndarray, D: np.ndarray) -> dict[str, np.ndarray]:
        """The fitted η*(N, D) and b*(D)."""
        N, D = np.asarray(N, dtype=float), np.asarray(D, dtype=float)
        lr = np.exp(params["h"]) * N ** params["h_N"] * D ** params["h_D"]
        bs = np.exp(params["g"]) * D ** params["g_D"] * np.ones_like(N)
        return {"lr": lr, "bs": bs}


LAWS = (HyperparamsLaw,)
