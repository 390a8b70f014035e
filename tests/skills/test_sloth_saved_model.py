"""Saved Sloth models: JSON round trip, ``skills fit --out`` / ``skills predict --model``, bad files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.skills.sloth import METHODS, Sloth
from scalinglab.skills.sloth_io import FORMAT, FORMAT_VERSION

V2 = ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"]


def _synthetic(seed: int = 0, n_fam: int = 6, per_fam: int = 4, J: int = 4):
    """Scores from the basic Sloth model (d = 2) with known parameters, plus a little noise."""
    rng = np.random.default_rng(seed)
    fams = np.repeat([f"fam{i}" for i in range(n_fam)], per_fam)
    size = np.exp(rng.uniform(np.log(0.3), np.log(70), len(fams)))
    tokens = np.exp(rng.uniform(np.log(0.3), np.log(15), len(fams)))
    feats = np.column_stack([np.log(tokens), np.log(size), np.log(size) * np.log(tokens)])
    theta = feats @ np.array([[0.4, 0.1], [0.5, 0.3], [0.05, 0.02]])
    theta += rng.normal(0, 0.5, (n_fam, 2))[np.repeat(np.arange(n_fam), per_fam)]
    floors = np.array([0.25, 0.0, 0.1, 0.5])[:J]
    lam = np.abs(rng.normal(0.8, 0.3, (2, J)))
    y = floors + (1 - floors) / (1 + np.exp(-(theta @ lam - 1.5)))
    y = np.clip(y + rng.normal(0, 0.005, y.shape), 0, 1)
    return fams, size, tokens, y, floors


def _fit(method: str) -> tuple[Sloth, tuple]:
    fams, size, tokens, y, floors = data = _synthetic()
    model = Sloth(2, method, seed=3, n_init=2, n_ensemble=2, max_iter=150)
    model.fit(size, tokens, fams, y, benchmarks=["b1", "b2", "b3", "b4"], floors=floors)
    return model, data


@pytest.mark.parametrize("method", METHODS)
def test_loaded_model_predicts_like_the_fitted_one(method, tmp_path):
    model, (fams, size, tokens, _, _) = _fit(method)
    path = tmp_path / "model.json"
    model.save(path, provenance={"data": "synthetic", "suite": None})
    loaded = Sloth.load(path)
    raw = json.loads(path.read_text())
    assert raw["format"] == FORMAT and raw["format_version"] == FORMAT_VERSION
    assert raw["method"] == method and raw["provenance"]["data"] == "synthetic"
    assert raw["link"] == ("monotone" if method == "sloth" else "sigmoid")
    assert raw["families"] == [f"fam{i}" for i in range(6)] and raw["benchmarks"] == ["b1", "b2", "b3", "b4"]
    # training models and new, larger ones (extrapolation exercises the link's tails too)
    new_size, new_tokens = np.concatenate([size, [100.0, 405.0]]), np.concatenate([tokens, [15.0, 30.0]])
    new_fams = np.concatenate([fams, ["fam0", "fam5"]])
    # Same process, same code path, parameters that round-trip exactly through JSON: only the arrays'
    # memory layout may differ, so agreement to the last bits (1e-12 on scores in [0, 1]) is what is tested.
    np.testing.assert_allclose(loaded.predict(new_size, new_tokens, new_fams),
                               model.predict(new_size, new_tokens, new_fams), rtol=0, atol=1e-12)
    np.testing.assert_allclose(loaded.skills(size, tokens, fams), model.skills(size, tokens, fams),
                               rtol=0, atol=1e-12)
    for attr in ("slopes_", "family_intercepts_", "loadings_", "bias_", "floors_", "skills_"):
        np.testing.assert_allclose(getattr(loaded, attr), getattr(model, attr), rtol=0, atol=1e-12)
    assert loaded.benchmarks_ == model.benchmarks_ and loaded.families_ == model.families_
    assert (loaded.method, loaded.n_skills, loaded.seed, loaded.max_iter) == (method, 2, 3, 150)
    assert loaded.train_mae_ == model.train_mae_ and loaded.provenance_["data"] == "synthetic"
    # the dict form round-trips too, and saving a loaded model keeps its provenance
    again = Sloth.from_dict(json.loads(json.dumps(loaded.to_dict())))
    # bit-identical: the same parameters through the same code in one process
    np.testing.assert_array_equal(again.predict(size, tokens, fams), loaded.predict(size, tokens, fams))
    assert again.provenance_ == loaded.provenance_


def test_loaded_model_still_refuses_unseen_families(tmp_path):
    model, _ = _fit("basic")
    model.save(tmp_path / "m.json")
    with pytest.raises(InputError, match="not in the training data"):
        Sloth.load(tmp_path / "m.json").predict([1.0], [1.0], ["nope"])


def _corrupt(d: dict, how: str) -> str:
    """A damaged copy of a saved model as JSON text."""
    if how == "truncated":
        return json.dumps(d)[:200]
    d = json.loads(json.dumps(d))
    if how == "version":
        d["format_version"] = FORMAT_VERSION + 1
    elif how == "missing":
        del d["standardisation"]["std"]
    elif how == "shape":
        d["members"][0]["Wx"] = d["members"][0]["Wx"][:-1]
    elif how == "nan":
        d["members"][0]["b"][0] = None
    elif how == "format":
        d["format"] = "something-else"
    return json.dumps(d)


_EXPECT = {"truncated": "not valid JSON", "version": "'format_version'", "missing": "'standardisation.std'",
           "shape": "'members[0].Wx'", "nan": "'members[0].b'", "format": "not a Sloth model file"}


@pytest.mark.parametrize("how", sorted(_EXPECT))
def test_damaged_file_is_one_input_error_naming_file_and_key(how, tmp_path):
    model, _ = _fit("basic")
    bad = tmp_path / "bad.json"
    bad.write_text(_corrupt(model.to_dict(), how))
    with pytest.raises(InputError) as err:
        Sloth.load(bad)
    msg = str(err.value)
    assert msg.startswith(f"{bad}: ") and _EXPECT[how] in msg and "\n" not in msg


# ----------------------------------------------------------------------------------------------
# the real CLI (subprocess)


@pytest.fixture
def tables(tmp_path, test_data):
    """A few families of the paper's table, and the same table less pythia's larger models."""
    df = pd.read_csv(test_data / "sloth" / "data_v2.csv")
    keep = ["olmo", "opt", "pythia", "bloom", "qwen2", "smollm", "gpt-j-neo-neox", "yi-1.5", "falcon",
            "yi-chat"]
    df = df[df.Family2.isin(keep)]
    full, train = tmp_path / "scores.csv", tmp_path / "train.csv"
    df.to_csv(full, index=False)
    pythia = df[df.Family2 == "pythia"].dropna(subset=V2).sort_values("#Params (B)", kind="stable")
    df.drop(index=pythia.index[1:]).to_csv(train, index=False)
    return full, train, pythia.Model.tolist()


def _one_error_line(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return lines[0]


def _numbers(out: dict) -> np.ndarray:
    return np.array([[r["params_b"], r["tokens_t"], *r["predicted"].values()] for r in out["predictions"]])


def test_fit_out_then_predict_model_matches_the_refit(cli, tables, tmp_path):
    full, train, pythia = tables
    model = tmp_path / "m.json"
    fit = json.loads(cli("skills", "fit", train, "--method", "basic", "--seed", "0", "--out", model,
                         "--json", check=True).stdout)
    assert fit["model_file"] == str(model)
    saved = json.loads(model.read_text())
    assert saved["provenance"]["data"] == str(train) and saved["provenance"]["suite"] == "v2"
    assert saved["provenance"]["training_models"]["pythia"] == pythia[:1]
    assert saved["benchmarks"] == V2 and saved["skills"] == 2 and "pythia" in saved["families"]

    common = ("--family", "pythia", "--at", "70:15", "--json")
    refit = json.loads(cli("skills", "predict", full, *common, "--method", "basic", "--seed", "0",
                           check=True).stdout)
    # options that agree with the saved model are accepted
    used = json.loads(cli("skills", "predict", full, *common, "--model", model, "--method", "basic",
                          "-k", "1", check=True).stdout)
    assert used["model_file"] == str(model) and refit["model_file"] is None
    assert used["trained_on"] == refit["trained_on"] == pythia[:1]
    assert [r["model"] for r in used["predictions"]] == [r["model"] for r in refit["predictions"]]
    assert [r["model"] for r in used["predictions"][:-1]] == pythia[1:]
    # `refit` and the saved model come from fits in two processes: a BLAS or thread count that moves the
    # last bits may move an L-BFGS-B path a little, so the test asks for agreement to 1e-6 (0.0001 pp).
    np.testing.assert_allclose(_numbers(used), _numbers(refit), rtol=0, atol=1e-6)
    assert used["mae_pp"] == pytest.approx(refit["mae_pp"], abs=1e-4)
    assert (used["method"], used["skills"], used["seed"]) == ("basic", 2, 0)
    # hypothetical models only: no score table needed
    at_only = json.loads(cli("skills", "predict", "--family", "pythia", "--model", model, "--at", "70:15",
                             "--json", check=True).stdout)
    np.testing.assert_allclose(_numbers(at_only), _numbers(refit)[-1:], rtol=0, atol=1e-6)
    # the model's own training table leaves nothing of pythia to predict
    line = _one_error_line(cli("skills", "predict", train, "--family", "pythia", "--model", model))
    assert str(model) in line and "none is held out" in line


def test_bad_model_files_exit_2_with_one_line(cli, tmp_path):
    model, _ = _fit("basic")
    good = tmp_path / "good.json"
    model.save(good)
    bad = tmp_path / "bad.json"
    bad.write_text(_corrupt(model.to_dict(), "shape"))
    line = _one_error_line(cli("skills", "predict", "--family", "fam0", "--model", bad, "--at", "1:1"))
    assert str(bad) in line and "'members[0].Wx'" in line
    line = _one_error_line(cli("skills", "predict", "--family", "fam0", "--model", good, "--at", "1:1",
                               "--method", "sloth"))
    assert str(good) in line and "--method sloth differs" in line
    line = _one_error_line(cli("skills", "predict", "--family", "fam9", "--model", good, "--at", "1:1"))
    assert str(good) in line and "'fam9' was not in the model's training data" in line
    line = _one_error_line(cli("skills", "fit", "bundled:sloth_scores", "--out", tmp_path))
    assert str(tmp_path) in line and "directory" in line
