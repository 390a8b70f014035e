"""Bug hunt: forecast options that were accepted and gave a silently odd gate or forecast."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def family_fit(tmp_path_factory, scalinglab_cli) -> Path:
    out = tmp_path_factory.mktemp("forecast") / "fit.json"
    assert scalinglab_cli("fit", "bundled:chinchilla", "--out", out).returncode == 0
    return out


@pytest.mark.parametrize(("extra", "needle"), [
    (("--final-tokens", "inf"), "--final-tokens must be positive"),  # forecast "at inf tokens"
    (("--final-tokens", "3e11", "--tolerance", "nan"), "--tolerance"),  # gate "behind, tolerance nan %"
    (("--final-tokens", "3e11", "--tolerance", "-1"), "--tolerance"),  # gate "tolerance -100 %"
    (("--final-tokens", "3e11", "--target-loss", "nan"), "--target-loss"),  # "meets target nan: no"
    (("--final-tokens", "3e11", "--target-loss", "-1"), "--target-loss"),
    (("--final-tokens", "3e11", "--bootstrap", "-1"), "--bootstrap"),  # silently no interval
    (("--final-tokens", "3e11", "--min-tokens", "nan"), "--min-tokens"),
])
def test_bad_forecast_option_is_one_line_naming_it(cli, family_fit, extra, needle) -> None:
    proc = cli("forecast", "bundled:gpt3_curves", "--fit", family_fit, "--run", "gpt3-small", *extra)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and needle in err, err
    assert proc.stdout == ""


def test_zero_tolerance_and_no_bootstrap_still_forecast(cli, family_fit) -> None:
    proc = cli("forecast", "bundled:gpt3_curves", "--fit", family_fit, "--run", "gpt3-small", "--final-tokens",
               "3e11", "--tolerance", "0", "--bootstrap", "0")
    assert proc.returncode == 0, proc.stderr
    assert "Forecast at 3e+11 tokens" in proc.stdout
