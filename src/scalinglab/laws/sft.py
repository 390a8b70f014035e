"""Fine-tuning laws.

* ``sft`` — Lin et al. 2024, "Selecting Large Language Model to Fine-tune via Rectified Scaling Law"
  (arXiv:2402.02314, the rectified scaling law): L(D) = B/(D_l + D^β) + E, with D the fine-tuning data size (examples or
  tokens, as your table counts them) and D_l the "pre-learned data size" the pre-trained model
  brings: the curve is flat (the pre-power phase) while D^β ≪ D_l, then a power law.
  log L̂ = LSE(log B − log(D_l + D^β), log E).
* ``sft-multiplicative`` — Zhang et al. 2024, "When Scaling Meets LLM Finetuning: The Effect of Data,
  Model and Finetuning Method" (arXiv:2402.17193, the multiplicative joint law): L̂(X, D_f) = A·X^−α·D_f^−β + E, multiplicative
  in the scaled factor X (here the base-model size N) and the fine-tuning data D_f.
"""

from __future__ import annotations

import numpy as np

from scalinglab.laws.base import Input, Parameter, ProjectableLaw, logsumexp_terms

FINETUNE_DATA = Input("D", "examples or tokens", ("D", "finetune_size", "sft_size", "train_size", "num_examples",
                                                  "finetuning_data"), "fine-tuning data size", (2e2, 2e6))


class RectifiedLaw(ProjectableLaw):
    """Lin et al. 2024: L(D) = B/(D_l + D^β) + E."""

    name = "sft"
    title = "Rectified fine-tuning law (Lin et al. 2024)"
    formula = "L = B/(D_l + D^beta) + E"
    variables = (FINETUNE_DATA,)
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="loss floor"),
        Parameter("B", -20.0, 60.0, log=True, description="scale"),
        Parameter("D_l", -10.0, 60.0, log=True, description="pre-learned data size (in units of D^beta)"),
        Parameter("beta", 0.0, 3.0, description="data exponent"),
    )
    linear = ("E", "B")
    start_grid = {"E": (-1.0, 0.0), "B": (2.0, 5.0), "D_l": (0.0, 3.0, 6.0), "beta": (0.3, 0.6)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        le, lb, ldl, beta = (theta[:, i:i + 1] for i in range(4))
        logD = F["logD"][None, :]
        den, sh = logsumexp_terms(np.stack(np.broadcast_arrays(ldl, beta * logD), axis=-1))
        t1 = lb - den
        out, w = logsumexp_terms(np.stack([np.broadcast_to(le, t1.shape), t1], axis=-1))
        if not jac:
            return out
        w1 = w[..., 1]
        J = np.stack([w[..., 0], w1, -w1 * sh[..., 0], -w1 * sh[..., 1] * logD], axis=-1)
        return out, J

    def basis(self, theta_nl, F):
        ldl, beta = theta_nl[:, 0:1], theta_nl[:, 1:2]
        ones = np.ones((theta_nl.shape[0], F["logD"].size))
        return np.stack([ones, 1.0 / (np.exp(ldl) + np.exp(beta * F["logD"][None, :]))], axis=-1)

    def nonlinear_grid(self) -> np.ndarray:
        ldl, beta = np.meshgrid(np.linspace(-5.0, 25.0, 61), np.linspace(0.02, 2.0, 50), indexing="ij")
        return np.column_stack([ldl.ravel(), beta.ravel()])

    def assemble(self, theta_nl, coef):
        logc = np.log(np.maximum(coef, np.exp(-10.0)))
        return np.column_stack([logc[:, 0], logc[:, 1], theta_nl])


class MultiplicativeFinetuneLaw(ProjectableLaw):
    """Zhang et al. 2024: L = A·N^−α·D^−β + E (base-model size × fine-tuning data)."""

    name = "sft-multiplicative"
    title = "Multiplicative fine-tuning law (Zhang et al. 2024)"
    formula = "L = A/(N^alpha D^beta) + E"
    variables = (Input("N", "parameters", ("N", "params", "base_params", "model_size"),
                       "base-model parameter count", (1e9, 2e10)), FINETUNE_DATA)
    parameters = (
        Parameter("E", -10.0, 3.0, log=True, description="loss floor"),
        Parameter("A", -20.0, 80.0, log=True, description="scale"),
        Parameter("alpha", 0.0, 3.0, description="base-model size exponent"),
        Parameter("beta", 0.0, 3.0, description="fine-tuning data exponent"),
    )
    linear = ("E", "A")
    start_grid = {"E": (-1.0, 0.0), "A": (2.0, 6.0), "alpha": (0.1, 0.3), "beta": (0.1, 0.3)}

    def log_predict(self, theta, F, jac=False):
        theta = np.atleast_2d(theta)
        le, la, alpha, beta = (theta[:, i:i + 1] for i in range(4))
        logN, logD = F["logN"][None, :], F["logD"][None, :]
        t1 = la - alpha * logN - beta * logD
        out, w = logsumexp_terms(np.stack([np.broadcast_to(le, t1.shape), t1], axis=-1))
        if not jac:
            return out
        w1 = w[..., 1]
        return out, np.stack([w[..., 0], w1, -w1 * logN, -w1 * logD], axis=-1)

    def basis(self, theta_nl, F):
        ones = np.ones((theta_nl.shape[0], F["logN"].size))
        t = np.exp(-theta_nl[:, 0:1] * F["logN"][None, :] - theta_nl[:, 1:2] * F["logD"][None, :])
        return np.stack([ones, t], axis=-1)

    def nonlinear_grid(self) -> np.ndarray:
        a, b = np.meshgrid(np.linspace(0.0, 1.5, 40), np.linspace(0.0, 1.5, 40), indexing="ij")
        return np.column_stack([a.ravel(), b.ravel()])

    def assemble(self, theta_nl, coef):
        return np.column_stack([np.log(np.maximum(coef, np.exp(-20.0))), theta_nl])


LAWS = (RectifiedLaw, MultiplicativeFinetuneLaw)
