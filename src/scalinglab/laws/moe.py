"""Mixture-of-experts laws: fine-grained MoE with granularity (Krajewski et al. 2024), routed LMs with an
expert count (Clark et al. 2022) and total parameters with sparsity (Abnar et al. 2025).

* ``moe-granularity`` — Krajewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts"
  (arXiv:2402.07871), the joint law in N, D and granularity G (expert size = FFN size / G) at a fixed
  expansion rate (64 experts' worth of FFN parameters):  L = c + (g/G^γ + a)/N^α + b/D^β.
  N is the model's total (non-embedding) parameter count; training FLOPs follow the *active* parameters
  plus the router (see ``scalinglab.planning.moe``). This is the paper's Eq. 9; the ``krajewski2024`` preset is
  its Table 1 "MoE" row (a 18.1, α 0.115, b 30.8, β 0.147, g 2.1, γ 0.58, c 0.47), checked against the paper
  text. Its Table 2 compute-optimal losses (e.g. 3.133 for 64×100M, 4.37B tokens, G = 8) come out
  ≈ 0.01–0.03 higher than this rounded row gives with N = N_act·(8E+4)/12, so treat the preset as ±0.03 in loss.
* ``moe-routed`` — Clark et al. 2022, "Unified Scaling Laws for Routed Language Models" (Eq. 1 with the
  saturating expert count of Eq. 9): log L = a log N + b log Ê + c log N log Ê + d, with
  1/Ê = 1/(E − 1 + (1/E_start − 1/E_max)^−1) + 1/E_max, N the dense base model's size (≈ active
  parameters) and E the number of experts; ``effective_parameter_count`` gives the dense size with the
  same loss (the paper's EPC). No preset: the fitted per-method coefficients (S-BASE, RL-R, HASH) could not
  be checked against the paper text, so fit it to your own routed runs.
* ``moe-sparsity`` — Abnar et al. 2025, "Parameters vs FLOPs: Scaling Laws for Optimal Sparsity for
  Mixture-of-Experts Language Models" (arXiv:2501.12370, Eq. 6):
  L = a/N^α + b/D^β + c/(1−S)^λ + d/((1−S)^δ N^γ) + e, with N the *total* parameter count, D tokens and S the
  sparsity (fraction of inactive experts). The input here is the active fraction ``A`` = 1 − S (0 < A ≤ 1,
  A = 1 is dense). The paper fits λ < 0, so λ and δ may take either sign. No preset: the fitted values
  (the paper's appendix table) could not be checked, so fit it to your own runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scalinglab.laws.base import Input, Law, Parameter, Preset, logsumexp_terms


class GranularMoELaw(Law):
    """Krajewski et al. 2024: L(N, D, G) = c + (g/G^γ + a)/N^α + b/D^β."""

    name = "moe-granularity"
    title = "Fine-grained MoE (Krajewski et al. 2024)"
    formula = "L = c + (g/G^gamma + a)/N^alpha + b/D^beta"
    inputs = ("N", "D", "G")
    parameters = (
        Parameter("c", -10.0, 3.0, log=True, description="irreducible loss"),
        Parameter("a", -10.0, 60.0, log=True, description="parameter-term scale at infinite granularity"),
        Parameter("g", -10.0, 60.0, log=True, description="granularity-dependent part of the parameter term"),
        Parameter("gamma", 0.0, 5.0, description="granularity exponent"),
        Parameter("alpha", 0.0, 5.0, description="parameter exponent"),
        Parameter("b", -10.0, 60.0, log=True, description="data-term scale"),
        Parameter("beta", 0.0, 5.0, description="data exponent"),
    )
    start_grid = {"c": (-1.0, 0.0), "a": (1.0, 3.0), "g": (0.0, 1.0), "gamma": (0.3, 0.6),
                  "alpha": (0.1, 0.3), "b": (2.0, 4.0), "beta": (0.1, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        lc, la, lg, gamma, alpha, lb, beta = (theta[:, i:i + 1] for i in range(7))
        logN, logD, logG = F["logN"][None, :], F["logD"][None, :], F["logG"][None, :]
        inner, u = logsumexp_terms(np.stack(np.broadcast_arrays(lg - gamma * logG, la), axis=-1))
        t1 = inner - alpha * logN  # log((g/G^γ + a)/N^α)
        t2 = lb - beta * logD
        out, w = logsumexp_terms(np.stack([np.broadcast_to(lc, t1.shape), t1, t2], axis=-1))
        if not jac:
            return out
        w0, w1, w2 = w[..., 0], w[..., 1], w[..., 2]
        ug, ua = u[..., 0], u[..., 1]
        J = np.stack([w0, w1 * ua, w1 * ug, -w1 * ug * logG, -w1 * logN, w2, -w2 * logD], axis=-1)
        return out, J


def saturating_experts(E: np.ndarray, e_start: float | np.ndarray, e_max: float | np.ndarray) -> np.ndarray:
    """Clark et al. 2022's Ê: ≈ E for few experts, saturating at E_max (1/Ê = 1/(E−1+s) + 1/E_max)."""
    s = 1.0 / (1.0 / e_start - 1.0 / e_max)
    return 1.0 / (1.0 / (np.asarray(E, dtype=float) - 1.0 + s) + 1.0 / e_max)


