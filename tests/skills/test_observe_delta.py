"""Bug hunt: ``observe fit --target GSM8K --delta 0`` exited 0 with the sigmoid left at its start values
(weights 0.010, "predicted" scores all alike); nan did the same."""

from __future__ import annotations

import pytest

from scalinglab.errors import InputError
from scalinglab.skills.observational import SigmoidLink

BENCH = "MMLU,ARC-C,HellaSwag,Winograd"


@pytest.mark.parametrize("delta", ["0", "nan", "-1"])
def test_bad_delta_is_one_line_naming_it(cli, delta) -> None:
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--target", "GSM8K", "--benchmarks", BENCH,
               "--delta", delta)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert proc.stderr.strip() == (f"error: --delta (the Huber threshold) must be a positive finite number, "
                                   f"got {float(delta):g}"), proc.stderr


def test_default_delta_still_fits(cli) -> None:
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--target", "GSM8K", "--benchmarks", BENCH)
    assert proc.returncode == 0, proc.stderr
    assert "+0.010·PC1 +0.010·PC2" not in proc.stdout


def test_sigmoid_link_checks_delta() -> None:
    with pytest.raises(InputError, match="`delta`"):
        SigmoidLink(delta=float("inf"))
