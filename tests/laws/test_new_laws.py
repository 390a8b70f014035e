"""New law families (issue #18): published fits reproduced where the data is held, recovery otherwise."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab import FitResult, ScalingLawFit, get_law, load_runs
from scalinglab.laws import Law


@pytest.fixture(scope="module")
def gadre(test_data) -> pd.DataFrame:
    frame = pd.read_csv(test_data / "external" / "gadre2024" / "runs_c4_eval_loss.csv")
    return frame.rename(columns={"loss_c4_val": "loss"})


def _table2(frame: pd.DataFrame) -> pd.DataFrame:
    """Gadre et al. 2024, Table 2 fit set: the four small models at M = 20 and the 11M model at M = 320."""
    small = frame[frame.N < 5e8]
    keep = (small.tok_mult == 20) | ((small.N == small.N.min()) & (small.tok_mult == 320))
    return small[keep][["name", "N", "D", "loss"]]


def test_overtrain_five_runs_predict_the_papers_large_runs(gadre) -> None:
    """Gadre et al. 2024, Fig. 1 / abstract: from the five Table-2 runs (RedPajama, C4 eval loss),
    predict the 1.4B model at M = 640 (900B tokens) and the 6.9B model at M = 20; here both within 1%."""
    rpj = gadre[gadre.dataset == "rpj"]
    fit = ScalingLawFit(law="overtrain").fit(load_runs(_table2(rpj))).result_
    assert fit.n_points == 5 and fit.converged
    big = rpj[((rpj.N > 1e9) & (rpj.N < 2e9) & (rpj.tok_mult == 640)) | ((rpj.N > 6e9) & (rpj.tok_mult == 20))]
    assert len(big) == 2
    rel = fit.predict(N=big.N.to_numpy(), D=big.D.to_numpy()) / big.loss.to_numpy() - 1
    assert np.all(np.abs(rel) < 0.01), rel
    assert 0.05 < fit.params["eta"] < 0.3  # half the tied Chinchilla exponent (≈ 0.13 here)
    sol = fit.optimal(np.array([1e21, 1e23]))  # closed form: one token multiplier for every budget
    numeric = Law.optimal(fit.law, fit.params, np.array([1e21, 1e23]))  # the generic numeric minimiser
    assert np.allclose(sol["N"], numeric["N"], rtol=1e-4)
    assert np.allclose(sol["tokens_per_param"], sol["tokens_per_param"][0])


def test_fit_overtrain_cli_fits_five_runs_where_chinchilla_refuses(cli, gadre, tmp_path) -> None:
    path = tmp_path / "five.csv"
    _table2(gadre[gadre.dataset == "rpj"]).to_csv(path, index=False)
    d = json.loads(cli("fit", path, "--law", "overtrain", "--json", check=True).stdout)
    assert d["n_points"] == 5 and set(d["params"]) == {"E", "a", "b", "eta"}
    refused = cli("fit", path)
    assert refused.returncode == 2 and "at least 6" in refused.stderr


def test_vocab_params_from_size_times_width(test_data) -> None:
    from scalinglab.data.runs import load_law_inputs

    frame = pd.read_csv(test_data / "external" / "sldbench" / "vocab_tao2024.csv").head(5)
    table = load_law_inputs(frame, get_law("vocab"), loss_col="Lossu")
    assert np.allclose(table.column("Nv"), frame.vocab_size * frame.embed_dim)
    assert np.all(table.loss < 0)  # the unigram-normalised loss is signed


def test_mixture_law_on_sldbench_70m(test_data) -> None:
    """Ye et al. 2024 mixing law per domain, SLDBench domain-mixture task, 70M: R² ≥ the human law's 0.671."""
    from scalinglab.planning.mixture import fit_mixture, plan_mixture

    runs = json.loads((test_data / "external" / "sldbench" / "domain_mixture.json").read_text())["70M"]
    cols = [f"r{j}" for j in range(1, 6)]
    def table(rows):
        return pd.DataFrame([dict(zip(cols, p["proportions"], strict=True)) |
                             {f"L{i}": v for i, v in enumerate(p["loss"])} for p in rows])
    train, test = table(runs["train"]), table(runs["eval"])
    model = fit_mixture(train, cols, [f"L{i}" for i in range(5)])
    pred = model.predict(test[cols].to_numpy())
    y = test[[f"L{i}" for i in range(5)]].to_numpy()
    assert 1 - np.mean((y.mean(1) - pred.mean(1)) ** 2) / np.var(y.mean(1)) >= 0.671
    plan = plan_mixture(model)
    assert abs(sum(plan.proportions.values()) - 1) < 1e-9
    assert plan.objective <= plan.best_train["weighted_loss"] + 1e-9


def _recover(law: str, truth: dict, X: dict, rel: float = 0.05, noise: float = 0.002) -> dict:
    the_law = get_law(law)
    rng = np.random.default_rng(0)
    y = the_law.predict(truth, **X) * np.exp(rng.normal(0, noise, len(next(iter(X.values())))))
    frame = pd.DataFrame(X | {"loss": y})
    fit = ScalingLawFit(law=law, loss="lsq").fit(frame).result_
    pred = fit.predict(**X)
    assert np.max(np.abs(pred / the_law.predict(truth, **X) - 1)) < 3 * noise
    return fit.params


