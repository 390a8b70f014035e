"""Bug hunt: ``predict --params inf`` printed a loss (and "C = inf FLOPs is infx the largest run").
(Finite huge inputs, N = D = 1e308, keep predicting L -> E: tests/cli/test_bad_input_cli.py.)"""

from __future__ import annotations

import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.points import predict_point
from scalinglab.fitting.result import FitResult
from scalinglab.laws.registry import get_law

CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, Eq. 10


@pytest.fixture
def fit() -> FitResult:
    return FitResult(get_law("chinchilla"), CHINCHILLA)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"params": float("inf"), "tokens": 2e10}, "`params` must be a finite number, got inf"),
    ({"params": 1e9, "tokens": float("inf")}, "`tokens` must be a finite number, got inf"),
])
def test_non_finite_inputs_are_refused(fit: FitResult, kwargs, needle) -> None:
    with pytest.raises(ScalingLabError, match=needle.replace("(", r"\(")):
        predict_point(fit, **kwargs)


def test_cli_names_the_flag(cli, tmp_path) -> None:
    out = tmp_path / "fit.json"
    assert cli("fit", "bundled:chinchilla", "--out", out).returncode == 0
    proc = cli("predict", "--fit", out, "--params", "inf", "--tokens", "2e10")
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert proc.stderr.strip() == "error: --params must be a finite number, got inf", proc.stderr


def test_finite_point_still_predicts(fit: FitResult) -> None:
    pred = predict_point(fit, params=1e9, tokens=2e10)
    assert pred.inputs == {"N": 1e9, "D": 2e10} and 2.4 < pred.loss < 2.7
