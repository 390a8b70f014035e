"""Edge-case inputs found by probing the CLI (bug hunt): each is one clear line, exit 2, no traceback, and
nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalinglab.datasets import bundled_path

COUNTS = Path(__file__).resolve().parents[1] / "data" / "external" / "test_time" / "monkeys_pythia_math_10k.csv"


def _clean_error(proc, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err and "Warning" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.mark.parametrize("value", ["nan", "inf", "1,nan", "-inf"])
@pytest.mark.parametrize("args", [("test-time", "fit", str(COUNTS)), ("test-time", "coverage", str(COUNTS))])
def test_ks_that_are_not_finite_are_one_line_naming_ks(cli, args, value) -> None:
    # --ks nan was a ValueError traceback (int(nan)); --ks inf an unnamed "outside the float range"
    _clean_error(cli(*args, "--ks", value), "--ks", "finite")


@pytest.mark.parametrize(("args", "flag"), [
    (("fit", str(bundled_path("chinchilla")), "--budgets"), "--budgets"),
    (("plan", "moe", "--compute", "1e22", "--granularities"), "--granularities"),
])
def test_float_lists_refuse_inf_naming_the_flag(cli, args, flag) -> None:
    # --budgets inf reached the library as "compute budget must be ..." (no flag); --granularities inf
    # printed RuntimeWarnings and a plan with loss nan
    proc = cli(*args, "inf")
    err = _clean_error(proc, flag, "finite")
    assert "nan" not in proc.stdout, proc.stdout
    assert "compute budget" not in err
