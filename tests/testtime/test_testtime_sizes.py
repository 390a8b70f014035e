"""−log pass@k = E(k) + A(k)·N^−β(k) + B(k)·D^−γ(k) across Pythia sizes × checkpoints (Schaeffer, Levi,
Miranda & Koyejo 2025), fitted on the MATH checkpoint counts of tests/data/external/test_time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab.errors import InputError
from scalinglab.testtime.data import load_counts
from scalinglab.testtime.passk import coverage
from scalinglab.testtime.sizes import SizeLaw, fit_sizes


def test_law_across_sizes_and_tokens(test_data, tmp_path) -> None:
    counts = load_counts(test_data / "external/test_time/pythia_checkpoints_math.csv")
    law = fit_sizes(counts, (10,))
    errors = []
    for m in counts.models:
        g = counts.of(m)
        cov = coverage(g["n"].to_numpy(), g["c"].to_numpy(), [10])[0]
        if cov > 0:
            pred = law.predict(g["N"].iloc[0], g["D"].iloc[0], 10)
            errors.append(abs(np.log(pred) / np.log(cov) - 1))
    assert len(errors) == law.fits[10].n_points and np.median(errors) < 0.15
    # more parameters, and more tokens, give a higher pass@k
    assert law.predict(12e9, 3e11, 10) > law.predict(1e9, 3e11, 10) > law.predict(1e9, 2e10, 10)
    path = tmp_path / "sizes.json"
    law.save(path)
    again = SizeLaw.load(path)
    assert again.predict(2.8e9, 3e11, 10) == pytest.approx(law.predict(2.8e9, 3e11, 10), rel=1e-12)
    assert json.loads(path.read_text())["by_k"]["10"]["law"] == "chinchilla"


def test_needs_training_tokens(test_data) -> None:
    with pytest.raises(InputError, match="training tokens"):
        fit_sizes(load_counts(test_data / "external/test_time/monkeys_pythia_math_10k.csv"), (10,))
