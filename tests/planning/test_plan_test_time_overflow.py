"""Bug hunt, plan test-time: a cost that overflows was reported as "the cheapest ... costs nan FLOPs" (with k
printed as a 300-digit integer), and a bad budget said "the budget must be positive" (no flag)."""

from __future__ import annotations

from pathlib import Path

import pytest

COUNTS = Path(__file__).resolve().parents[1] / "data" / "external" / "test_time" / "monkeys_pythia_math_10k.csv"


@pytest.fixture(scope="module")
def tt_fit(tmp_path_factory, scalinglab_cli) -> Path:
    out = tmp_path_factory.mktemp("tt") / "tt.json"
    assert scalinglab_cli("test-time", "fit", str(COUNTS), "--models", "Pythia 70M,Pythia 12B",
                          "--out", out).returncode == 0
    return out


def _plan(cli, fit: Path, *extra: str):
    return cli("plan", "test-time", "--test-time-fit", fit, "--output-tokens", "100", "--train-tokens", "3e11",
               *extra)


@pytest.mark.parametrize(("extra", "needle"), [
    (("--queries", "1e6", "--budget-flops", "1e24", "--ks", "1e308"),
     "the lifetime cost of Pythia 70M at k = 1e+308 is outside the float range"),
    (("--queries", "1e308", "--budget-flops", "1e24"), "the lifetime cost of Pythia 70M at k = 1 is outside"),
    (("--queries", "1e6", "--budget-flops", "0"), "--budget-flops must be positive, got 0"),
    (("--queries", "1e6", "--budget-dollars", "nan"), "--budget-dollars must be positive, got nan"),
])
def test_plan_test_time_bad_inputs_are_one_clear_line(cli, tt_fit, extra, needle) -> None:
    proc = _plan(cli, tt_fit, *extra)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    err = proc.stderr.strip()
    assert err.startswith("error: ") and needle in err and "nan FLOPs" not in err, err
    assert len(err) < 300, err


def test_plan_test_time_still_plans(cli, tt_fit) -> None:
    proc = _plan(cli, tt_fit, "--queries", "1e6", "--budget-flops", "1e24", "--ks", "1,10,100")
    assert proc.returncode == 0, proc.stderr
    assert "best" in proc.stdout
