"""Bug hunt: the objective's and the IsoFLOP bootstrap's checks named no flag ("Huber delta must be positive"),
and ``fit --delta inf`` was accepted (a Huber objective that is least squares in disguise)."""

from __future__ import annotations

import pytest

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.objectives import make_objective


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_delta_names_the_parameter(delta: float) -> None:
    with pytest.raises(ScalingLabError, match="Huber `delta` must be a positive finite number"):
        make_objective("huber", delta=delta)


@pytest.mark.parametrize(("args", "needle"), [
    (("--delta", "inf"), "error: Huber --delta must be a positive finite number, got inf"),
    (("--delta", "0"), "error: Huber --delta must be a positive finite number, got 0"),
    (("--loss", "asymmetric", "--tau", "2"), "error: asymmetric --tau must be in (0, 1), got 2"),
    (("--approach", "2", "--isoflop", "porian", "--seed-noise", "nan"),
     "error: the IsoFLOP bootstrap needs a positive --seed-noise, got nan"),
])
def test_fit_cli_names_the_flag(cli, args, needle) -> None:
    proc = cli("fit", "bundled:chinchilla", *args)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert proc.stderr.strip() == needle, proc.stderr


def test_finite_delta_still_fits() -> None:
    assert make_objective("huber", delta=1e-3).delta == 1e-3
