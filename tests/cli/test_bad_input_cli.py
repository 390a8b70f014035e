"""Issue #11's bad-input list through the real CLI: exit 2, one line naming the file (row/column where
there is one), no traceback, no output file.

Most cases call the CLI in-process (the same entry point as ``python -m scalinglab``); a representative few
(an output path, a data row/column, a float-range safety net, a JSON Lines line) run it as a real subprocess
(``cli_process``), so the exit code and the one stderr line are checked end to end as well."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from scalinglab.datasets import bundled_path


def _runs(n: int = 12) -> pd.DataFrame:
    N = [1e8 * 1.6**i for i in range(n)]
    D = [2e9 * 1.3**i for i in range(n)]
    loss = [1.8 + 400 / x**0.34 + 400 / y**0.28 for x, y in zip(N, D, strict=True)]
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


def _clean_error(proc, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert "np.float64" not in err and "np.True_" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.fixture
def fit_json(tmp_path: Path) -> dict:
    """A valid FIT.json document (the Chinchilla paper's Approach 3 constants, Hoffmann et al. Eq. 10)."""
    return {"law": "chinchilla", "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}}


def _write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc))
    return path


# -- output paths ------------------------------------------------------------------------------------------
def test_out_is_a_directory(tmp_path: Path, cli) -> None:
    _clean_error(cli("fit", "bundled:chinchilla", "--law", "compute", "--out", tmp_path), str(tmp_path),
                 "is a directory")


def test_fit_is_a_directory(tmp_path: Path, cli) -> None:
    _clean_error(cli("predict", "--fit", tmp_path, "--params", "1e9", "--tokens", "2e10"), str(tmp_path),
                 "is a directory")


def test_out_in_a_folder_that_cannot_be_written_is_refused_before_the_fit(tmp_path: Path, cli_process) -> None:
    # Tests run as root, and root may write into any folder whatever its mode, so a chmod-ed folder
    # cannot stand for "cannot be written" here. A parent that is a regular file fails for every user.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "fit.json"
    # --bootstrap 2000 would take minutes: the quick answer shows the check runs before any compute
    proc = cli_process("fit", "bundled:chinchilla", "--bootstrap", "2000", "--out", out, timeout=60)
    _clean_error(proc, str(out), "is a file, not a folder")
    proc = cli_process("report", "bundled:chinchilla", "--out", out, timeout=60)
    _clean_error(proc, str(out), "is a file, not a folder")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes into a mode-0555 folder; the parent-is-a-file test covers root")
def test_out_in_a_read_only_folder(tmp_path: Path, cli) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        _clean_error(cli("fit", "bundled:chinchilla", "--out", folder / "fit.json"), "no permission")
    finally:
        folder.chmod(0o755)


def test_read_only_out_file_is_not_overwritten(tmp_path: Path, cli) -> None:
    out = tmp_path / "fit.json"
    out.write_text("keep me")
    out.chmod(0o444)  # the mode bits are checked, so this holds for root too
    _clean_error(cli("fit", "bundled:chinchilla", "--law", "compute", "--out", out), str(out), "read-only")
    assert out.read_text() == "keep me"


# -- values near the float limit ------------------------------------------------------------------------
def test_runs_value_near_float_limit(tmp_path: Path, cli_process) -> None:
    df = _runs()
    df.loc[3, "N"] = 1e308
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    _clean_error(cli_process("fit", path, "--out", tmp_path / "f.json"), str(path), "row 4", "column 'N'",
                 "outside the supported range")
    assert not (tmp_path / "f.json").exists()


