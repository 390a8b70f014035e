"""Every --out of fit (Approach 1, 2 and 3) is read back by predict/optimal; allocation presets and
compute conventions; predict --at a table of points. In-process through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from scalinglab.cli.main import app

PORIAN_TUNED = "config == 'rw|tuned|short|const|standard|val'"


def run(*args) -> dict | str:
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output + str(res.exception)
    return json.loads(res.stdout) if "--json" in args else res.stdout


@pytest.fixture(scope="module")
def porian_csv(test_data) -> Path:
    return test_data / "external" / "porian2024" / "isoflop_runs.csv"


@pytest.fixture(scope="module")
def boot_fit(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fit") / "fit.json"
    run("fit", "bundled:chinchilla", "--where", "loss < 3.44", "--bootstrap", "20", "--seed", "0", "--out", path)
    return path


@pytest.mark.parametrize("approach", ["1", "2-parabola", "2-porian", "3"])
def test_every_fit_out_is_read_by_predict_and_optimal(approach: str, porian_csv, boot_fit, tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    if approach == "3":
        out = boot_fit  # `fit --bootstrap 20 --out` (the module's fixture)
    elif approach == "1":
        run("fit", "bundled:chinchilla", "--approach", "1", "--out", out)
    else:
        run("fit", porian_csv, "--where", PORIAN_TUNED, "--approach", "2", "--isoflop", approach[2:],
            "--seed-noise", "0.002", "--bootstrap", "200", "--out", out)
    written = json.loads(out.read_text())
    opt = run("optimal", "--fit", out, "--compute", "1e22", "--json")
    pred = run("predict", "--fit", out, "--compute", "1e22", "--json") if approach != "3" else \
        run("predict", "--fit", out, "--params", opt["N"], "--tokens", opt["D"], "--json")
    assert opt["N"] > 0 and opt["D"] > 0
    if approach == "3":
        assert pred["loss"] == pytest.approx(opt["loss"], rel=1e-9)
        return
    # an allocation law: N*(C) = 10^log10_kN · C^a exactly as written; the loss from L*(C) of the optima
    assert opt["N"] == pytest.approx(10 ** written["log10_kN"] * 1e22 ** written["a"], rel=1e-9)
    assert pred["N"] == pytest.approx(opt["N"], rel=1e-12) and 1.5 < pred["loss"] < 4.0
    if approach == "2-porian":
        assert pred["N_interval"][0] < pred["N"] < pred["N_interval"][1]


def test_fit_file_written_before_the_protocol_still_loads(tmp_path: Path) -> None:
    """An approach file of the previous shape (no 'kind', an 'allocation' list) is an allocation law."""
    old = {"approach": 2, "a": 0.5, "b": 0.5, "log10_kN": -1.0, "log10_kD": 0.0, "points": [],
           "allocation": [{"C": 1e21, "N": 1e9, "D": 1e11}], "n_points": 3, "source": "x.csv"}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    assert run("optimal", "--fit", path, "--compute", "1e20", "--json")["N"] == pytest.approx(1e-1 * 1e10)


def test_allocation_fit_without_a_budget_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    run("fit", "bundled:chinchilla", "--approach", "1", "--out", path)
    res = CliRunner().invoke(app, ["predict", "--fit", str(path), "--params", "1e9"])
    assert res.exit_code == 2 and "--compute" in res.stderr


def test_deepseek_allocation_preset() -> None:
    """DeepSeek LLM 2024, Sec. 3.2: M_opt = 0.1715·C^0.5243, D_opt = 5.8316·C^0.4757, with C = M·D."""
    for C in (1e20, 3e23):
        row = run("optimal", "--preset", "deepseek2024", "--compute", C, "--json")
        assert row["M"] == pytest.approx(0.1715 * C ** 0.5243, rel=1e-9)
        assert row["D"] == pytest.approx(5.8316 * C ** 0.4757, rel=1e-9)
        assert row["M"] * row["D"] == pytest.approx(C, rel=2e-4)  # the published laws multiply back to C
    res = CliRunner().invoke(app, ["optimal", "--preset", "deepseek2024", "--compute", "1e22",
                                   "--compute-convention", "6nd"])
    assert res.exit_code == 2 and "deepseek" in res.stderr


def test_llama3_allocation_preset() -> None:
    """Llama 3 (2024), Sec. 3.2.1: optimal training tokens N*(C) = 0.29·C^0.53; parameters from C = 6ND."""
    row = run("optimal", "--preset", "llama3-2024", "--compute", "3.8e25", "--json")
    assert row["D"] == pytest.approx(0.29 * 3.8e25 ** 0.53, rel=1e-9)
    assert 6 * row["N"] * row["D"] == pytest.approx(3.8e25, rel=1e-9)


def test_deepseek_compute_convention_with_a_loss_law() -> None:
    """C = M·D with M = 72·n_layer·d_model² + 12·n_layer·d_model·l_seq (DeepSeek LLM, Sec. 3.2)."""
    from scalinglab.planning.conventions import Convention, deepseek_flops_per_token

    # DeepSeek LLM 7B's shape (30 layers, d_model 4096, 4096-token context): attention adds l_seq/(6 d_model)
    six_n1 = 72 * 30 * 4096 ** 2
    assert deepseek_flops_per_token(30, 4096, 4096) / six_n1 == pytest.approx(1 + 4096 / (6 * 4096))
    six = run("optimal", "--preset", "epoch2024", "--compute", "1e22", "--json")
    ds = run("optimal", "--preset", "epoch2024", "--compute", "1e22", "--compute-convention", "deepseek", "--json")
    conv = Convention("deepseek")
    assert ds["M"] * ds["D"] == pytest.approx(1e22, rel=1e-9)
    assert ds["M"] == pytest.approx(float(conv.flops_per_token(ds["N"])), rel=1e-9)
    assert ds["M"] > 6 * ds["N"] and ds["loss"] > six["loss"]  # attention FLOPs buy nothing in this law
    # under 6nd the convention minimiser agrees with the law's own closed form
    from scalinglab.fitting.result import FitResult
    from scalinglab.planning.conventions import optimal_under

    fit = FitResult.from_preset("epoch2024")
    numeric = optimal_under(fit.law.predict, fit.params, np.array([1e22]), Convention("6nd"))
    assert float(numeric["N"][0]) == pytest.approx(six["N"], rel=1e-5)


def test_predict_at_a_table_of_points(boot_fit: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pts = pd.DataFrame({"params": 10 ** rng.uniform(8, 11, 10_000), "tokens": 10 ** rng.uniform(9, 12, 10_000)})
    src, out = tmp_path / "points.csv", tmp_path / "pred.csv"
    pts.to_csv(src, index=False)
    run("predict", "--fit", boot_fit, "--at", src, "--out", out)
    got = pd.read_csv(out)
    assert list(got.columns) == ["N", "D", "loss", "loss_lo", "loss_hi"] and len(got) == 10_000
    one = run("predict", "--fit", boot_fit, "--params", got.N[7], "--tokens", got.D[7], "--json")
    assert got.loss[7] == pytest.approx(one["loss"], rel=1e-8)
    assert got.loss_lo[7] == pytest.approx(one["interval"][0], rel=1e-8)
    assert (got.loss_lo <= got.loss).all() and (got.loss <= got.loss_hi).all()


def test_predict_at_bad_row_names_file_row_column(boot_fit: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "points.csv", tmp_path / "pred.csv"
    src.write_text("N,D\n1e9,2e10\n-5,2e10\n")
    res = CliRunner().invoke(app, ["predict", "--fit", str(boot_fit), "--at", str(src), "--out", str(out)])
    assert res.exit_code == 2 and "row 2" in res.stderr and "'N'" in res.stderr
    assert not out.exists()


def test_planner_refuses_an_allocation_law_in_one_line() -> None:
    res = CliRunner().invoke(app, ["plan", "inference", "--preset", "deepseek2024", "--inference-tokens", "1e12",
                                   "--reference-params", "7e9"])
    assert res.exit_code == 2 and "allocation law" in res.stderr and "optimal" in res.stderr
