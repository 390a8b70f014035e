"""Schaeffer et al. (2025, "How Do Large Language Monkeys Get Their Power (Laws)?"): per-problem pass@1
p_i ~ Beta(α, β), fitted by Beta-binomial maximum likelihood on the counts (n_i, c_i).

For one problem pass_i@k = 1 − (1 − p_i)^k falls exponentially; over problems

    E[pass@k] = 1 − E[(1 − p)^k] = 1 − B(α, β + k) / B(α, β),

and since B(α, β + k) ∝ k^(−α) for large k, 1 − coverage is a power law in k with exponent α (the Beta's
left-tail exponent). Variants:

- ``beta-zero``: a mass π₀ at p = 0 for problems the model never solves (coverage → 1 − π₀ < 1):
  P(c = 0) = π₀ + (1 − π₀)·BB(0), P(c > 0) = (1 − π₀)·BB(c); coverage = (1 − π₀)·(1 − B(α, β+k)/B(α, β));
- ``scaled-beta``: p = s·q with q ~ Beta(α, β) and a scale s ≤ 1 (the paper's 3-parameter form); its
  likelihood ∫ C(n,c) (sq)^c (1 − sq)^(n−c) Beta(q) dq has no closed form and is computed by quadrature on
  log q and log(1 − q) (so the Beta's end-point singularities become smooth), as is E[(1 − sq)^k];
- ``scaled-beta-zero``: both.

Problems with equal (n, c) share one likelihood term (counted with multiplicity), which makes the fit and a
bootstrap over problems cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from scipy.special import betaln, expit, gammaln, logit, logsumexp

from scalinglab.laws.base import Parameter
from scalinglab.testtime.base import Samples, TestTimeLaw, problem_weights

ALPHA = Parameter("alpha", np.log(1e-3), np.log(50.0), log=True, description="left-tail (power-law) exponent")
BETA = Parameter("beta", np.log(1e-2), np.log(1e7), log=True, description="Beta's second shape")
SCALE = Parameter("scale", -12.0, 12.0, description="upper limit s of pass@1 (fitted as its logit)")
ZERO = Parameter("zero_mass", -15.0, 15.0, description="share π₀ of never-solved problems (fitted as logit)")


def _grouped(data: Samples, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (n, c) pairs and their summed weights."""
    w = problem_weights(weights, data.n_problems)
    pairs, inverse = np.unique(np.stack([data.n, data.c], axis=1), axis=0, return_inverse=True)
    return pairs[:, 0].astype(float), pairs[:, 1].astype(float), np.bincount(inverse.ravel(), weights=w)


