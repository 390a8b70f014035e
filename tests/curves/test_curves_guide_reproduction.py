"""Reproduce the Hitchhiker's Guide ARE heatmaps (Choshen, Zhang & Andreas 2024, arXiv:2410.11840,
Fig. 3 'predicting the largest model from the m smallest', per-family panels; cells in
validation_are_heatmaps.csv: experiment ``hist`` = cut_beginning 1e10, ``hist_no_cut`` = no cut).

The no-cut panels are reproduced to the figures' two decimals in every cell with ≥ 3 train models, for
GPT-3, OPT and Pile-T5. The cut panels cannot all be: the guide's own GPT-3 cut and no-cut panels differ
by up to 0.53 points although no GPT-3 checkpoint lies below 1e10 tokens, so the released code on the
released data gives one grid for both; the cut figure came from an earlier state (see docs/curves.md)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import evaluate_curves, guide_family, load_curves
from scalinglab.curves.evaluate import are_grid, grid_table


@pytest.fixture(scope="module")
def hitchhiker(test_data):
    return test_data / "hitchhiker"


@pytest.fixture(scope="module")
def all_heatmaps(hitchhiker):
    return pd.read_csv(hitchhiker / "validation_are_heatmaps.csv")


@pytest.fixture(scope="module")
def heatmaps(all_heatmaps):
    return all_heatmaps[all_heatmaps["experiment"] == "hist"]


def _ref(heatmaps, family):
    h = heatmaps[heatmaps["family"] == family]
    return h.pivot(index="n_train_models_label", columns="train_fraction", values="are_percent")


def _grid(hitchhiker, family, min_tokens=1e10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return grid_table(are_grid(load_curves(guide_family(family, hitchhiker)), min_tokens=min_tokens))


@pytest.mark.parametrize("family,label", [("gpt3", "gpt3"), ("opt", "OPT"), ("t5-pile", "t5-pile")])
def test_no_cut_heatmaps_reproduced_to_two_decimals(hitchhiker, all_heatmaps, family, label):
    """Guide Fig. 3 without the 1e10 cut (figs/hist_no_cut): every cell with ≥ 3 train models equals the
    figure's printed value to its rounding (0.005 points): same loader conventions, same curve_fit
    optimum, same test window and ARE. That is 50 GPT-3, 30 OPT and 10 Pile-T5 cells."""
    ours = _grid(hitchhiker, family, min_tokens=0.0)
    ref = _ref(all_heatmaps[all_heatmaps["experiment"] == "hist_no_cut"], label).loc[ours.index]
    assert ref.values[1:].size >= 10 and np.isfinite(ref.values[1:]).all()
    assert np.abs(ours.values[1:] - ref.values[1:]).max() < 0.0051


def test_guide_cut_and_no_cut_gpt3_panels_disagree_where_the_cut_removes_nothing(hitchhiker, all_heatmaps):
    """Why the cut panels cannot be matched exactly: GPT-3's digitised curves (all but the 175B target, scored
    past 2e11 tokens) start above 1e10 tokens, so the
    cut leaves every train set unchanged and the guide's code must give the same grid with and without it;
    the guide's two GPT-3 figures nevertheless differ by 0.5 points in places."""
    curves = guide_family("gpt3", hitchhiker)
    assert curves.loc[curves["model"] != "gpt3-175b", "D"].min() > 1e10  # every model that can train
    cut = _ref(all_heatmaps[all_heatmaps["experiment"] == "hist"], "gpt3")
    no_cut = _ref(all_heatmaps[all_heatmaps["experiment"] == "hist_no_cut"], "gpt3")
    assert np.abs(cut.values - no_cut.values).max() > 0.5
    # exact on purpose: the cut removes no checkpoint, so both grids are the same computation in one process
    assert np.array_equal(_grid(hitchhiker, "gpt3", 1e10).values, _grid(hitchhiker, "gpt3", 0.0).values,
                          equal_nan=True)


def _law(x, a, b, e, al, be):
    """The guide's parameterisation: L = exp(e) + exp(a)/N^α + exp(b)/D^β."""
    return np.exp(e) + np.exp(a) / x[0] ** al + np.exp(b) / x[1] ** be


def _sse(theta, frame) -> float:
    pred = _law((frame["N"].to_numpy(), frame["D"].to_numpy()), *theta)
    return float(np.sum((pred - frame["loss"].to_numpy()) ** 2))


