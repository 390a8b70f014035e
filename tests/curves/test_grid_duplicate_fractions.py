"""Bug hunt: ``evaluate --grid --fractions 0.5,0.5`` was a pandas traceback (duplicate index when pivoting)."""

from __future__ import annotations

import pytest

from scalinglab.curves import load_curves
from scalinglab.curves.evaluate import are_grid
from scalinglab.errors import InputError


def test_grid_refuses_a_repeated_fraction_naming_it(cli) -> None:
    proc = cli("evaluate", "bundled:gpt3_curves", "--grid", "--fractions", "0.5,0.3,0.5")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "--fractions" in err and "0.5 more than once" in err, err


def test_are_grid_checks_before_fitting() -> None:
    with pytest.raises(InputError, match="`fractions` lists 0.2 more than once"):
        are_grid(load_curves("bundled:gpt3_curves"), fractions=[0.2, 0.2])
