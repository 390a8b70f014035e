"""Bug hunt: ``select --split X`` was a KeyError traceback; ``--bootstrap -1`` and ``--seed -1`` exited 0 with
every law's row "failed"."""

from __future__ import annotations

import pytest

from scalinglab.data.runs import load_runs
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.selection import select_laws


@pytest.mark.parametrize(("args", "needle"), [
    (("--split", "X"), "error: --split must be one of N, D, C, got 'X'"),
    (("--bootstrap", "-1"), "error: --bootstrap must be 0 or a positive number of resamples, got -1"),
    (("--bootstrap", "2", "--seed", "-1"), "error: --seed must be a non-negative whole number, got -1"),
])
def test_select_bad_option_is_one_line_and_exit_2(cli, args, needle) -> None:
    proc = cli("select", "bundled:chinchilla", "--laws", "chinchilla,kaplan", *args)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert proc.stderr.strip() == needle, proc.stderr


def test_select_laws_checks_before_any_fit() -> None:
    runs = load_runs("bundled:chinchilla")
    with pytest.raises(ScalingLabError, match="`bootstrap` must be 0"):
        select_laws(runs, ["chinchilla"], bootstrap=-3)
