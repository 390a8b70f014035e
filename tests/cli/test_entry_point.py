"""The entry point builds only the command argv[1] names (cli/main.py's COMMANDS table): the table is what
the full application registers, and the one-command application answers exactly as the full one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from scalinglab.cli import main as cli_main
from scalinglab.fitting.result import FitResult

SRC = Path(__file__).resolve().parents[2] / "src"


def _names(application: typer.Typer) -> list[str]:
    return [c.name for c in application.registered_commands] + [g.name for g in application.registered_groups]


def test_command_table_is_what_the_full_app_registers() -> None:
    owners = {}
    for module in cli_main.COMMAND_MODULES:
        one = typer.Typer()
        cli_main.register(module, one)
        owners |= {name: module for name in _names(one)}
    assert cli_main.COMMANDS == owners
    assert sorted(_names(cli_main.app)) == sorted(cli_main.COMMANDS)
    for name in cli_main.COMMANDS:
        assert _names(cli_main.build_app(name)) == [name]


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["predictt"], ["-h"], ["--version", "fit"]])
def test_no_command_or_an_unknown_one_gets_the_full_app(args: list[str]) -> None:
    assert cli_main.app_for(args) is cli_main.app


@pytest.mark.parametrize("name", sorted(cli_main.COMMANDS))
def test_one_command_app_answers_as_the_full_app(name: str) -> None:
    """Help and a usage error of each command, through its own application and through the full one."""
    runner = CliRunner(env={"COLUMNS": "200"})
    assert _names(cli_main.app_for([name, "--help"])) == [name]
    for args in ([name, "--help"], [name, "--no-such-option"]):
        one = runner.invoke(cli_main.app_for(args), args, prog_name="scalinglab")
        full = runner.invoke(cli_main.app, args, prog_name="scalinglab")
        assert (one.exit_code, one.output) == (full.exit_code, full.output), args


def _fixture(folder: Path) -> None:
    fit = FitResult.from_preset("epoch2024")
    rng = np.random.default_rng(0)
    centre = np.array([fit.params[k] for k in fit.law.param_names])
    fit.draws = centre * (1 + 0.02 * rng.standard_normal((200, len(centre))))
    fit.save(folder / "fit.json")
    n, d = 10 ** rng.uniform(8, 11, 300), 10 ** rng.uniform(9, 12, 300)
    rows = "".join(f"{a!r},{b!r}\n" for a, b in zip(n.tolist(), d.tolist(), strict=True))
    (folder / "points.csv").write_text("N,D\n" + rows)
    (folder / "bad.csv").write_text("N,D\n1e9,2e10\n1e9,abc\n")


@pytest.mark.parametrize(("at", "extra"), [("points.csv", ["--out", "pred.csv"]), ("points.csv", ["--out", "pred.tsv"]),
                                           ("points.csv", ["--json"]), ("points.csv", []),
                                           ("bad.csv", ["--out", "pred.csv"])])
def test_predict_at_real_entry_point_equals_cli_runner(tmp_path: Path, monkeypatch, at: str, extra: list[str]) -> None:
    """``python -m scalinglab.cli.main predict --at`` (one-command app, fresh interpreter) and the full app
    in-process: the same exit code, stdout, stderr and output file bytes."""
    real, here = tmp_path / "real", tmp_path / "here"
    for folder in (real, here):
        folder.mkdir()
        _fixture(folder)
    args = ["predict", "--fit", "fit.json", "--at", at, *extra]
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "scalinglab.cli.main", *args], cwd=real, env=env,
                          capture_output=True, text=True, timeout=300)
    monkeypatch.chdir(here)
    res = CliRunner(env={"COLUMNS": "200"}).invoke(cli_main.app, args, prog_name="scalinglab")
    assert (proc.returncode, proc.stdout, proc.stderr) == (res.exit_code, res.stdout, res.stderr)
    bad = at == "bad.csv"
    assert proc.returncode == (2 if bad else 0), proc.stderr
    assert proc.stderr == ("error: bad.csv, row 2, column 'D': value 'abc' is not a number\n" if bad else "")
    outs = [p.name for p in real.iterdir() if p.name.startswith("pred")]
    assert outs == ([extra[1]] if "--out" in extra and not bad else [])
    for name in outs:
        assert (real / name).read_bytes() == (here / name).read_bytes()
