"""Bug hunt: ``density --score-floor nan`` was a scipy traceback ("Initial guess is outside of provided
bounds"), ``--score-floor 1`` a float-range error, and ``--tokens-per-param nan`` / ``--tokens inf`` were
accepted."""

from __future__ import annotations

import pytest

from scalinglab.errors import InputError
from scalinglab.skills.densing import LossToScore


@pytest.mark.parametrize(("args", "needle"), [
    (("--score-floor", "nan"), "--score-floor (the sigmoid floor d) must be in [0, 1), got nan"),
    (("--score-floor", "1"), "--score-floor (the sigmoid floor d) must be in [0, 1), got 1"),
    (("--score-floor", "-0.1"), "--score-floor (the sigmoid floor d) must be in [0, 1), got -0.1"),
    (("--tokens-per-param", "nan"), "--tokens-per-param and --tokens must be positive"),
    (("--tokens", "inf"), "--tokens-per-param and --tokens must be positive"),
])
def test_density_bad_option_is_one_line(cli, args, needle) -> None:
    proc = cli("density", "bundled:densing_models", "-r", "Qwen1.5", *args)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    err = proc.stderr.strip()
    assert err == f"error: {needle}", err


def test_density_with_a_valid_floor_still_runs(cli) -> None:
    proc = cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--score-floor", "0.25")
    assert proc.returncode == 0, proc.stderr


def test_loss_to_score_refuses_a_floor_outside_0_1() -> None:
    with pytest.raises(InputError, match=r"`score_floor` \(the sigmoid floor d\) must be in \[0, 1\)"):
        LossToScore(floor=float("nan"))
