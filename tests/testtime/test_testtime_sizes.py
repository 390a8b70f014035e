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


def test_cli_sizes_then_plan_unmeasured_sizes(cli, test_data, tmp_path) -> None:
    # Pythia sizes are 14M … 12B (1.4B, 2.8B, 6.9B among them): 5e9 and 2e10 were never trained.
    law_path, plan_path = tmp_path / "sizes.json", tmp_path / "plan.json"
    cli("test-time", "sizes", test_data / "external/test_time/pythia_checkpoints_math.csv", "--ks", "10",
        "--bootstrap", "4", "--seed", "1", "--out", law_path, check=True)
    law = SizeLaw.load(law_path)
    assert law.ks == (10,) and law.fits[10].draws.shape == (4, 5)
    d = json.loads(cli("plan", "test-time", "--size-law", law_path, "--sizes", "1e9,5e9,2e10", "--queries", "1e6",
                       "--output-tokens", "300", "--train-tokens", "3e11", "--budget-flops", "1e23", "--json",
                       "--out", plan_path, check=True).stdout)
    by = {(c["N"], c["k"]): c for c in d["candidates"]}
    assert set(by) == {(N, 10) for N in (1e9, 5e9, 2e10)}
    assert by[(5e9, 10)]["accuracy"] == pytest.approx(float(law.predict(5e9, 3e11, 10)), rel=1e-12)
    lo, hi = by[(5e9, 10)]["accuracy_interval"]
    assert lo <= hi and d["law"] == "sizes"
    from scalinglab.planning.test_time_budget import TestTimePlan

    assert TestTimePlan.load(plan_path).best.to_dict() == d["best"]
    proc = cli("plan", "test-time", "--size-law", law_path, "--queries", "1e6", "--output-tokens", "300",
               "--budget-flops", "1e23")
    assert proc.returncode == 2 and "--sizes" in proc.stderr and "Traceback" not in proc.stderr


def test_size_law_file_errors_name_the_key(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"by_k": {"10": {"law": "chinchilla", "params": {"E": 1.0}}}}))
    with pytest.raises(InputError, match=r"bad.json.*by_k\.10"):
        SizeLaw.load(path)
    path.write_text(json.dumps({"by_k": {"ten": {}}}))
    with pytest.raises(InputError, match="positive whole number"):
        SizeLaw.load(path)
