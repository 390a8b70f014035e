"""Vocabulary law (Tao et al. 2024, "Scaling Laws with Vocabulary: Larger Models Deserve Larger
Vocabularies", arXiv:2407.13623, Approach 3, the parametric loss fit):

    L_u = −E + A1/N_nv^α1 + A2/N_v^α2 + B/H^β

L_u is the unigram-normalised loss (the model's loss minus the loss of a context-free unigram model
over the same vocabulary, so vocabularies compare; it is negative), N_nv the non-vocabulary
parameters, N_v = V·d the vocabulary parameters (vocabulary size × embedding width) and H the number
of training characters. Because L_u is signed, the law is fitted on L_u itself (not its log). When a
table has no vocabulary-parameter column, N_v is vocab_size × embed_dim.

A2 may be negative here: at a fixed number of characters the unigram-normalised loss of Tao et al.'s
runs rises slightly with the vocabulary (the unigram baseline improves faster than the model), which
a positive A2 cannot express (the fit then pins A2 at zero); the paper's form is the A2 > 0 case,
which ``vocab-paper`` fits (A2 ≥ 0, otherwise the same law).
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Input, Parameter, ProjectableLaw


class VocabLaw(ProjectableLaw):
    """Tao et al. 2024: L_u = −E + A1/N_nv^α1 + A2/N_v^α2 + B/H^β (unigram-normalised loss)."""

    name = "vocab"
    title = "Vocabulary (Tao et al. 2024)"
    formula = "Lu = -E + A1/N^alpha1 + A2/Nv^alpha2 + B/H^beta"
    variables = (
        Input("N", "parameters", ("non_vocab_parameters", "N_nv", "non_vocab_params", "N"),
              "non-vocabulary parameters", (3e7, 1e9)),
        Input("Nv", "parameters", ("vocab_parameters", "vocab_params", "N_v", "Nv"),
              "vocabulary parameters V·d", (2e6, 2e8),
              product_of=(("vocab_size", "V"), ("embed_dim", "d_model", "width"))),
        Input("H", "characters", ("num_characters", "characters", "H"), "training characters", (1e8, 5e12)),
    )
    response = "Lossu"
    log_response = False
    parameters = (
        Parameter("E", -10.0, 5.0, log=True, description="minus the loss floor (unigram-normalised)"),
        Parameter("A1", -20.0, 80.0, log=True, description="non-vocabulary parameter term scale"),
        Parameter("A2", -1e5, 1e5, description="vocabulary parameter term scale (signed, see below)"),
        Parameter("B", -20.0, 80.0, log=True, description="data (characters) term scale"),
        Parameter("alpha1", 0.0, 3.0, description="non-vocabulary parameter exponent"),
        Parameter("alpha2", 0.0, 3.0, description="vocabulary parameter exponent"),
        Parameter("beta", 0.0, 3.0, description="data exponent"),
    )
    linear = ("E", "A1", "A2", "B")
    start_grid = {"E": (1.0, 2.0), "A1": (5.0, 10.0), "A2": (2.0, 5.0), "B": (5.0, 10.0),
                  "alpha1": (0.3,), "alpha2": (0.3,), "beta": (0.3,)}

    def _terms(self, theta, F):
        theta = np.atleast_2d(theta)
        le, la1, la2, lb, a1, a2, b = (theta[:, i:i + 1] for i in range(7))
        x = [F["logN"][None, :], F["logNv"][None, :], F["logH"][None, :]]
        terms = [np.exp(la1 - a1 * x[0]), la2 * np.exp(-a2 * x[1]), np.exp(lb - b * x[2])]
        return np.exp(le), terms, x

    def log_predict(self, theta, F, jac=False):
        """L̂_u itself (this law is fitted on the signed unigram-normalised loss)."""
        E, terms, x = self._terms(theta, F)
        out = -E + terms[0] + terms[1] + terms[2]
        if not jac:
            return out
        v = np.exp(-np.atleast_2d(theta)[:, 5:6] * x[1])
        J = np.stack(np.broadcast_arrays(-E, terms[0], v, terms[2], -terms[0] * x[0], -terms[1] * x[1],
                                         -terms[2] * x[2]), axis=-1)
        return out, J

    def basis(self, theta_nl, F):
        a = theta_nl[:, :, None]
        x = np.stack([F["logN"], F["logNv"], F["logH"]])[None, :, :]
        powers = np.exp(-a * x)  # (K, 3, n)
        minus_one = -np.ones((theta_nl.shape[0], 1, F["logN"].size))
        # columns: −1 (E), N^−α1 (A1), +Nv^−α2 and −Nv^−α2 (A2 = difference), H^−β (B)
        cols = [minus_one, powers[:, 0:1], powers[:, 1:2], -powers[:, 1:2], powers[:, 2:3]]
        return np.concatenate(cols, axis=1).transpose(0, 2, 1)

    def nonlinear_grid(self) -> np.ndarray:
        g = np.linspace(0.05, 1.2, 16)
        g2 = np.geomspace(0.005, 1.2, 16)
        return np.array(np.meshgrid(g, g2, g, indexing="ij")).reshape(3, -1).T

    def assemble(self, theta_nl, coef):
        logc = np.log(np.maximum(coef[:, [0, 1, 4]], np.exp(-20.0)))
        a2 = np.clip(coef[:, 2] - coef[:, 3], -1e5, 1e5)
        return np.column_stack([logc[:, 0], logc[:, 1], a2, logc[:, 2], theta_nl])


class VocabPaperLaw(VocabLaw):
    """``vocab`` with A2 ≥ 0, the sign Tao et al. 2024's Approach 3 form has (a vocabulary term that falls)."""

    name = "vocab-paper"
    title = "Vocabulary, A2 >= 0 as in Tao et al. 2024"
    parameters = tuple(Parameter("A2", 0.0, 1e5, description="vocabulary parameter term scale (A2 >= 0)")
                       if p.name == "A2" else p for p in VocabLaw.parameters)

    def basis(self, theta_nl, F):
        full = super().basis(theta_nl, F)
        return full[:, :, [0, 1, 2, 4]]  # no −Nv^−α2 column: A2 is the +Nv^−α2 coefficient alone

    def assemble(self, theta_nl, coef):
        logc = np.log(np.maximum(coef[:, [0, 1, 3]], np.exp(-20.0)))
        a2 = np.clip(coef[:, 2], 0.0, 1e5)
        return np.column_stack([logc[:, 0], logc[:, 1], a2, logc[:, 2], theta_nl])


LAWS = (VocabLaw, VocabPaperLaw)
