"""Data mixing law (Ye et al. 2024, "Data Mixing Laws: Optimizing Data Mixtures by Predicting Language
Modeling Performance", arXiv:2403.16952, the mixing law and its multi-domain form):

    L_i(r_1, …, r_M) = c_i + k_i · exp(Σ_j t_ij r_j)

the validation loss on domain i of a model trained on the mixture with proportions r_j (Σ r_j = 1).
Each output domain i is one law (``mixture`` for M = 5 domains, as in the paper's Pile experiments;
``mixture-M`` for M = 2…8), so a table with several loss columns is fitted one domain at a time
(``scalinglab.planning.mixture.fit_mixture``) and ``plan mixture`` picks the proportions that
minimise a weighted sum of the domain losses. Proportions may be 0, so they enter the formula raw.
Fitted in log space: log L̂ = LSE(log c, log k + Σ_j t_j r_j).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Input, Law, Parameter, logsumexp_terms


class _MixtureLaw(Law):
    """L(r) = c + k·exp(Σ_j t_j r_j) over ``domains`` proportions (Ye et al. 2024)."""

    domains = 5

    def features(self, X):
        return {f"r{j + 1}": np.asarray(X[f"r{j + 1}"], dtype=float) for j in range(self.domains)}

    def _r(self, F) -> np.ndarray:
        return np.stack([F[f"r{j + 1}"] for j in range(self.domains)])  # (M, n)

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        lc, lk, t = theta[:, 0:1], theta[:, 1:2], theta[:, 2:]
        r = self._r(F)
        t2 = lk + t @ r
        out, w = logsumexp_terms(np.stack(np.broadcast_arrays(lc, t2), axis=-1))
        if not jac:
            return out
        w1 = w[..., 1]
        J = np.concatenate([w[..., 0:1], w[..., 1:2], w1[..., None] * r.T[None, :, :]], axis=-1)
        return out, J

    def data_starts(self, F, y):
        """For floors c = f·min L, regress log(L − c) on the proportions (k and t in closed form)."""
        r = self._r(F).T
        L = np.exp(y)
        X = np.column_stack([np.ones(len(L)), r[:, :-1] - r[:, -1:]]) if self.domains > 1 else np.ones((len(L), 1))
        starts = []
        for f in (0.0, 0.5, 0.8, 0.9, 0.95, 0.98):
            c = f * L.min()
            coef = np.linalg.lstsq(X, np.log(L - c), rcond=None)[0]
            t = np.append(coef[1:], 0.0)  # Σ r = 1: one t is redundant with k; pin the last at 0
            starts.append(np.concatenate([[np.log(max(c, 1e-4)), coef[0]], t]))
        return np.array(starts)


def _mixture_class(m: int, name: str) -> type[Law]:
    params = (Parameter("c", -10.0, 3.0, log=True, description="loss floor of the domain"),
              Parameter("k", -20.0, 5.0, log=True, description="scale of the mixture term"),
              *(Parameter(f"t{j + 1}", -30.0, 30.0, description=f"effect of proportion r{j + 1}")
                for j in range(m)))
    variables = tuple(Input(f"r{j + 1}", "fraction", (f"r{j + 1}", f"p{j + 1}", f"proportion{j + 1}"),
                            f"proportion of training domain {j + 1}", (0.0, 1.0), positive=False)
                      for j in range(m))
    grid = {"c": (0.0, 0.5), "k": (0.0,), **{f"t{j + 1}": (0.0,) for j in range(m)}}
    return type(f"MixtureLaw{m}", (_MixtureLaw,), {
        "name": name, "title": f"Data mixing law, {m} domains (Ye et al. 2024)", "domains": m,
        "formula": "L_i = c + k*exp(sum_j t_j r_j)", "variables": variables, "parameters": params,
        "start_grid": grid, "__doc__": f"Ye et al. 2024 mixing law over {m} domain proportions.",
        "__module__": __name__})


LAWS = tuple(_mixture_class(m, "mixture" if m == 5 else f"mixture-{m}") for m in range(2, 9))
