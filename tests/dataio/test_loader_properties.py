"""Property-based tests of every file loader: any input either loads or raises the project's own error.

Runs and curves tables, score tables (Sloth and observational), FIT.json and saved Sloth models get
generated files: headers drawn from the real column names (duplicates included), cells from numbers,
text, blanks, inf/NaN and values near the float limit, three delimiters and JSON Lines, random bytes,
and for JSON documents random values put at every key. Examples are few and small so this stays fast.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalinglab.curves.estimate import load_curves
from scalinglab.data.runs import load_runs
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.loading import load_fit
from scalinglab.fitting.result import FitResult
from scalinglab.skills.observational import load_score_table
from scalinglab.skills.sloth import Sloth
from scalinglab.skills.sloth_data import load_scores

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SPECIAL = ["inf", "-inf", "nan", "NaN", "1e308", "-1e308", "1e-320", "0", "-0", "", " ", "1,5", "abc",
           "1e9", "2e10", "3.1", "0.5", "True", '"quoted, comma"']
good = st.floats(1e-3, 1e12).map(repr)
unit = st.floats(0.01, 1).map(repr)  # scores are fractions
bad = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                st.integers(-10**30, 10**30).map(str), st.text(max_size=6))
json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(-10**400, 10**400) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)

RUNS_COLUMNS = ["N", "D", "C", "loss", "model", "params", "tokens", "flops", "step", "seed", "x"]
SLOTH_COLUMNS = ["Model", "Family", "#Params (B)", "Pretraining Data Size (T)", "BBH", "GPQA"]
OBS_COLUMNS = ["Model", "MMLU", "GSM8K", "HumanEval", "x"]


def _tables(columns: list[str], usual: list[str], good: st.SearchStrategy = good) -> st.SearchStrategy:
    """(header, rows, suffix and delimiter): the usual columns in any order, or any drawn from ``columns``
    (duplicates included); rows mostly as wide as the header, with mostly valid numbers."""
    header = st.one_of(st.permutations(usual), st.permutations(usual),
                       st.lists(st.sampled_from(columns), min_size=1, max_size=6))

    def rows(h: list[str]) -> st.SearchStrategy:
        def of(c: st.SearchStrategy) -> st.SearchStrategy:
            return st.one_of(st.lists(c, min_size=len(h), max_size=len(h)), st.lists(c, max_size=7))

        bad_cells = st.one_of(*[good] * 9, bad)

        table = st.one_of(st.lists(st.lists(good, min_size=len(h), max_size=len(h)), max_size=10),
                          st.lists(of(bad_cells), max_size=10))  # half the tables entirely valid
        return st.tuples(st.just(h), table)

    formats = st.sampled_from([(".csv", ","), (".csv", ";"), (".csv", "\t"), (".tsv", "\t"), (".jsonl", None),
                               (".txt", ",")])
    return st.tuples(header.flatmap(rows), formats).map(lambda t: (*t[0], t[1]))


def _write(folder: Path, table) -> Path:
    header, rows, (suffix, sep) = table
    path = folder / f"table{suffix}"
    if sep is None:
        lines = [json.dumps(dict(zip(header, r, strict=False))) for r in rows]
        path.write_text("\n".join(lines) + ("\n" if lines else ""))
    else:
        with path.open("w", newline="") as fh:
            w = csv.writer(fh, delimiter=sep)
            w.writerow(header)
            w.writerows(rows)
    return path


def _loads_or_own_error(load, *args, **kwargs) -> Any:
    try:
        return load(*args, **kwargs)
    except ScalingLabError as exc:
        assert "\n" not in str(exc) and "np.float64" not in str(exc), str(exc)
        return None


@SETTINGS
@given(table=_tables(RUNS_COLUMNS, ["model", "N", "D", "loss"]))
def test_runs_loader(tmp_path: Path, table) -> None:
    runs = _loads_or_own_error(load_runs, _write(tmp_path, table))
    if runs is not None:  # what loads is valid: finite, positive, C = 6ND within range
        for col in ("N", "D", "C", "loss"):
            values = runs.column(col)
            assert np.all(np.isfinite(values)) and np.all(values > 0)


@SETTINGS
@given(table=_tables(RUNS_COLUMNS, ["model", "N", "D", "loss"]), drop=st.booleans())
def test_curves_loader(tmp_path: Path, table, drop: bool) -> None:
    curves = _loads_or_own_error(load_curves, _write(tmp_path, table), drop_invalid=drop)
    if curves is not None:
        assert len(curves) > 0 and np.all(np.isfinite(curves.D))


@SETTINGS
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".json", ".parquet"]))
def test_runs_loader_on_random_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"runs{suffix}"
    path.write_bytes(data)
    _loads_or_own_error(load_runs, path)


@SETTINGS
@given(table=_tables(SLOTH_COLUMNS, SLOTH_COLUMNS, unit))
def test_sloth_scores_loader(tmp_path: Path, table) -> None:
    scores = _loads_or_own_error(load_scores, _write(tmp_path, table), ["BBH", "GPQA"])
    if scores is not None and len(scores):
        assert np.all((scores.scores >= 0) & (scores.scores <= 1)) and np.all(scores.params_b > 0)


@SETTINGS
@given(table=_tables(OBS_COLUMNS, OBS_COLUMNS[:4], unit))
def test_observational_scores_loader(tmp_path: Path, table) -> None:
    _loads_or_own_error(load_score_table, _write(tmp_path, table), ["MMLU", "GSM8K"], target="HumanEval")


# -- JSON documents ------------------------------------------------------------------------------------------
FIT_KEYS = ["law", "params", "formula", "objective", "objective_spec", "n_points", "fit_seconds", "converged",
            "convergence", "warnings", "ci", "optimal", "source", "bootstrap", "zzz", "kind", "approach", "a", "b"]
numbers = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**400, 10**400),
                    st.sampled_from([0.34, 0.28, 1.69, 406.4, 1e308, 1e-308, 0.0]))
boot_docs = st.fixed_dictionaries({}, optional={
    "draws": st.lists(st.lists(numbers, max_size=6), max_size=3) | json_values, "seed": json_values})
valid_fit = st.fixed_dictionaries(
    {"law": st.just("chinchilla"),
     "params": st.fixed_dictionaries({k: st.floats(0.01, 1e4) for k in ("E", "A", "B", "alpha", "beta")})},
    optional={"objective": st.floats(0, 10), "n_points": st.integers(1, 100), "warnings": st.lists(st.text()),
              "converged": st.booleans(), "source": st.text(), "ci": st.dictionaries(
                  st.sampled_from(["E", "A"]), st.lists(st.floats(0, 1e3), min_size=2, max_size=2)),
              "bootstrap": st.fixed_dictionaries({"draws": st.lists(st.lists(st.floats(0.01, 1e4), min_size=5,
                                                                             max_size=5), min_size=1, max_size=4),
                                                  "seed": st.integers(0, 9)})})
valid_allocation = st.fixed_dictionaries(
    {"kind": st.just("allocation"), "approach": st.sampled_from([1, 2]), "a": st.floats(0, 1),
     "b": st.floats(0, 1), "log10_kN": st.floats(-5, 5), "log10_kD": st.floats(-5, 5)},
    optional={"points": json_values, "settings": json_values, "convention": json_values,
              "bootstrap": st.fixed_dictionaries({"draws": st.lists(st.lists(numbers, min_size=4, max_size=4),
                                                                    max_size=3) | json_values})})
fit_docs = valid_fit | valid_fit | valid_allocation | st.fixed_dictionaries(
    {"law": st.sampled_from(["chinchilla", "kaplan-n", "compute", "nope"]) | json_values,
     "params": st.dictionaries(st.sampled_from(["E", "A", "B", "alpha", "beta", "N_c", "alpha_N", "q"]),
                               numbers | json_values, max_size=6) | json_values},
    optional={**{k: json_values for k in FIT_KEYS[2:]}, "bootstrap": boot_docs | json_values})


def _dump(doc: Any) -> str:
    try:
        return json.dumps(doc)
    except ValueError:  # integers too long for str(): write what a file could hold instead
        return json.dumps(doc, default=str)[:1000]


@SETTINGS
@given(doc=fit_docs, bom=st.booleans())
def test_fit_json_loader(tmp_path: Path, doc: dict, bom: bool) -> None:
    path = tmp_path / "FIT.json"
    path.write_text(_dump(doc), encoding="utf-8-sig" if bom else "utf-8")
    _loads_or_own_error(load_fit, path)  # the CLI's loader: loss-law fits and allocation laws
    fit = _loads_or_own_error(FitResult.load, path)
    if fit is not None:  # a loaded fit is usable: finite parameters, a JSON round trip
        assert all(math.isfinite(v) for v in fit.params.values())
        again = FitResult.from_dict(json.loads(fit.to_json()), source="again")
        assert again.params == fit.params


@pytest.fixture(scope="module")
def sloth_doc() -> dict:
    """A real saved model (basic Sloth, tiny synthetic data: the fit takes well under a second)."""
    rng = np.random.default_rng(0)
    fams = np.repeat(["f0", "f1", "f2"], 3)
    size, tokens = np.exp(rng.uniform(0, 4, 9)), np.exp(rng.uniform(0, 2, 9))
    y = np.clip(0.2 + 0.1 * np.log(size)[:, None] + rng.normal(0, 0.01, (9, 2)), 0, 1)
    model = Sloth(1, "basic", seed=0, n_init=1, n_ensemble=1, max_iter=30)
    model.fit(size, tokens, fams, y, benchmarks=["b1", "b2"], floors=np.array([0.0, 0.25]))
    return json.loads(json.dumps(model.to_dict({"data": "synthetic"})))


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*prefix, i))
    return out


@SETTINGS
@given(data=st.data())
def test_sloth_model_loader(tmp_path: Path, sloth_doc: dict, data) -> None:
    doc = json.loads(json.dumps(sloth_doc))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(doc)))
        if not where:
            doc = data.draw(json_values)
            break
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(json_values | numbers)
    path = tmp_path / "model.json"
    path.write_text(_dump(doc))
    model = _loads_or_own_error(Sloth.load, path)
    if model is not None:
        assert model.benchmarks_
