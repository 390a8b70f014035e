"""Honest fit output: the bootstrap's converged count, no intervals when most refits failed, extrapolation notes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from scalinglab.data.runs import load_runs
from scalinglab.fitting.estimator import ScalingLawFit


@pytest.fixture(scope="module")
def boot_fit():
    return ScalingLawFit(bootstrap=20, seed=0).fit(load_runs("bundled:chinchilla")).result_


def test_bootstrap_reports_how_many_refits_converged(boot_fit):
    k = boot_fit.bootstrap_converged
    assert isinstance(k, int) and 0 <= k <= 20
    d = boot_fit.to_dict()
    assert d["bootstrap"]["converged"] == k and d["bootstrap"]["n"] == 20
    assert f"Bootstrap: {k} of 20 refits converged" in boot_fit.report()
    again = type(boot_fit).from_dict(json.loads(boot_fit.to_json()))
    assert again.bootstrap_converged == k and again.data_compute == boot_fit.data_compute


def test_no_intervals_when_most_refits_did_not_converge(boot_fit):
    bad = replace(boot_fit, bootstrap_converged=5)
    assert bad.ci() is None and bad.predict_interval(N=1e9, D=2e10) is None
    assert "N_interval" not in bad.optimal(1e21)
    text = bad.report()
    assert "only 5 of 20 bootstrap refits converged: no intervals shown" in text and "95%" not in text
    assert "ci" not in bad.to_dict() and "no intervals" in bad.to_dict()["bootstrap"]["intervals"]
    good = replace(boot_fit, bootstrap_converged=11)  # a majority converged: intervals as before
    assert good.ci() is not None and "95% interval" in good.report()


def test_allocations_far_beyond_the_data_are_flagged(boot_fit, cli, tmp_path: Path):
    small = replace(boot_fit, data_compute=[1e10, 1e12])
    assert small.extrapolation(1e15) is None  # exactly 3 orders of magnitude: not flagged
    assert "1e+03x" in small.extrapolation(1.1e15) or "1.1e+03x" in small.extrapolation(1.1e15)
    text = small.report()
    assert "more than 3 orders of magnitude of compute beyond the fitted runs" in text
    assert any(line.rstrip().endswith("*") for line in text.splitlines() if line.lstrip().startswith("1e+2"))
    fit = tmp_path / "fit.json"
    small.save(fit)
    res = cli("predict", "--fit", fit, "--params", "1e9", "--tokens", "2e10", check=True)
    assert "warning: C = 1.2e+20 FLOPs" in res.stderr and "extrapolation" in res.stderr
    near = cli("predict", "--fit", fit, "--params", "1e6", "--tokens", "1e5", check=True)
    assert "warning" not in near.stderr