def test_sft_rectified_law_recovers_the_pre_power_phase() -> None:
    """Lin et al. 2024, rectified law: a flat start (D^β ≪ D_l), then a power law; D_l and β recovered."""
    D = np.geomspace(200, 1.6e6, 14)
    p = _recover("sft", {"B": 40.0, "D_l": 30.0, "beta": 0.45, "E": 1.2}, {"D": D}, noise=0.001)
    assert p["beta"] == pytest.approx(0.45, rel=0.1) and p["E"] == pytest.approx(1.2, rel=0.05)


def test_multiplicative_finetune_law_recovers() -> None:
    rng = np.random.default_rng(2)
    X = {"N": 10 ** rng.uniform(9, 10.3, 40), "D": 10 ** rng.uniform(3, 6, 40)}
    p = _recover("sft-multiplicative", {"A": 200.0, "alpha": 0.2, "beta": 0.15, "E": 0.8}, X)
    assert p["alpha"] == pytest.approx(0.2, rel=0.1) and p["beta"] == pytest.approx(0.15, rel=0.1)


def test_parallel_law_recovers_the_stream_gain() -> None:
    N = np.repeat(np.geomspace(5e8, 4.4e9, 6), 4)
    P = np.tile([1.0, 2.0, 4.0, 8.0], 6)
    p = _recover("parallel", {"A": 1.5e7, "k": 0.39, "alpha": 0.19, "E": 1.0}, {"N": N, "P": P}, noise=0.0005)
    assert p["k"] == pytest.approx(0.39, rel=0.15)


def test_bnsl_fits_a_non_monotone_curve() -> None:
    """Caballero et al. 2023: one break with c1 < 0 bends the curve back up (a double-descent-like bump)."""
    x = np.geomspace(1e2, 1e8, 40)
    truth = {"a": 0.5, "b": 20.0, "c0": 0.3, "c1": -0.6, "d1": 1e5, "f1": 0.3}
    y = get_law("bnsl").predict(truth, x=x)
    assert np.any(np.diff(y) > 0) and np.any(np.diff(y) < 0)
    _recover("bnsl", truth, {"x": x}, noise=0.001)


def test_hyperparams_law_recovers_optimal_lr_and_batch_and_plan_intervals(cli, tmp_path) -> None:
    """The law's η*(N, D) and b*(D) power laws come back from a lr × batch grid; plan prints intervals."""
    law = get_law("hyperparams")
    truth = {"E": 1.8, "A": 40.0, "alpha": 0.25, "B": 400.0, "beta": 0.3, "c_lr": 0.02, "h": 1.0, "h_N": -0.7,
             "h_D": 0.3, "c_bs": 0.015, "g": -6.0, "g_D": 0.57}
    rows = []
    for N in (1e8, 3e8, 1e9):
        for D in (1e10, 4e10, 1e11):
            opt = law.optimum(truth, N, D)
            for f_lr in (0.25, 0.5, 1.0, 2.0, 4.0):
                for f_bs in (0.25, 1.0, 4.0):
                    rows.append({"N": N, "D": D, "lr": opt["lr"] * f_lr, "bs": opt["bs"] * f_bs})
    frame = pd.DataFrame(rows)
    rng = np.random.default_rng(0)
    frame["loss"] = law.predict(truth, **{k: frame[k].to_numpy() for k in law.inputs}) * np.exp(
        rng.normal(0, 0.001, len(frame)))
    path = tmp_path / "sweep.csv"
    frame.to_csv(path, index=False)
    fit_path = tmp_path / "fit.json"
    cli("fit", path, "--law", "hyperparams", "--loss", "lsq", "--bootstrap", "8", "--seed", "0", "--out", fit_path,
        check=True)
    fit = FitResult.load(fit_path)
    assert fit.params["h_N"] == pytest.approx(-0.7, abs=0.1) and fit.params["g_D"] == pytest.approx(0.57, abs=0.1)
    d = json.loads(cli("plan", "hyperparams", "--fit", fit_path, "--params", "3e8", "--tokens", "4e10", "--json",
                       check=True).stdout)
    best = law.optimum(truth, 3e8, 4e10)
    assert d["lr"] == pytest.approx(float(best["lr"]), rel=0.1)
    assert d["lr_interval"][0] <= d["lr"] <= d["lr_interval"][1]
    pub = json.loads(cli("plan", "hyperparams", "--params", "1e9", "--tokens", "1e11", "--json", check=True).stdout)
    # Li et al. 2025, Step Law: η* = 1.79 N^-0.713 D^0.307, B* = 0.58 D^0.571
    assert pub["lr"] == pytest.approx(1.79 * 1e9 ** -0.713 * 1e11 ** 0.307, rel=1e-9)
    assert pub["batch"] == pytest.approx(0.58 * 1e11 ** 0.571, rel=1e-9) and pub["lr_interval"] is None