@lru_cache(maxsize=1)
def _nodes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Quadrature on (0, 1): q, log q, log(1 − q) and log of the trapezoid weight of dq."""
    t = np.concatenate([np.linspace(-745.0, -40.0, 120, endpoint=False), np.linspace(-40.0, np.log(0.5), 1200)])
    r = np.linspace(np.log(0.5), -40.0, 500)  # q = 1/2 is in both halves, each with half a weight

    def trapezoid(x: np.ndarray) -> np.ndarray:
        w = np.zeros_like(x)
        dx = np.abs(np.diff(x))
        w[:-1] += dx / 2
        w[1:] += dx / 2
        return w

    log_q = np.concatenate([t, np.log1p(-np.exp(r))])
    log_1mq = np.concatenate([np.log1p(-np.exp(t)), r])
    log_dq = np.concatenate([np.log(trapezoid(t)) + t, np.log(trapezoid(r)) + r])  # dq = q dt = (1 − q) dr
    return np.exp(log_q), log_q, log_1mq, log_dq


def _log_fail(s: float, log_q: np.ndarray, log_1mq: np.ndarray) -> np.ndarray:
    """log(1 − s·q) = log((1 − q) + (1 − s)·q), exact near q = 1 and s = 1."""
    if s >= 1.0:
        return log_1mq
    return np.logaddexp(log_1mq, np.log1p(-s) + log_q)


class _BetaFamily(TestTimeLaw):
    """Beta-binomial laws; subclasses choose ``scaled`` and ``zero``."""

    scaled = False
    zero = False
    formula = "pass@k = 1 - B(alpha, beta + k) / B(alpha, beta)"

    def _unpack(self, theta: np.ndarray) -> tuple[float, float, float, float]:
        a, b = np.exp(theta[0]), np.exp(theta[1])
        s = expit(theta[2]) if self.scaled else 1.0
        pi = expit(theta[-1]) if self.zero else 0.0
        return a, b, s, pi

    def _log_terms(self, a: float, b: float, s: float, n: np.ndarray, c: np.ndarray) -> np.ndarray:
        """log P(c | n) under the (scaled) Beta-binomial, for unique pairs."""
        log_choose = gammaln(n + 1) - gammaln(c + 1) - gammaln(n - c + 1)
        if not self.scaled:
            return log_choose + betaln(c + a, n - c + b) - betaln(a, b)
        _, log_q, log_1mq, log_dq = _nodes()
        lw = log_dq + (a - 1) * log_q + (b - 1) * log_1mq
        lw -= logsumexp(lw)
        inner = c[:, None] * (log_q + np.log(s))[None, :] + (n - c)[:, None] * _log_fail(s, log_q, log_1mq)[None, :]
        return log_choose + logsumexp(lw[None, :] + inner, axis=1)

    def _nll(self, theta: np.ndarray, n: np.ndarray, c: np.ndarray, w: np.ndarray) -> float:
        a, b, s, pi = self._unpack(theta)
        ll = self._log_terms(a, b, s, n, c)
        if self.zero:
            ll = np.where(c > 0, np.log1p(-pi) + ll, np.logaddexp(np.log(pi), np.log1p(-pi) + ll))
        value = -float(np.dot(w, ll))
        return value if np.isfinite(value) else 1e300

    def _starts(self, start: Mapping[str, float] | None) -> list[np.ndarray]:
        if start is not None:
            return [self._internal(start)]
        grid = []
        for a0 in (0.05, 0.3, 1.0):
            for b0 in (1.0, 30.0, 1000.0):
                theta = [np.log(a0), np.log(b0)] + ([logit(0.5)] if self.scaled else [])
                grid.append(np.array(theta + ([logit(0.3)] if self.zero else [])))
        return grid

    def _internal(self, params: Mapping[str, float]) -> np.ndarray:
        theta = [np.log(params["alpha"]), np.log(params["beta"])]
        if self.scaled:
            theta.append(logit(np.clip(params["scale"], 1e-12, 1 - 1e-12)))
        if self.zero:
            theta.append(logit(np.clip(params["zero_mass"], 1e-12, 1 - 1e-12)))
        return np.array(theta)

    def fit(self, data: Samples, weights: np.ndarray | None = None,
            start: Mapping[str, float] | None = None) -> dict[str, float]:
        from scipy.optimize import minimize

        self.check(data)
        n, c, w = _grouped(data, weights)
        bounds = [(p.lower, p.upper) for p in self.parameters]
        starts = self._starts(start)
        if len(starts) > 1:  # screen the grid, polish the best three
            starts = sorted(starts, key=lambda t: self._nll(t, n, c, w))[:3]
        best = min((minimize(self._nll, t, args=(n, c, w), method="L-BFGS-B", bounds=bounds) for t in starts),
                   key=lambda r: r.fun)
        a, b, s, pi = self._unpack(best.x)
        out = {"alpha": float(a), "beta": float(b)}
        if self.scaled:
            out["scale"] = float(s)
        if self.zero:
            out["zero_mass"] = float(pi)
        return out

    def coverage(self, params: Mapping[str, float], k: np.ndarray | float) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        a, b = params["alpha"], params["beta"]
        solved = 1.0 - params.get("zero_mass", 0.0)
        if not self.scaled:
            return solved * -np.expm1(betaln(a, b + k) - betaln(a, b))
        _, log_q, log_1mq, log_dq = _nodes()
        lw = log_dq + (a - 1) * log_q + (b - 1) * log_1mq
        lw -= logsumexp(lw)
        log_fail = _log_fail(params["scale"], log_q, log_1mq)
        flat = np.atleast_1d(k).ravel()
        fail = np.exp(logsumexp(lw[None, :] + flat[:, None] * log_fail[None, :], axis=1))
        return (solved * (1.0 - fail)).reshape(k.shape)

    def exponent(self, params: Mapping[str, float]) -> float | None:
        return float(params["alpha"])

    def nothing_solved(self) -> dict[str, float]:
        """α at its lower and β at its upper bound (and the scale at its lower, the mass at zero at its upper
        bound): coverage ≈ α·log(1 + k/β) ≈ 0 at every k, the likelihood's limit when every c is 0."""
        out = {"alpha": float(np.exp(ALPHA.lower)), "beta": float(np.exp(BETA.upper))}
        if self.scaled:
            out["scale"] = float(expit(SCALE.lower))
        if self.zero:
            out["zero_mass"] = float(expit(ZERO.upper))
        return out


class BetaBinomial(_BetaFamily):
    """pass@1 ~ Beta(α, β): the two-parameter distributional law."""

    name = "beta"
    title = "Beta-binomial (Schaeffer et al. 2025)"
    parameters = (ALPHA, BETA)


class BetaZeroMass(_BetaFamily):
    """pass@1 = 0 with probability π₀, else ~ Beta(α, β)."""

    name = "beta-zero"
    title = "Beta-binomial with a mass at p = 0 (Schaeffer et al. 2025)"
    formula = "pass@k = (1 - pi0) * (1 - B(alpha, beta + k) / B(alpha, beta))"
    zero = True
    parameters = (ALPHA, BETA, ZERO)


class ScaledBeta(_BetaFamily):
    """pass@1 = s·q, q ~ Beta(α, β), s ≤ 1 (Schaeffer et al.'s 3-parameter scaled Beta)."""

    name = "scaled-beta"
    title = "Scaled Beta-binomial (Schaeffer et al. 2025)"
    formula = "pass@k = 1 - E[(1 - s*q)^k], q ~ Beta(alpha, beta)"
    scaled = True
    parameters = (ALPHA, BETA, SCALE)


class ScaledBetaZeroMass(_BetaFamily):
    """The scaled Beta with a mass at p = 0."""

    name = "scaled-beta-zero"
    title = "Scaled Beta-binomial with a mass at p = 0 (Schaeffer et al. 2025)"
    formula = "pass@k = (1 - pi0) * (1 - E[(1 - s*q)^k]), q ~ Beta(alpha, beta)"
    scaled = True
    zero = True
    parameters = (ALPHA, BETA, SCALE, ZERO)

#: The laws this module declares; ``registry`` builds the catalogue from them.
TEST_TIME_LAWS = (BetaBinomial, BetaZeroMass, ScaledBeta, ScaledBetaZeroMass,)
