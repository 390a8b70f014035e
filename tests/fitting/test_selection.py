"""Law selection by leave-largest-out extrapolation, with bootstrap intervals (library and CLI)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab.data.runs import load_runs
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.fitting.selection import SelectionResult, leave_largest_out, select_laws


@pytest.fixture(scope="module")
def runs():
    return load_runs("bundled:chinchilla", where="loss < 3.44", require=("N", "D", "C", "loss"))


@pytest.mark.parametrize("by", ["N", "D", "C"])
def test_split_holds_out_the_largest(runs, by: str) -> None:
    test = leave_largest_out(runs, by, 0.2)
    x = runs.column(by)
    assert test.sum() >= 0.2 * len(runs) and not test.all()
    assert x[test].min() > x[~test].max()  # every held-out run is larger than every train run


def test_chinchilla_beats_a_law_without_a_data_term(runs, tmp_path) -> None:
    """On Hoffmann et al.'s runs, leaving out the largest models: the N-and-D law extrapolates better than
    the size-only Kaplan law L(N), whose fit cannot see the token counts."""
    res = select_laws(runs, ["kaplan-n", "chinchilla"], split="N", bootstrap=30, seed=0)
    assert [s.law for s in res.scores] == ["chinchilla", "kaplan-n"]
    assert res.clearly_better is True and "clearly better" in res.verdict()
    for s in res.scores:
        assert s.interval[0] <= s.error <= s.interval[1]
    path = tmp_path / "sel.json"
    res.save(path)
    assert SelectionResult.load(path).to_dict() == res.to_dict()


def test_identical_candidates_are_not_clearly_different(runs) -> None:
    res = select_laws(runs, ["chinchilla", "chinchilla"], split="N", bootstrap=20, seed=1)
    assert res.clearly_better is False and "not clearly better" in res.verdict()


def test_a_law_that_cannot_be_fitted_ranks_last(runs) -> None:
    res = select_laws(runs, ["data-constrained", "chinchilla"], split="D", bootstrap=0)
    assert res.scores[0].law == "chinchilla" and res.scores[1].error is None
    assert res.scores[1].failed
    assert "no intervals" in res.verdict() and "RMSE log-loss" in res.text() and "failed" in res.text()


def test_bad_split_is_an_error(runs) -> None:
    with pytest.raises(ScalingLabError, match="split"):
        select_laws(runs, ["chinchilla"], split="loss")


def test_cli_json(cli) -> None:
    args = ["select", "bundled:chinchilla", "--where", "loss < 3.44", "--laws", "kaplan-n,compute",
            "--split", "C"]
    d = json.loads(cli(*args, "--bootstrap", "10", "--json", check=True).stdout)
    assert d["split"] == "C" and d["winner"] in ("compute", "kaplan-n") and len(d["ranking"]) == 2
    assert np.isfinite(d["ranking"][0]["rmse_log"]) and d["ranking"][0]["interval"] is not None


def test_cli_out_is_read_back_by_load(tmp_path, cli) -> None:
    """``select --out`` writes the ``--json`` document, and SelectionResult.load reads it back unchanged."""
    from scalinglab.results import Result

    out = tmp_path / "sel.json"
    args = ["select", "bundled:chinchilla", "--where", "loss < 3.44", "--laws", "kaplan-n,chinchilla",
            "--split", "N", "--bootstrap", "10", "--seed", "0", "--out", out]
    printed = json.loads(cli(*args, "--json", check=True).stdout)
    back = SelectionResult.load(out)
    assert isinstance(back, Result) and back.to_dict() == printed == json.loads(out.read_text())
    assert back.text() == cli(*args, check=True).stdout.rstrip("\n")
    assert "<pre" in back._repr_html_() and "chinchilla" in back._repr_html_()


def test_select_bad_out_and_bad_file(tmp_path, cli) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = cli("select", "bundled:chinchilla", "--laws", "chinchilla", "--out", blocker / "sel.json")
    assert proc.returncode == 2 and "is a file, not a folder" in proc.stderr and len(proc.stderr.splitlines()) == 1
    other = tmp_path / "fit.json"
    other.write_text(json.dumps({"kind": "fit", "law": "chinchilla"}))
    with pytest.raises(InputError, match="key 'kind'") as err:
        SelectionResult.load(other)
    assert str(other) in str(err.value)
