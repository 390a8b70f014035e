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
def hitchhiker(shared_data):
    return shared_data / "hitchhiker"


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
    assert np.array_equal(_grid(hitchhiker, "gpt3", 1e10).values, _grid(hitchhiker, "gpt3", 0.0).values)


def test_two_model_opt_fit_is_not_identified(hitchhiker):
    """Why 2-model cells depend on the optimiser's path: for OPT (125M + 1.3B, p = 0.7) curve_fit reaches the
    same least-squares optimum (SSE equal to 1e-6) from two step scalings, with parameters, and hence ARE
    on OPT-175B, far apart. Any of them is 'the' fit; scipy versions pick different ones."""
    from scipy.optimize import curve_fit

    from scalinglab.curves.estimate import GUIDE_INIT, Selection, select

    tr, te, _ = select(load_curves(guide_family("opt", hitchhiker)), Selection(2, 1e10, 0.7))
    p0 = [np.log(GUIDE_INIT["A"]), np.log(GUIDE_INIT["B"]), np.log(GUIDE_INIT["E"]),
          GUIDE_INIT["alpha"], GUIDE_INIT["beta"]]

    def law(x, a, b, e, al, be):
        return np.exp(e) + np.exp(a) / x[0] ** al + np.exp(b) / x[1] ** be

    x, y = (tr["N"].to_numpy(), tr["D"].to_numpy()), tr["loss"].to_numpy()
    fits = []
    for scale in (1.0, np.abs(p0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theta, _ = curve_fit(law, x, y, p0=p0, bounds=([-np.inf] * 3 + [0, 0], np.inf), x_scale=scale)
        sse = float(np.sum((law(x, *theta) - y) ** 2))
        pred = law((te["N"].to_numpy(), te["D"].to_numpy()), *theta)
        fits.append((sse, float(np.mean(np.abs(te["loss"].to_numpy() - pred) / te["loss"].to_numpy()) * 100)))
    (sse1, are1), (sse2, are2) = fits
    assert sse1 == pytest.approx(sse2, rel=1e-6)
    assert abs(are1 - are2) > 5.0


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
    """Guide Fig. 3, Pile-T5: all cells within a point except (2 models, p = 0.7, 0.8, 0.9).

    At p = 0.7 the guide's own curve_fit ended in a bad local optimum (28.3 % ARE between 4.8 and 4.6);
    p = 0.8 and 0.9 differ by 1.2 and 1.7 points.
    """
    ours, ref = _grid(hitchhiker, "t5-pile"), _ref(heatmaps, "t5-pile")
    diff = np.abs(ours.values - ref.values)
    assert np.all(diff[1] < 0.25)
    assert np.all(diff[0, :6] < 1.0) and diff[0, 9] < 1.0


def test_opt_heatmap_partly(hitchhiker, heatmaps):
    """Guide Fig. 3 with the cut, OPT (raw perplexity as the guide's loader uses): 3-model row within a point
    for p ≤ 0.7; other cells within ~2 points except (2 models, p = 0.7). The no-cut panel matches exactly
    (above); the cut panel came from an earlier state of the guide's code or data, see docs/curves.md."""
    ours, ref = _grid(hitchhiker, "opt"), _ref(heatmaps, "OPT")
    assert list(ours.index) == list(ref.index)
    diff = np.abs(ours.values - ref.values)
    assert np.all(diff[1, :7] < 1.0)
    mask = np.isfinite(diff)
    mask[0, 6] = False
    assert np.nanmax(np.where(mask, diff, np.nan)) < 2.0
