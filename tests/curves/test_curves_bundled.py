"""The GPT-3 curves shipped in the package (``bundled:gpt3_curves``) are the guide's GPT-3 family and give
the guide's extrapolation errors (Choshen et al. 2024, Fig. 3, GPT-3 panel: 6 smallest → 175B 0.81 % ARE,
7 smallest 2.69 %)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab.curves import evaluate_curves, guide_family, load_curves
from scalinglab.data.io import read_table
from scalinglab.datasets import available, bundled_path


def test_bundled_gpt3_curves_are_the_guide_family(test_data):
    assert "gpt3_curves" in available() and (bundled_path("gpt3_curves").parent / "gpt3_curves.md").is_file()
    bundled = read_table("bundled:gpt3_curves")
    ref = guide_family("gpt3", test_data / "hitchhiker")  # from the ColPret files, as import-curves does
    assert list(bundled.columns) == ["model", "N", "D", "step", "loss"]
    assert bundled["model"].tolist() == ref["model"].tolist()
    for col in ("N", "D", "step", "loss"):
        np.testing.assert_allclose(bundled[col].to_numpy(), ref[col].to_numpy(), rtol=1e-15, atol=0)
    sizes = bundled.groupby("model")["N"].first().sort_values()
    assert sizes.index[-1] == "gpt3-175b" and sizes.iloc[0] == 125e6 and len(sizes) == 8


def test_cli_evaluate_bundled_gpt3_gives_the_guide_are(cli):
    """`scalinglab evaluate bundled:gpt3_curves -m 6` (the README's example): 0.81 % in the guide."""
    proc = cli("evaluate", "bundled:gpt3_curves", "-m", "6", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["target"]["model"] == "gpt3-175b" and len(out["train"]["models"]) == 6
    assert out["are_percent"] == pytest.approx(0.81, abs=0.15)
    seven = evaluate_curves(load_curves("bundled:gpt3_curves"), 7)
    assert seven["are_percent"] == pytest.approx(2.69, abs=0.1)
