"""The fast core (issue 12): exact-Hessian bootstrap refits, the Gauss–Newton fallback, the chunked scan.

Data: Epoch AI's digitisation of Hoffmann et al. (2022)'s runs, bundled as ``bundled:chinchilla``, with
Besiroglu et al. (2024)'s filter ``loss < 3.44`` (240 runs).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab import ScalingLawFit, load_runs
from scalinglab.fitting import optimize
from scalinglab.fitting.batched import gauss_newton_batched, minimise_batched, newton_batched
from scalinglab.fitting.bootstrap import resample_weights
from scalinglab.fitting.objectives import make_objective
from scalinglab.fitting.optimize import Problem, minimise, minimise_from, scan_starts
from scalinglab.laws import get_law


@pytest.fixture(scope="module")
def setup():
    runs = load_runs("bundled:chinchilla", where="loss < 3.44")
    law = get_law("chinchilla")
    F = law.features({"N": runs.N, "D": runs.D})
    ly = np.log(runs.loss)
    obj = make_objective()
    full = minimise(Problem(law, obj, F, ly))
    return law, F, ly, obj, full


def _fd_hessian(law, theta, F, v, h=1e-5):
    """Σ_n v_n ∇² log L̂_n by central differences of the analytic Jacobian."""
    H = np.zeros((theta.shape[0], theta.shape[1], theta.shape[1]))
    for j in range(theta.shape[1]):
        e = np.zeros(theta.shape[1])
        e[j] = h
        _, Jp = law.log_predict(theta + e, F, jac=True)
        _, Jm = law.log_predict(theta - e, F, jac=True)
        H[:, j, :] = np.einsum("kn,knp->kp", v, (Jp - Jm) / (2 * h))
    return H


def test_chinchilla_hessian_matches_finite_differences(setup) -> None:
    law, F, *_ = setup
    rng = np.random.default_rng(0)
    theta = np.array([[0.6, 6.2, 7.7, 0.35, 0.37], [0.1, 3.0, 9.0, 0.2, 0.5], [1.0, 12.0, 4.0, 0.7, 0.15]])
    v = rng.normal(size=(3, F["logN"].size))
    pred, J, H = law.second_order(theta, F, lambda p: v)
    lse, J0 = law.log_predict(theta, F, jac=True)
    assert np.allclose(pred, lse, rtol=0, atol=1e-12) and np.allclose(J, J0, rtol=0, atol=1e-12)
    assert np.allclose(H, np.swapaxes(H, 1, 2), rtol=0, atol=1e-9)
    Hfd = _fd_hessian(law, theta, F, v)
    assert np.abs(H - Hfd).max() <= 1e-6 * np.abs(H).max()
    assert np.abs(H).max() > 1.0  # not a trivially zero Hessian


def test_objective_hessian_matches_finite_differences(setup) -> None:
    """∇²f of the summed Huber objective that the Newton solver assembles, against differences of ∇f
    (at a point where no residual sits on a Huber kink)."""
    from scalinglab.fitting.batched import _derivatives

    law, F, ly, obj, full = setup
    w = resample_weights(len(ly), 1, seed=5)
    theta = full.theta[None, :] + np.array([[0.01, -0.02, 0.03, -0.002, 0.001]])
    f, g, H = _derivatives(law, obj, F, ly, theta, w)
    h = 1e-7
    r = law.log_predict(theta, F) - ly
    assert np.min(np.abs(np.abs(r) - obj.delta)) > 2 * h * 30  # |∇r| < 30: no kink within ±h
    Hfd = np.zeros_like(H)
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        Hfd[:, j, :] = (_derivatives(law, obj, F, ly, theta + e, w)[1]
                        - _derivatives(law, obj, F, ly, theta - e, w)[1]) / (2 * h)
    assert np.abs(H - Hfd).max() <= 1e-5 * np.abs(H).max()


def test_refits_reach_each_resample_optimum(setup) -> None:
    """Sampled draws of the seed-42 bootstrap: each warm-started Newton refit is at least as good as a
    careful multi-start refit of the same resample (scan + 8 polished starts + a polish from ours)."""
    law, F, ly, obj, full = setup
    W = resample_weights(len(ly), 4000, seed=42)[[0, 17, 999, 2500, 3999]]
    th, f, ok = newton_batched(law, obj, F, ly, W, full.theta)
    assert ok.all()
    for k in range(len(W)):
        prob = Problem(law, obj, F, ly, W[k])
        ref = minimise(prob, extra_starts=th[k])
        assert f[k] <= ref.value * (1 + 1e-9), k
        assert np.allclose(law.raw_array(th[k])[0], law.raw_array(ref.theta)[0], rtol=1e-4), k


def test_gauss_newton_fallback_agrees_with_newton(setup) -> None:
    law, F, ly, obj, full = setup
    W = resample_weights(len(ly), 40, seed=3)
    _, f_n, ok_n = minimise_batched(law, obj, F, ly, W, full.theta)  # the law has a Hessian → Newton
    _, f_g, ok_g = gauss_newton_batched(law, obj, F, ly, W, full.theta)
    assert law.has_hessian and ok_n.all() and ok_g.all()
    assert np.all(f_n <= f_g * (1 + 1e-9))
    assert np.allclose(f_n, f_g, rtol=1e-8)


def test_law_without_hessian_bootstraps_by_gauss_newton() -> None:
    """kaplan-n implements no second_order: the bootstrap falls back and still converges."""
    law = get_law("kaplan-n")
    assert not law.has_hessian
    rng = np.random.default_rng(0)
    N = np.geomspace(1e6, 1e10, 30)
    loss = law.predict({"N_c": 8.8e13, "alpha_N": 0.076}, N=N) * np.exp(rng.normal(0, 0.01, N.size))
    import pandas as pd

    fit = ScalingLawFit(law="kaplan-n", bootstrap=30, seed=1).fit(pd.DataFrame({"N": N, "loss": loss}))
    info = fit.result_.bootstrap_info
    assert info["method"] == "gauss-newton" and info["converged"] == 30
    assert fit.result_.ci()["alpha_N"][0] < fit.params_["alpha_N"] < fit.result_.ci()["alpha_N"][1]


def test_chunked_scan_finds_the_same_starts(setup, monkeypatch) -> None:
    law, F, ly, obj, _ = setup
    prob = Problem(law, obj, F, ly)
    whole, n_whole = scan_starts(prob)
    seen = []
    monkeypatch.setattr(optimize, "SCAN_ELEMENTS", 240 * 100)  # 100 grid points per chunk
    parts, n_parts = scan_starts(prob, progress=lambda e: seen.append((e.task, e.done, e.total)))
    assert {task for task, _, _ in seen} == {"scan"}
    seen = [(d, t) for _, d, t in seen]
    assert n_whole == n_parts == 3136
    assert np.allclose(prob.values(whole), prob.values(parts), rtol=1e-9)
    assert np.allclose(whole, parts, rtol=1e-6, atol=1e-9)
    done = [d for d, _ in seen]
    assert len(seen) == 32 and seen[-1] == (3136, 3136) and done == sorted(set(done))


def test_fit_reports_scan_then_bootstrap_on_one_progress_callback(monkeypatch) -> None:
    """Issue 16: the start scan and the bootstrap report the same :class:`scalinglab.events.Progress`."""
    from scalinglab.events import Progress

    monkeypatch.setattr(optimize, "SCAN_ELEMENTS", 240 * 500)  # several scan chunks on the 240 rows
    events: list[Progress] = []
    ScalingLawFit(bootstrap=20, seed=0).fit(load_runs("bundled:chinchilla"), progress=events.append)
    assert all(isinstance(e, Progress) for e in events)
    tasks = [e.task for e in events]
    n_scan = tasks.count("scan")
    assert n_scan > 1 and tasks == ["scan"] * n_scan + ["bootstrap"] * (len(tasks) - n_scan)
    scan, boot = events[:n_scan], events[n_scan:]
    assert [e.done for e in scan] == sorted({e.done for e in scan}) and scan[-1].done == scan[-1].total
    assert boot and boot[-1].done == boot[-1].total == 20


def test_bootstrap_chunks_do_not_change_draws(setup, monkeypatch) -> None:
    from scalinglab.fitting import bootstrap

    law, F, ly, obj, full = setup
    a, ok_a = bootstrap.bootstrap_draws(law, obj, F, ly, full.theta, 30, seed=9)
    monkeypatch.setattr(bootstrap, "SCAN_ELEMENTS", 240 * 7)  # 7 resamples per chunk
    b, ok_b = bootstrap.bootstrap_draws(law, obj, F, ly, full.theta, 30, seed=9)
    assert ok_a.all() and ok_b.all()
    assert np.allclose(a, b, rtol=1e-9)


def test_minimise_from_a_start(setup) -> None:
    law, F, ly, obj, full = setup
    again = minimise_from(Problem(law, obj, F, ly), full.theta + 0.01)
    assert again.value == pytest.approx(full.value, rel=1e-9)


def test_fit_json_counts_converged_refits(cli, tmp_path) -> None:
    out = tmp_path / "fit.json"
    proc = cli("fit", "bundled:chinchilla", "--where", "loss < 3.44", "--bootstrap", "60", "--seed", "4",
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Bootstrap: 60 of 60 refits converged (newton" in proc.stdout
    boot = json.loads(out.read_text())["bootstrap"]
    assert boot["converged"] == 60 and boot["method"] == "newton" and len(boot["draws"]) == 60
