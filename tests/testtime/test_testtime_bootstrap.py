"""The bootstrap over problems when a resample holds no solved problem (a weak model at a small budget)."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglab.testtime.data import load_counts
from scalinglab.testtime.fit import fit_test_time
from scalinglab.testtime.registry import get_test_time_law
from scalinglab.testtime.result import TestTimeFit

B = 40


@pytest.fixture
def one_solved(tmp_path):
    """Model 'weak' solves one problem of 64 (3 of 100 samples); 'strong' solves about half of them."""
    rng = np.random.default_rng(1)
    rows = ["model,params_nominal,problem_idx,n_samples,n_correct"]
    rows += [f"weak,1e8,{i},100,{3 if i == 7 else 0}" for i in range(64)]
    rows += [f"strong,1e9,{i},100,{int(rng.integers(1, 40)) if i % 2 else 0}" for i in range(64)]
    path = tmp_path / "counts.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("law", ["brown", "beta", "beta-zero", "scaled-beta"])
def test_an_unsolved_resample_is_a_zero_coverage_draw(one_solved, law):
    fit = fit_test_time(load_counts(str(one_solved)), law, bootstrap=B, seed=0)
    weak = fit.coverage_draws("weak", np.array([1.0, 100.0, 1e4]))
    zero = np.all(weak < 1e-5, axis=1)
    # P(problem 7 missing from a resample) = (63/64)^64 ≈ 0.36: some draws, not all, have nothing solved
    assert 0 < zero.sum() < B
    assert fit.warnings == [f"weak: no problem was solved in {zero.sum()} of {B} bootstrap resamples; "
                            "those draws have coverage ≈ 0 at every k"]
    assert np.all(np.isfinite(weak)) and weak[~zero, 0].min() > 1e-4
    assert fit.n_draws == B and fit.coverage_draws("strong", 100.0).shape[0] == B  # still paired
    lo, hi = np.percentile(weak[:, 1], [2.5, 97.5])
    assert lo < 1e-5 < float(fit.coverage("weak", 100.0)) < hi


def test_the_warning_survives_a_round_trip_and_reaches_the_cli(one_solved, tmp_path, cli):
    fit = fit_test_time(load_counts(str(one_solved)), "brown", bootstrap=B, seed=0)
    fit.save(tmp_path / "fit.json")
    assert TestTimeFit.load(tmp_path / "fit.json").warnings == fit.warnings
    proc = cli("test-time", "fit", str(one_solved), "--bootstrap", str(B), "--seed", "0")
    assert proc.returncode == 0, proc.stderr
    assert f"warning: {fit.warnings[0]}" in proc.stdout


def test_samples_zero_is_one_line_naming_the_flag(one_solved, cli):
    proc = cli("test-time", "fit", str(one_solved), "--samples", "0")
    assert proc.returncode == 2 and proc.stderr == "error: --samples must be a positive whole number, got 0\n"


def test_a_point_fit_on_nothing_solved_is_still_an_error():
    from scalinglab.errors import InputError
    from scalinglab.testtime.base import Samples

    with pytest.raises(InputError, match="no problem was solved"):
        get_test_time_law("brown").fit(Samples(n=np.full(8, 100), c=np.zeros(8, dtype=int)))