def test_derived_compute_out_of_range(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    pd.DataFrame({"N": [1e-10, 1e9], "C": [1e150, 1e20], "loss": [3.0, 2.9]}).to_csv(path, index=False)
    _clean_error(cli("fit", path), str(path), "row 1", "D = C/(6N)", "outside the supported range")


def test_curves_value_near_float_limit(tmp_path: Path, cli) -> None:
    rows = [{"model": m, "N": n, "D": d, "loss": 3.0 - 0.1 * i - 0.01 * j}
            for i, (m, n) in enumerate((("a", 1e8), ("b", 2e8), ("c", 4e8)))
            for j, d in enumerate((2e10, 4e10, 8e10))]
    rows[4]["D"] = 1e308
    path = tmp_path / "curves.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    _clean_error(cli("evaluate", path), str(path), "row 5", "column 'D'", "outside the supported range")


@pytest.mark.parametrize("command", [
    ("predict", "--params", "1e9", "--tokens", "2e10"), ("optimal", "--compute", "1e21"),
    ("report", "bundled:chinchilla", "--no-planners"),
    ("forecast", "CURVES", "--run", "a", "--final-tokens", "1e11")])
def test_fit_json_parameter_near_float_limit(tmp_path: Path, cli, fit_json: dict, command) -> None:
    fit_json["params"]["A"] = 1e308
    path = _write_json(tmp_path / "fit.json", fit_json)
    curves = tmp_path / "curves.csv"
    pd.DataFrame({"model": ["a"] * 3, "N": [1e8] * 3, "D": [2e10, 4e10, 6e10],
                  "loss": [3.0, 2.9, 2.85]}).to_csv(curves, index=False)
    args = [str(curves) if a == "CURVES" else a for a in command] + ["--fit", path]
    if command[0] == "report":
        args += ["--out", tmp_path / "r.html"]
    _clean_error(cli(*args), str(path), "key 'A'", "outside the supported range")
    assert not (tmp_path / "r.html").exists()


def test_huge_inputs_give_a_correct_short_answer(tmp_path: Path, cli, fit_json: dict) -> None:
    path = _write_json(tmp_path / "fit.json", fit_json)
    proc = cli("predict", "--fit", path, "--params", "1e308", "--tokens", "1e308", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["loss"] == pytest.approx(1.69)  # both terms vanish: L → E
    proc = cli("optimal", "--fit", path, "--compute", "1e308", "--json")
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert 6 * row["N"] * row["D"] == pytest.approx(1e308, rel=1e-9)  # C = 6ND holds at the limit


def test_overflowing_prediction_is_a_range_error_not_300_digits(tmp_path: Path, cli_process, fit_json: dict) -> None:
    fit_json["params"].update(A=1e100, alpha=5.0)  # allowed values: A / N^alpha overflows at N = 1e-300
    path = _write_json(tmp_path / "fit.json", fit_json)
    proc = cli_process("predict", "--fit", path, "--params", "1e-300", "--tokens", "2e10")
    _clean_error(proc, "outside the float range")
    fit_json["params"].update(alpha=0.001)  # a finite but huge loss, about 1e100
    path = _write_json(tmp_path / "fit.json", fit_json)
    proc = cli_process("predict", "--fit", path, "--params", "1e9", "--tokens", "2e10")
    assert proc.returncode == 0 and len(proc.stdout.strip()) < 80, proc.stdout  # 9.8e+99, not 100 digits
    assert "e+99" in proc.stdout


# -- skills and density tables with inf/NaN ---------------------------------------------------------------
def _edit_bundled(name: str, path: Path, row: int, column: str, value: str) -> Path:
    rows = list(csv.reader(bundled_path(name).open()))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize(("column", "value"), [("#Params (B)", "inf"), ("BBH", "inf"),
                                               ("Pretraining Data Size (T)", "-inf")])
def test_skills_fit_rejects_infinite_values(tmp_path: Path, cli, column: str, value: str) -> None:
    path = _edit_bundled("sloth_scores", tmp_path / "scores.csv", 3, column, value)
    _clean_error(cli("skills", "fit", path, "--out", tmp_path / "m.json"), str(path), "row 3",
                 f"column {column!r}", "finite")
    assert not (tmp_path / "m.json").exists()


def test_density_rejects_infinite_model_size(tmp_path: Path, cli) -> None:
    path = _edit_bundled("densing_models", tmp_path / "models.csv", 2, "Model Size (B)", "inf")
    _clean_error(cli("density", path, "-r", "Llama-2"), str(path), "row 2", "column 'Model Size (B)'",
                 "inf is not a finite number")


# -- --where --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["0", "1", "N", "N.sum() > 0"])
def test_where_must_be_row_wise(cli, where: str) -> None:
    _clean_error(cli("fit", "bundled:chinchilla", "--where", where), "bundled:chinchilla",
                 "must be a row-wise condition")


# -- file formats --------------------------------------------------------------------------------------------
def _history() -> pd.DataFrame:
    return pd.DataFrame({"_step": [1, 2, 3], "train/loss": [4.0, 3.5, 3.2], "tokens": [1e6, 2e6, 3e6]})


def _imported(cli, source: Path, out: Path) -> pd.DataFrame:
    """``import-curves`` reads a table through the one loader and writes it back: no fit, so quick."""
    cli("import-curves", source, "--params", "1e8", "--out", out, check=True)
    return pd.read_csv(out)


def test_semicolon_and_tab_separated_csv_are_detected(tmp_path: Path, cli) -> None:
    _history().to_csv(tmp_path / "comma.csv", index=False)
    want = _imported(cli, tmp_path / "comma.csv", tmp_path / "want.csv")
    for name, sep in (("semi", ";"), ("tab", "\t")):
        _history().to_csv(tmp_path / f"{name}.csv", index=False, sep=sep)
        got = _imported(cli, tmp_path / f"{name}.csv", tmp_path / f"{name}-out.csv")
        pd.testing.assert_frame_equal(got.drop(columns="model"), want.drop(columns="model"))
    path = tmp_path / "runs.csv"  # and a fit reads all rows of a semicolon-separated runs table
    _runs().to_csv(path, index=False, sep=";")
    assert json.loads(cli("fit", path, "--law", "compute", "--json", check=True).stdout)["n_points"] == 12


def test_duplicate_column_names(tmp_path: Path, cli) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss,N\n1e9,2e10,3.0,2e9\n")
    _clean_error(cli("fit", path), str(path), "column 'N'", "duplicate column name")
    jl = tmp_path / "runs.jsonl"
    jl.write_text('{"N": 1e9, "D": 2e10, "loss": 3.0, "N": 2e9}\n')
    _clean_error(cli("fit", jl), str(jl), "line 1", "duplicate key 'N'")


def test_json_with_a_bom_loads(tmp_path: Path, cli, fit_json: dict) -> None:
    plain = _write_json(tmp_path / "plain.json", fit_json)
    bom = tmp_path / "bom.json"
    bom.write_text(json.dumps(fit_json), encoding="utf-8-sig")
    got = [cli("predict", "--fit", p, "--params", "1e9", "--tokens", "2e10", check=True).stdout for p in (plain, bom)]
    assert got[0] == got[1]
    lines = "\n".join(json.dumps(r) for r in _history().to_dict("records"))
    (tmp_path / "plain.jsonl").write_text(lines)
    (tmp_path / "bom.jsonl").write_text(lines, encoding="utf-8-sig")
    got = [_imported(cli, tmp_path / f"{n}.jsonl", tmp_path / f"{n}.csv") for n in ("plain", "bom")]
    pd.testing.assert_frame_equal(got[0].drop(columns="model"), got[1].drop(columns="model"))


def test_jsonl_error_names_the_line(tmp_path: Path, cli_process) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text('{"N": 1e9, "D": 2e10, "loss": 3.0}\n\n{"N": 2e9, "D": \n')
    err = _clean_error(cli_process("fit", path), str(path), "line 3", "not valid JSON")
    assert "position" not in err and "char" not in err


def test_messages_show_plain_numbers(tmp_path: Path, cli) -> None:
    df = _runs().astype(object)
    df.loc[2, "D"] = "inf"
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    err = _clean_error(cli("fit", path), "row 3", "column 'D'", "value inf is infinite")
    assert "np." not in err


# -- import-curves and FIT.json ------------------------------------------------------------------------------
def test_import_curves_reports_dropped_rows(tmp_path: Path, cli) -> None:
    hist = tmp_path / "history.csv"
    pd.DataFrame({"_step": [1, 2, 3, 4, 5], "train/loss": [4.0, None, 3.5, "nan", 3.2],
                  "tokens": [1e6, 2e6, 3e6, 4e6, 0]}).to_csv(hist, index=False)
    out = tmp_path / "curves.csv"
    proc = cli("import-curves", hist, "--params", "1e8", "--out", out, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dropped"] == 3 and json.loads(proc.stdout)["rows"] == 2
    assert "dropped 3 row(s)" in proc.stderr
    assert len(pd.read_csv(out)) == 2


@pytest.mark.parametrize(("edit", "needles"), [
    (lambda d: d["params"].update(gamma=1.0), ("key 'params.gamma'", "unknown parameter 'gamma'")),
    (lambda d: d.update(ci="wide"), ("key 'ci'", "must be an object")),
    (lambda d: d.update(ci={"E": [1.0]}), ("key 'ci.E'", "[low, high]")),
    (lambda d: d.update(bootstrap={"draws": "many"}), ("key 'bootstrap.draws'", "parameter vectors")),
    (lambda d: d.update(bootstrap={"draws": [[1.0, 2.0]]}), ("key 'bootstrap.draws'", "each 5 numbers")),
    (lambda d: d.update(bootstrap={"draws": [[1.69, 406.4, 410.7, 0.34, "x"]]}),
     ("key 'bootstrap.draws[0]'", "finite number")),
])
def test_fit_json_with_bad_fields_is_refused(tmp_path: Path, cli, fit_json: dict, edit, needles) -> None:
    edit(fit_json)
    path = _write_json(tmp_path / "fit.json", fit_json)
    _clean_error(cli("predict", "--fit", path, "--params", "1e9", "--tokens", "2e10"), str(path), *needles)
