"""predict --at's pandas-free reader: the same numbers as the full loader, and it steps aside otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglab.data.fastcsv import read_law_inputs_fast
from scalinglab.data.runs import load_law_inputs
from scalinglab.fitting.points import delimited, percentiles, predict_columns, write_predictions
from scalinglab.fitting.result import FitResult
from scalinglab.laws import get_law

SRC = Path(__file__).resolve().parents[2] / "src"


def boot_fit(draws: int = 50) -> FitResult:
    fit = FitResult.from_preset("epoch2024")
    rng = np.random.default_rng(0)
    centre = np.array([fit.params[k] for k in fit.law.param_names])
    fit.draws = centre * (1 + 0.02 * rng.standard_normal((draws, len(centre))))
    return fit


def points_file(tmp_path: Path, text: str, name: str = "points.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_fast_and_full_loaders_read_the_same_numbers(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"model": [f"m{i}" for i in range(300)], "params": 10 ** rng.uniform(7, 11, 300),
                          "tokens": 10 ** rng.uniform(9, 12, 300), "loss": rng.uniform(2, 4, 300)})
    path = tmp_path / "points.csv"
    frame.to_csv(path, index=False)
    law = get_law("chinchilla")
    fast = read_law_inputs_fast(path, law)
    full = load_law_inputs(path, law, with_loss=False)
    assert fast is not None
    for k in law.inputs:
        np.testing.assert_array_equal(fast[k], full.column(law.column_of(k)))
    tsv = tmp_path / "points.tsv"
    frame.to_csv(tsv, index=False, sep="\t")
    np.testing.assert_array_equal(read_law_inputs_fast(tsv, law)["N"], fast["N"])
    mapped = points_file(tmp_path, "size,toks\n1e9,2e10\n3e9,4e10\n", "mapped.csv")
    got = read_law_inputs_fast(mapped, law, {"N": "size", "D": "toks"})
    np.testing.assert_array_equal(got["N"], [1e9, 3e9])


@pytest.mark.parametrize("text", [
    "N,D\n1e9,2e10\n-5,2e10\n",            # a non-positive value: the full loader names row and column
    "N,D\n1e9,2e10\n1e9,\n",               # a missing cell
    "N,D\n1e9,2e10\n1e9,abc\n",            # not a number
    "N,D\n1e9,2e10\n1_000,2e10\n",         # float() reads 1_000, pandas does not
    "N,D\n1e9, 2e10\n",                    # surrounding space
    "N,D\n1e9,inf\n",                      # infinite
    "N,D\n1e200,2e10\n",                   # beyond LIMIT
    "N,C\n1e9,1.2e20\n",                   # D derived from C/(6N): the full loader's job
    "N,D,loss\n1e9,2e10,-1\n",             # a canonical column (loss) must be valid even if unused
    "N,n,D\n1e9,1,2e10\n",                 # two names equal up to case
    "N,D\n1e9,2e10,7\n",                   # a row longer than the header
    "N,D\n",                               # no data rows
])
def test_fast_reader_steps_aside_when_the_full_loader_must_decide(tmp_path: Path, text: str) -> None:
    assert read_law_inputs_fast(points_file(tmp_path, text), get_law("chinchilla")) is None


def test_fast_reader_steps_aside_for_other_formats_products_and_unknown_cols(tmp_path: Path) -> None:
    law = get_law("chinchilla")
    assert read_law_inputs_fast(points_file(tmp_path, '{"N": 1e9, "D": 2e10}\n', "p.jsonl"), law) is None
    ok = points_file(tmp_path, "N,D\n1e9,2e10\n")
    assert read_law_inputs_fast(ok, law, {"loss": "D"}) is None        # not an input of the law
    assert read_law_inputs_fast(ok, law, {"N": "nope"}) is None        # no such column
    vocab = points_file(tmp_path, "N,vocab_size,embed_dim,H\n1e8,32000,512,1e9\n", "v.csv")
    assert read_law_inputs_fast(vocab, get_law("vocab")) is None      # Nv = V·d: a product input


def test_predictions_equal_through_either_path_and_csv_text_equals_pandas(tmp_path: Path) -> None:
    fit = boot_fit()
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"N": 10 ** rng.uniform(8, 11, 500), "D": 10 ** rng.uniform(9, 12, 500)})
    path = tmp_path / "points.csv"
    frame.to_csv(path, index=False)
    via_file = predict_columns(fit, path)  # the fast reader
    via_frame = predict_columns(fit, frame)  # a DataFrame: the full loader
    assert list(via_file) == ["N", "D", "loss", "loss_lo", "loss_hi"]
    for k in via_file:
        np.testing.assert_array_equal(via_file[k], via_frame[k])
    as_frame = pd.DataFrame(via_file)
    for sep in (",", "\t"):
        assert delimited(via_file, sep) == as_frame.to_csv(index=False, sep=sep, float_format="%.10g")
    as_frame.loc[3, "loss"] = np.nan  # NaN: pandas' empty cell
    assert delimited(as_frame, ",") == as_frame.to_csv(index=False, float_format="%.10g")
    out = tmp_path / "pred.parquet"
    write_predictions(via_file, out)
    np.testing.assert_array_equal(pd.read_parquet(out)["loss"].to_numpy(), via_file["loss"])


def test_predict_at_a_plain_csv_does_not_import_pandas(tmp_path: Path) -> None:
    """The import cost of pandas is most of a 10,000-point `predict --at`; a plain CSV path avoids it."""
    fit_path = tmp_path / "fit.json"
    boot_fit().save(fit_path)
    points = points_file(tmp_path, "N,D\n1e9,2e10\n3e9,6e10\n")
    out = tmp_path / "pred.csv"
    code = ("import sys\nfrom scalinglab.cli.main import app\n"
            f"try:\n    app(['predict', '--fit', {str(fit_path)!r}, '--at', {str(points)!r}, '--out', {str(out)!r}])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print('pandas' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"
    assert len(pd.read_csv(out)) == 2


@pytest.mark.parametrize("k", [1, 2, 7, 199, 200, 1000])
def test_percentiles_equal_numpy_bit_for_bit(k: int) -> None:
    rng = np.random.default_rng(k)
    a = np.exp(rng.standard_normal((k, 257)))
    for qs in ((2.5, 97.5), (0.0, 100.0), (50.0,), (16.0, 84.0)):
        for ours, ref in zip(percentiles(a, qs), np.percentile(a, list(qs), axis=0), strict=True):
            np.testing.assert_array_equal(ours, ref)
    a[3 % k, 5] = np.inf  # non-finite draws: numpy's own routine (inf − inf warns inside numpy)
    with np.errstate(invalid="ignore"):
        pairs = zip(percentiles(a, (2.5, 97.5)), np.percentile(a, [2.5, 97.5], axis=0), strict=True)
        for ours, ref in pairs:
            np.testing.assert_array_equal(ours, ref)
