"""Reproduce the Hitchhiker's Guide ARE heatmaps (Choshen, Zhang & Andreas 2024, arXiv:2410.11840,
Fig. 3 'predicting the largest model from the m smallest', per-family panels; cells in
validation_are_heatmaps.csv, cut_beginning 1e10)."""

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
def heatmaps(hitchhiker):
    h = pd.read_csv(hitchhiker / "validation_are_heatmaps.csv")
    return h[h["experiment"] == "hist"]


def _ref(heatmaps, family):
    h = heatmaps[heatmaps["family"] == family]
    return h.pivot(index="n_train_models_label", columns="train_fraction", values="are_percent")


def _grid(hitchhiker, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return grid_table(are_grid(load_curves(guide_family(family, hitchhiker))))


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
    """Guide Fig. 3, OPT (raw perplexity as the guide's loader uses): 3-model row within a point for
    p ≤ 0.7; other cells within ~2 points except (2 models, p = 0.7), see docs/curves.md."""
    ours, ref = _grid(hitchhiker, "opt"), _ref(heatmaps, "OPT")
    assert list(ours.index) == list(ref.index)
    diff = np.abs(ours.values - ref.values)
    assert np.all(diff[1, :7] < 1.0)
    mask = np.isfinite(diff)
    mask[0, 6] = False
    assert np.nanmax(np.where(mask, diff, np.nan)) < 2.0
