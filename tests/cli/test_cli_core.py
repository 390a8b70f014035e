"""The core commands end to end through the CLI (in-process, the entry point of ``python -m scalinglab``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_fit_json_keys_and_out_file(test_data, cli, tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    proc = cli("fit", test_data / "chinchilla" / "svg_extracted_data.csv", "--where", "loss < 3.44",
               "--bootstrap", "50", "--seed", "42", "--out", out, "--json", check=True)
    d = json.loads(proc.stdout)
    assert {"law", "params", "objective", "n_points", "fit_seconds", "ci", "optimal"} <= set(d)
    assert set(d["params"]) == {"E", "A", "B", "alpha", "beta"}
    assert d["n_points"] == 240
    assert d["objective"] == pytest.approx(0.00101827, rel=1e-5)
    assert set(d["optimal"]) == {"a", "b"}
    assert json.loads(out.read_text()) == d


def test_readable_report_on_bundled_data(cli) -> None:
    proc = cli("fit", "bundled:chinchilla", "--where", "loss < 3.44", check=True)
    assert "alpha" in proc.stdout and "N_opt" in proc.stdout and "5.88e+23" in proc.stdout


def test_predict_and_optimal_from_fit_file(cli, tmp_path: Path) -> None:
    fit = tmp_path / "fit.json"
    fit.write_text(json.dumps({"law": "chinchilla", "params": {"E": 1.8172, "A": 482.01, "B": 2085.43,
                                                                 "alpha": 0.3478, "beta": 0.3658}}))
    opt = json.loads(cli("optimal", "--fit", fit, "--compute", "5.88e23", "--json", check=True).stdout)
    assert opt["N"] == pytest.approx(7.30e10, rel=3e-3)
    assert opt["D"] == pytest.approx(1.342e12, rel=3e-3)
    assert opt["tokens_per_param"] == pytest.approx(18.4, abs=0.05)
    pred = json.loads(cli("predict", "--fit", fit, "--params", opt["N"], "--tokens", opt["D"], "--json",
                          check=True).stdout)
    assert pred["loss"] == pytest.approx(opt["loss"], rel=1e-9)
    expected = 1.8172 + 482.01 / opt["N"] ** 0.3478 + 2085.43 / opt["D"] ** 0.3658
    assert pred["loss"] == pytest.approx(expected, rel=1e-9)


def test_predict_interval_with_bootstrap_fit(test_data, cli, tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    cli("fit", test_data / "chinchilla" / "svg_extracted_data.csv", "--where", "loss < 3.44",
        "--bootstrap", "30", "--seed", "1", "--out", out, check=True)
    pred = json.loads(cli("predict", "--fit", out, "--params", "1e10", "--tokens", "2e11", "--json",
                          check=True).stdout)
    lo, hi = pred["interval"]
    assert lo < pred["loss"] < hi


@pytest.mark.parametrize("content", ["{not json", json.dumps({"law": "chinchilla", "params": {"E": 1}}),
                                     json.dumps({"law": "chinchilla", "params": {"E": -1, "A": 1, "B": 1,
                                                                                "alpha": 0.3, "beta": 0.3}})])
def test_bad_fit_file(cli, tmp_path: Path, content: str) -> None:
    fit = tmp_path / "fit.json"
    fit.write_text(content)
    proc = cli("predict", "--fit", fit, "--params", "1e9", "--tokens", "1e10")
    assert proc.returncode == 2
    assert str(fit) in proc.stderr and "Traceback" not in proc.stderr


def test_impossible_requests(cli) -> None:
    proc = cli("optimal", "--preset", "epoch2024", "--compute", "-5")
    assert proc.returncode == 2 and "positive" in proc.stderr
    proc = cli("predict", "--preset", "nope", "--params", "1e9", "--tokens", "1e10")
    assert proc.returncode == 2 and "unknown preset" in proc.stderr
    proc = cli("predict", "--preset", "epoch2024", "--params", "1e9")
    assert proc.returncode == 2 and "--tokens" in proc.stderr


def test_approach_2_cli(test_data, cli) -> None:
    d = json.loads(cli("fit", test_data / "chinchilla" / "svg_extracted_data.csv", "--where",
                       "loss < 3.44", "--approach", "2", "--json", check=True).stdout)
    assert d["a"] == pytest.approx(0.49, abs=0.03)


def test_laws_listing(cli) -> None:
    d = json.loads(cli("laws", "--json", check=True).stdout)
    assert "chinchilla" in d["laws"] and "epoch2024" in d["presets"]


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, scalinglab; print(sorted(m for m in ('numpy', 'pandas', 'torch', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
