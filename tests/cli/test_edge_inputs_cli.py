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


def test_test_time_fit_refuses_a_plot_format_before_fitting(cli, tmp_path: Path) -> None:
    # was a matplotlib ValueError traceback after the fit; --out was then already written or not
    out, plot = tmp_path / "fit.json", tmp_path / "coverage.xyz"
    _clean_error(cli("test-time", "fit", str(COUNTS), "--out", out, "--plot", plot), "--plot", str(plot),
                 ".png, .svg or .pdf")
    assert not out.exists() and not plot.exists()


def test_test_time_fit_still_writes_pdf(cli, tmp_path: Path) -> None:
    plot = tmp_path / "coverage.pdf"
    proc = cli("test-time", "fit", str(COUNTS), "--models", "Pythia 12B", "--plot", plot)
    assert proc.returncode == 0, proc.stderr
    assert plot.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("sub", [("test-time", "fit", str(COUNTS)), ("test-time", "sizes", str(COUNTS))])
def test_test_time_out_inside_a_file_is_refused_up_front(cli, tmp_path: Path, sub) -> None:
    # was "cannot write: File exists" at the end (after the fit), not the reason
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _clean_error(cli(*sub, "--out", blocker / "x.json"), "is a file, not a folder")


def test_plan_test_time_refuses_a_plot_format_before_planning(cli, tmp_path: Path) -> None:
    fit = tmp_path / "tt.json"
    assert cli("test-time", "fit", str(COUNTS), "--out", fit).returncode == 0
    out, plot = tmp_path / "plan.json", tmp_path / "frontier.xyz"
    _clean_error(cli("plan", "test-time", "--test-time-fit", fit, "--queries", "1e6", "--output-tokens", "100",
                     "--train-tokens", "3e11", "--budget-flops", "1e24", "--out", out, "--plot", plot),
                 "--plot", ".png, .svg or .pdf")
    assert not out.exists() and not plot.exists()