class RoutedLMLaw(Law):
    """Clark et al. 2022: log L = a log N + b log Ê + c log N log Ê + d (bilinear in log N, log Ê)."""

    name = "moe-routed"
    title = "Routed LMs (Clark et al. 2022)"
    formula = "log L = a log N + b log Ehat + c log N log Ehat + d"
    variables = (
        Input("N", "parameters", ("N", "dense_parameter_count", "params", "parameters"),
              "dense base model size (≈ active parameters)", (1e7, 1e10)),
        Input("experts", "experts", ("experts", "num_experts", "n_experts", "E"),
              "number of experts (1 = dense)", (2.0, 64.0)),
    )
    parameters = (
        Parameter("a", -2.0, 2.0, description="dense exponent (negative)"),
        Parameter("b", -2.0, 2.0, description="expert exponent (negative)"),
        Parameter("c", -1.0, 1.0, description="interaction (positive: routing helps less at scale)"),
        Parameter("d", -10.0, 20.0, description="intercept"),
        Parameter("E_start", -2.0, 10.0, log=True, description="expert count where saturation starts"),
        Parameter("E_max", 0.0, 15.0, log=True, description="expert count where gains saturate"),
    )
    start_grid = {"a": (-0.1,), "b": (-0.1,), "c": (0.0, 0.01), "d": (1.0, 2.0), "E_start": (0.5, 1.0),
                  "E_max": (4.0, 6.0)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        a, b, c, d, ls, lm = (theta[:, i:i + 1] for i in range(6))
        logN = F["logN"][None, :]
        E = np.exp(F["logexperts"][None, :])
        S, m = np.exp(ls), np.exp(lm)
        s = 1.0 / (1.0 / S - 1.0 / m)
        q = 1.0 / (E - 1.0 + s) + 1.0 / m  # 1/Ê
        log_e = -np.log(q)
        out = a * logN + b * log_e + c * logN * log_e + d
        if not jac:
            return out
        # d log Ê / d log E_start and d log E_max, through s = (1/E_start − 1/E_max)^−1
        dq_dls = -(s * s) / (S * (E - 1.0 + s) ** 2)
        dq_dlm = (s * s) / (m * (E - 1.0 + s) ** 2) - 1.0 / m
        slope = b + c * logN
        J = np.stack(np.broadcast_arrays(logN, log_e, logN * log_e, np.ones_like(out),
                                         -slope * dq_dls / q, -slope * dq_dlm / q), axis=-1)
        return out, J

    def effective_parameter_count(self, params: Mapping[str, float], N: np.ndarray,
                                  experts: np.ndarray) -> np.ndarray:
        """N̄: the dense (E = 1) model size with the same predicted loss as N with E experts (Clark's EPC)."""
        log_l = np.log(self.predict(params, N=N, experts=experts))
        e1 = float(np.log(saturating_experts(np.array(1.0), params["E_start"], params["E_max"])))
        a, b, c, d = (params[k] for k in ("a", "b", "c", "d"))
        return np.exp((log_l - b * e1 - d) / (a + c * e1))


class SparsityMoELaw(Law):
    """Abnar et al. 2025: L(N, D, S) = a/N^α + b/D^β + c/(1−S)^λ + d/((1−S)^δ N^γ) + e, with A = 1 − S."""

    name = "moe-sparsity"
    title = "MoE sparsity (Abnar et al. 2025)"
    formula = "L = a/N^alpha + b/D^beta + c/A^lambda + d/(A^delta N^gamma) + e,  A = 1 - S"
    inputs = ("N", "D", "A")
    parameters = (
        Parameter("e", -10.0, 3.0, log=True, description="irreducible loss"),
        Parameter("a", -10.0, 60.0, log=True, description="total-parameter term scale"),
        Parameter("alpha", 0.0, 5.0, description="total-parameter exponent"),
        Parameter("b", -10.0, 60.0, log=True, description="data term scale"),
        Parameter("beta", 0.0, 5.0, description="data exponent"),
        Parameter("c", -20.0, 10.0, log=True, description="sparsity term scale"),
        Parameter("lambda", -3.0, 3.0, description="sparsity exponent (the paper fits it negative)"),
        Parameter("d", -20.0, 60.0, log=True, description="sparsity-parameter interaction scale"),
        Parameter("delta", -3.0, 3.0, description="interaction exponent on the active fraction"),
        Parameter("gamma", 0.0, 5.0, description="interaction exponent on N"),
    )
    start_grid = {"e": (0.0, 0.5), "a": (3.0, 6.0), "alpha": (0.2, 0.4), "b": (3.0, 6.0), "beta": (0.2, 0.4),
                  "c": (-3.0, -1.0), "lambda": (-0.3, 0.1), "d": (0.0, 3.0), "delta": (0.1, 0.3),
                  "gamma": (0.1, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        le, la, alpha, lb, beta, lc, lam, ld, delta, gamma = (theta[:, i:i + 1] for i in range(10))
        logN, logD, logA = F["logN"][None, :], F["logD"][None, :], F["logA"][None, :]
        terms = np.broadcast_arrays(le, la - alpha * logN, lb - beta * logD, lc - lam * logA,
                                    ld - delta * logA - gamma * logN)
        out, w = logsumexp_terms(np.stack(terms, axis=-1))
        if not jac:
            return out
        w0, w1, w2, w3, w4 = (w[..., i] for i in range(5))
        J = np.stack([w0, w1, -w1 * logN, w2, -w2 * logD, w3, -w3 * logA, w4, -w4 * logA, -w4 * logN], axis=-1)
        return out, J


PRESETS = {"krajewski2024": Preset(
    "moe-granularity",
    {"c": 0.47, "a": 18.1, "g": 2.1, "gamma": 0.58, "alpha": 0.115, "b": 30.8, "beta": 0.147},
    "Krajewski et al. 2024 (arXiv:2402.07871), Table 1 'MoE' row: fitted coefficients of Eq. 9, "
    "L(N, D, G) at expansion rate E = 64; N = total non-embedding parameters")}


LAWS = (GranularMoELaw, RoutedLMLaw, SparsityMoELaw)
