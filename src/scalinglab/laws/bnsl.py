"""Broken neural scaling laws (Caballero et al. 2023, "Broken Neural Scaling Laws", ICLR, Eq. 1):

    y = a + b·x^−c0 · Π_{i=1..n} (1 + (x/d_i)^(1/f_i))^(−c_i·f_i)

n breaks: at x ≈ d_i the slope (in log-log) changes by c_i, over a width set by f_i. With c_i of either
sign the curve may bend down or up (double descent, non-monotone curves). ``bnsl`` has one break,
``bnsl-2`` and ``bnsl-3`` two and three. x is any scale variable (compute, parameters, data, steps).
Fitted in log space: log ŷ = LSE(log a, log b − c0 log x − Σ c_i f_i softplus((log x − log d_i)/f_i)).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Input, Law, Parameter, logsumexp_terms


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class _BNSL(Law):
    breaks = 1

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        la, lb, c0 = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
        lx = F["logx"][None, :]
        T = lb - c0 * lx
        parts = []
        for i in range(self.breaks):
            c, ld, lf = (theta[:, 3 + 3 * i + j:4 + 3 * i + j] for j in range(3))
            f = np.exp(lf)
            z = (lx - ld) / f
            sp = _softplus(z)
            T = T - c * f * sp
            parts.append((c, f, z, sp))
        out, w = logsumexp_terms(np.stack(np.broadcast_arrays(la, T), axis=-1))
        if not jac:
            return out
        w1 = w[..., 1]
        cols = [w[..., 0], w1, -w1 * lx]
        for c, f, z, sp in parts:
            sig = _sigmoid(z)
            cols += [-w1 * f * sp, w1 * c * sig, -w1 * c * f * (sp - z * sig)]
        return out, np.stack(np.broadcast_arrays(*cols), axis=-1)

    def data_starts(self, F, y):
        """Breaks placed at quantiles of log x, the slopes from the two ends of the curve."""
        lx = F["logx"]
        order = np.argsort(lx)
        lo, hi = lx[order[0]], lx[order[-1]]
        slope = -(y[order[-1]] - y[order[0]]) / max(hi - lo, 1e-9)
        starts = []
        for frac_a in (0.0, 0.5, 0.9):
            la = np.log(max(frac_a * np.exp(y.min()), 1e-4))
            for c in (-0.5, 0.5):
                row = [la, y[order[0]] + max(slope, 0.0) * lo, max(slope, 0.0)]
                for i in range(self.breaks):
                    q = (i + 1) / (self.breaks + 1)
                    row += [c, lo + q * (hi - lo), 0.0]
                starts.append(row)
        return np.array(starts)


def _bnsl_class(n: int) -> type[_BNSL]:
    params = [Parameter("a", -10.0, 5.0, log=True, description="limit of y as x grows"),
              Parameter("b", -30.0, 80.0, log=True, description="scale of the first segment"),
              Parameter("c0", -3.0, 3.0, description="log-log slope of the first segment")]
    for i in range(1, n + 1):
        params += [Parameter(f"c{i}", -5.0, 5.0, description=f"slope change at break {i}"),
                   Parameter(f"d{i}", -30.0, 80.0, log=True, description=f"location of break {i} (units of x)"),
                   Parameter(f"f{i}", -5.0, 3.0, log=True, description=f"sharpness of break {i} (smaller: sharper)")]
    name = "bnsl" if n == 1 else f"bnsl-{n}"
    grid = {p.name: (0.0,) for p in params}
    return type(f"BNSL{n}", (_BNSL,), {
        "name": name, "breaks": n, "title": f"Broken neural scaling law, {n} break(s) (Caballero et al. 2023)",
        "formula": "y = a + b x^-c0 prod_i (1 + (x/d_i)^(1/f_i))^(-c_i f_i)",
        "variables": (Input("x", "", ("x", "C", "compute", "flops", "N", "params", "D", "tokens", "step"),
                            "the scale variable (compute, parameters, data or steps)", (1e2, 1e8)),),
        "parameters": tuple(params), "start_grid": grid, "__module__": __name__,
        "__doc__": f"Caballero et al. 2023, Eq. 1 with {n} break(s)."})


LAWS = tuple(_bnsl_class(n) for n in (1, 2, 3))
