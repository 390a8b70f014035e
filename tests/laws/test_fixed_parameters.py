"""Laws with some parameters held fixed (``fix_parameters``): the Densing loss law L = A/N^α + B/D^β
(Xiao et al. 2024, the Chinchilla form of Hoffmann et al. 2022 Eq. 2 with E = 0), fitted by the project's
fitter."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglab.fitting.objectives import make_objective
from scalinglab.fitting.optimize import Problem, minimise
from scalinglab.laws import fix_parameters, get_law

TRUTH = {"A": 300.0, "alpha": 0.3, "B": 500.0, "beta": 0.25}


@pytest.fixture
def no_e():
    return fix_parameters(get_law("chinchilla"), E=0.0)


def _design():
    N = np.geomspace(5e6, 1e9, 6).repeat(3)
    D = np.tile([1e9, 1e10, 1e11], 6)
    return N, D


def test_the_fixed_law_is_the_base_law_at_the_fixed_value(no_e) -> None:
    N, D = _design()
    assert no_e.param_names == ("A", "B", "alpha", "beta") and no_e.name == "chinchilla[E=0]"
    want = TRUTH["A"] / N ** TRUTH["alpha"] + TRUTH["B"] / D ** TRUTH["beta"]
    np.testing.assert_allclose(no_e.predict(TRUTH, N=N, D=D), want, rtol=1e-12)
    half = fix_parameters(get_law("chinchilla"), E=1.5)
    np.testing.assert_allclose(half.predict(TRUTH, N=N, D=D), want + 1.5, rtol=1e-12)


def test_jacobian_and_hessian_are_the_free_part_of_the_base_law(no_e) -> None:
    N, D = _design()
    F = no_e.features({"N": N, "D": D})
    theta = no_e.to_internal(TRUTH)
    pred, J = no_e.log_predict(theta[None, :], F, jac=True)
    h = 1e-6
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        fd = (no_e.log_predict((theta + step)[None, :], F) - no_e.log_predict((theta - step)[None, :], F)) / (2 * h)
        np.testing.assert_allclose(J[0, :, j], fd[0], rtol=1e-6, atol=1e-9)
    assert no_e.has_hessian
    _, _, H = no_e.second_order(theta[None, :], F, lambda lse: np.ones_like(lse))
    grad = lambda t: no_e.log_predict(t[None, :], F, jac=True)[1][0].sum(axis=0)  # noqa: E731
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h
        np.testing.assert_allclose(H[0, :, j], (grad(theta + step) - grad(theta - step)) / (2 * h),
                                   rtol=1e-5, atol=1e-7)


def test_the_fitter_recovers_the_paper_form(no_e) -> None:
    N, D = _design()
    rng = np.random.default_rng(0)
    loss = no_e.predict(TRUTH, N=N, D=D)
    info = minimise(Problem(no_e, make_objective("lsq"), no_e.features({"N": N, "D": D}), np.log(loss)))
    assert no_e.to_raw(info.theta) == pytest.approx(TRUTH, rel=1e-4)
    noisy = np.log(loss) + 0.01 * rng.normal(size=loss.size)
    fit = minimise(Problem(no_e, make_objective("lsq"), no_e.features({"N": N, "D": D}), noisy))
    assert fit.success and fit.value <= Problem(no_e, make_objective("lsq"), no_e.features({"N": N, "D": D}),
                                                noisy).values(no_e.to_internal(TRUTH)[None, :])[0]


def test_bad_fixes_are_refused() -> None:
    law = get_law("chinchilla")
    with pytest.raises(KeyError, match="no parameters gamma"):
        fix_parameters(law, gamma=1.0)
    with pytest.raises(ValueError, match="nothing to fit"):
        fix_parameters(law, E=0.0, A=1.0, B=1.0, alpha=0.3, beta=0.3)