def _are(theta, frame) -> float:
    pred = _law((frame["N"].to_numpy(), frame["D"].to_numpy()), *theta)
    return float(np.mean(np.abs(frame["loss"].to_numpy() - pred) / frame["loss"].to_numpy()) * 100)


def _two_model_curve_fit(tr, x_scale=1.0):
    """The guide's recipe (curve_fit from the C4 guess) on a two-model train set."""
    from scipy.optimize import curve_fit

    from scalinglab.curves.estimate import GUIDE_INIT

    p0 = [np.log(GUIDE_INIT["A"]), np.log(GUIDE_INIT["B"]), np.log(GUIDE_INIT["E"]),
          GUIDE_INIT["alpha"], GUIDE_INIT["beta"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theta, _ = curve_fit(_law, (tr["N"].to_numpy(), tr["D"].to_numpy()), tr["loss"].to_numpy(), p0=p0,
                             bounds=([-np.inf] * 3 + [0, 0], np.inf),
                             x_scale=np.abs(p0) if x_scale == "p0" else x_scale)
    return theta


def _two_model_least_squares(tr):
    """The identified part of a two-size fit, found globally: L = c_i + B/D^β (c_i per size), by a β profile
    (for fixed β the rest is linear least squares). Returns (sizes, c, B, β, SSE)."""
    from scipy.optimize import minimize_scalar

    sizes = np.sort(tr["N"].unique())
    onehot = (tr["N"].to_numpy()[:, None] == sizes[None, :]).astype(float)
    D, y = tr["D"].to_numpy(), tr["loss"].to_numpy()
    d0 = float(np.exp(np.mean(np.log(D))))  # B/D^β = (B/d0^β)·(D/d0)^-β keeps the columns well scaled

    def solve(beta):
        X = np.column_stack([onehot, (D / d0) ** -beta])
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        return np.append(coef[:2], coef[2] * d0 ** beta), float(np.sum((X @ coef - y) ** 2))

    grid = np.geomspace(1e-3, 10.0, 200)
    best = grid[int(np.argmin([solve(b)[1] for b in grid]))]
    beta = minimize_scalar(lambda b: solve(b)[1], bounds=(best / 1.05, best * 1.05),
                           method="bounded", options={"xatol": 1e-10}).x
    coef, sse = solve(beta)
    return sizes, coef[:2], coef[2], float(beta), sse


def _equal_sse_family(sizes, c, B, beta, alphas):
    """With two model sizes the fit sees E, A, α only through c_i = E + A/N_i^α: every (E', A', α') with the
    same c_1, c_2 (E', A' > 0, the guide's log parameterisation) gives the same train predictions."""
    (n1, n2), (c1, c2) = sizes, c
    out = []
    for al in alphas:
        A = (c1 - c2) / (n1 ** -al - n2 ** -al)
        E = c1 - A * n1 ** -al
        if A > 0 and E > 0:
            out.append(np.array([np.log(A), np.log(B), np.log(E), al, beta]))
    return out


def test_two_model_opt_fit_is_not_identified(hitchhiker):
    """Why 2-model cells depend on the optimiser's path: with two model sizes (OPT 125M + 1.3B, p = 0.7) a
    whole curve of (E, A, α) has the least-squares SSE, and along it the ARE on OPT-175B spans more than
    5 points. Which point curve_fit stops at depends on the scipy version, the step scaling and the CPU's
    float kernels (an AVX-512 machine lands elsewhere), so the test asserts what is identified: curve_fit
    from two step scalings reaches the same SSE, that of the global least-squares optimum, and the SSE is
    equal along the curve; not which point of it is reached."""
    from scalinglab.curves.estimate import Selection, select

    tr, te, _ = select(load_curves(guide_family("opt", hitchhiker)), Selection(2, 1e10, 0.7))
    sizes, c, B, beta, sse = _two_model_least_squares(tr)
    plain, scaled = _two_model_curve_fit(tr), _two_model_curve_fit(tr, "p0")
    assert _sse(plain, tr) == pytest.approx(_sse(scaled, tr), rel=1e-6)
    assert _sse(plain, tr) == pytest.approx(sse, rel=1e-4)
    family = _equal_sse_family(sizes, c, B, beta, np.linspace(0.01, 3.0, 300))
    assert len(family) > 50
    np.testing.assert_allclose([_sse(t, tr) for t in family], sse, rtol=1e-8)
    ares = [_are(t, te) for t in family]
    assert max(ares) - min(ares) > 5.0


def test_gpt3_175b_from_six_and_seven_smallest(hitchhiker):
    """Guide Fig. 3, GPT-3 panel: 6 smallest → 0.81 % ARE, 7 smallest → 2.69 % (p = 1, past 1e10 tokens)."""
    curves = load_curves(guide_family("gpt3", hitchhiker))
    six = evaluate_curves(curves, 6)
    seven = evaluate_curves(curves, 7)
    assert six["target"]["model"] == "gpt3-175b"
    assert six["are_percent"] == pytest.approx(0.81, abs=0.15)
    assert seven["are_percent"] == pytest.approx(2.69, abs=0.1)


def test_gpt3_heatmap_within_a_point(hitchhiker, heatmaps):
    """Guide Fig. 3, GPT-3: every cell with ≥ 3 train models within 0.6 points of the guide."""
    ours, ref = _grid(hitchhiker, "gpt3"), _ref(heatmaps, "gpt3")
    assert list(ours.index) == list(ref.index)  # row labels 'm (Xr)' match, r truncated
    diff = np.abs(ours.values[1:] - ref.values[1:])
    assert np.nanmax(diff) < 0.6


def test_t5_pile_heatmap(hitchhiker, heatmaps):
    """Guide Fig. 3, Pile-T5. The 3-model row (identified) is within 0.25 points of the guide. The 2-model
    row is not identified (see the OPT test above), so a curve_fit run may stop anywhere on the curve of
    equal-SSE parameters, or short of it (on some machines p = 1.0 ends at α ≈ 9 with 500× the SSE). What
    holds: each of the guide's 2-model values, its 28.3 % at p = 0.7 (between 4.8 and 4.6) included, is
    the ARE of some parameters at the global least-squares optimum, i.e. lies in the ARE range along that
    curve (about 0.1–30 % here)."""
    from scalinglab.curves.estimate import Selection, select

    ours, ref = _grid(hitchhiker, "t5-pile"), _ref(heatmaps, "t5-pile")
    assert np.all(np.abs(ours.values[1] - ref.values[1]) < 0.25)
    curves = load_curves(guide_family("t5-pile", hitchhiker))
    for p, guide in ref.iloc[0].items():
        tr, te, _ = select(curves, Selection(2, 1e10, float(p)))
        family = _equal_sse_family(*_two_model_least_squares(tr)[:4], np.linspace(0.005, 5.0, 1000))
        ares = [_are(t, te) for t in family]
        assert min(ares) <= guide <= max(ares), p


def test_opt_heatmap_partly(hitchhiker, heatmaps):
    """Guide Fig. 3 with the cut, OPT (raw perplexity as the guide's loader uses): 3-model row within a point
    for p ≤ 0.7; the other rows with ≥ 3 models within ~2 points. The no-cut panel matches exactly (above);
    the cut panel came from an earlier state of the guide's code or data, see docs/curves.md. The 2-model
    row is not identified (see above): for p ≤ 0.8 each guide value lies in the ARE range along the
    equal-SSE curve through the least-squares optimum; at p = 0.9 and 1.0 no point of that curve has
    E, A > 0 (the guide's law then has its optimum on the boundary), and those two are not checked."""
    from scalinglab.curves.estimate import Selection, select

    ours, ref = _grid(hitchhiker, "opt"), _ref(heatmaps, "OPT")
    assert list(ours.index) == list(ref.index)
    diff = np.abs(ours.values - ref.values)
    assert np.all(diff[1, :7] < 1.0)
    assert np.nanmax(diff[1:]) < 2.0
    curves = load_curves(guide_family("opt", hitchhiker))
    checked = 0
    for p, guide in ref.iloc[0].items():
        tr, te, _ = select(curves, Selection(2, 1e10, float(p)))
        family = _equal_sse_family(*_two_model_least_squares(tr)[:4], np.linspace(0.005, 5.0, 1000))
        if not family:
            continue
        ares = [_are(t, te) for t in family]
        assert min(ares) <= guide <= max(ares), p
        checked += 1
    assert checked == 8
