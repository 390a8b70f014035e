"""Observational scaling laws (Ruan, Maddison & Hashimoto 2024, arXiv:2405.10938)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.skills.observational import (
    CapabilityPCA,
    EquivalentCompute,
    SigmoidLink,
    evaluate_holdout,
    holdout_split,
    load_score_table,
    paper_analysis_set,
)


@pytest.fixture(scope="module")
def obs_dir(test_data):
    return test_data / "obsscaling"


def test_pca_variance_shares_match_paper(obs_dir):
    """Sec. 3.2 / Fig. 2 of the paper: on the 77-model, 21-family base-model set, PC-1 explains
    ~80 % of the benchmark variance and the top three ~97 % (the authors' notebook: 0.802,
    0.119, 0.046), after PCA-1 imputation of the missing scores."""
    df, bench = load_score_table(obs_dir / "base_llm_benchmark_eval.csv")
    sel = paper_analysis_set(df)
    assert len(sel) == 77 and sel["Model Family"].nunique() == 21
    pca = CapabilityPCA(n_components=3).fit(sel[bench])
    assert pca.n_imputed_ == int(sel[bench].isna().sum().sum()) > 0
    np.testing.assert_allclose(pca.explained_variance_ratio_, [0.802, 0.119, 0.046], atol=6e-4)
    assert pca.explained_variance_ratio_.sum() == pytest.approx(0.967, abs=1e-3)
    assert (pca.components_[0] > 0).all()  # PC-1 is a "general capability" axis


def test_agentbench_holdout_matches_paper(obs_dir):
    """Sec. 4.2 (agentic capabilities, AgentBench panel): instruct models, target ABench-OA/10,
    3 PCs, floor-sigmoid fitted with a Huber loss, the top 10 % by score held out
    (GPT-4-0613 and Claude-2). Paper/notebook: train MSE 3.7e-4, test MSE 2.2e-4."""
    df, bench = load_score_table(obs_dir / "instruct_llm_benchmark_eval.csv", target="ABench-OA",
                                 target_file=obs_dir / "instruct_llm_agent_eval.csv",
                                 target_scale=10)
    res = evaluate_holdout(df, bench, top_fraction=0.1, n_components=3, delta=1.0)
    test_models = set(res.predictions.loc[res.predictions.split == "test", "model"])
    assert test_models == {"gpt-4-0613", "claude-2.0"}
    assert (res.n_train, res.n_test) == (20, 2)
    assert f"{res.train_mse:.1e}" == "3.7e-04"
    assert f"{res.test_mse:.1e}" == "2.2e-04"
    # A smaller Huber threshold must not trap the optimiser in a worse optimum.
    res_small = evaluate_holdout(df, bench, top_fraction=0.1, delta=0.1)
    assert res_small.train_mse == pytest.approx(res.train_mse, rel=1e-3)


def test_imputation_uses_training_rows_only():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(40, 1))
    X = 0.5 + 0.1 * latent @ rng.uniform(0.5, 1.5, size=(1, 5)) + 0.002 * rng.normal(size=(40, 5))
    holes = X.copy()
    holes[rng.random(X.shape) < 0.1] = np.nan
    train, test = holes[:30], holes[30:]
    pca = CapabilityPCA(2).fit(train)
    comps = pca.components_.copy()
    wild = test.copy()
    wild[:, 0] = 0.99  # test rows that would distort a fit that saw them
    pca.transform(wild)
    np.testing.assert_array_equal(pca.components_, comps)  # exact: transform must not touch the fit
    # Nearly rank-1 data: the imputed cells are recovered to within the noise.
    filled = pca.impute(test)
    miss = np.isnan(test)
    assert np.max(np.abs(filled[miss] - X[30:][miss])) < 0.02
    assert np.max(np.abs(pca.train_completed_[np.isnan(train)] - X[:30][np.isnan(train)])) < 0.02


def test_sigmoid_link_recovers_parameters_and_inverts():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    true = SigmoidLink()
    true.intercept_, true.coef_, true.floor_ = -0.5, np.array([1.5, -0.7]), 0.1
    y = true.predict(X)
    fit = SigmoidLink().fit(X, y + 0.002 * rng.normal(size=60))
    assert fit.floor_ == pytest.approx(0.1, abs=0.01)
    np.testing.assert_allclose(fit.coef_, true.coef_, atol=0.05)
    z = fit.decision_function(X)
    np.testing.assert_allclose(fit.inverse(fit.link(z)), z, atol=1e-8)
    assert np.isnan(fit.inverse(np.array([fit.floor_ - 0.01, 1.0]))).all()


def test_equivalent_compute_is_the_family_line():
    flops = np.array([10.0, 100.0, 1000.0])
    cap = 0.5 * np.log(flops) - 2.0
    eq = EquivalentCompute().fit(cap, flops)
    assert (eq.slope_, eq.intercept_) == pytest.approx((0.5, -2.0))
    np.testing.assert_allclose(eq.transform(0.5 * np.log(5e4) - 2.0), 5e4, rtol=1e-9)
    with pytest.raises(InputError, match="need at least 2"):
        EquivalentCompute().fit(cap[:1], flops[:1])


def test_holdout_split_protocols():
    df = pd.DataFrame({"y": np.linspace(0, 1, 22), "flops": [*range(1, 21), np.nan, 50]})
    train, test = holdout_split(df, by="y", top_fraction=0.1)
    assert len(test) == 2 and set(test) == {20, 21}
    train, test = holdout_split(df, by="flops", cutoff=10)
    assert set(train) == set(range(10)) and 20 in test  # unknown FLOPs go to test


# ------------------------------------------------------------------------------------- CLI ---

def test_cli_evaluate_json_reproduces_agentbench(cli):
    proc = cli("observe", "evaluate", "bundled:obsscaling_instruct", "--target", "ABench-OA",
               "--target-scale", "10", "--holdout-top", "0.1", "--reference-family",
               "Llama-2-Chat", "--json", check=True)
    out = json.loads(proc.stdout)
    assert f"{out['train_mse']:.1e}" == "3.7e-04" and f"{out['test_mse']:.1e}" == "2.2e-04"
    test_rows = [m for m in out["models"] if m["split"] == "test"]
    assert {m["model"] for m in test_rows} == {"gpt-4-0613", "claude-2.0"}
    assert all(m["equivalent_flops"] > 0 for m in test_rows)


def test_cli_fit_paper_set_readable(cli):
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--paper-set", check=True)
    assert "77 models" in proc.stdout and "0.802" in proc.stdout and "0.967" in proc.stdout


def test_cli_unknown_benchmark_is_one_line_error(cli):
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--benchmarks", "MMLU,NoSuchBench")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "NoSuchBench" in proc.stderr and "unknown benchmark" in proc.stderr


def test_cli_score_outside_unit_interval(cli, tmp_path, test_data):
    df = pd.read_csv(test_data / "obsscaling" / "base_llm_benchmark_eval.csv")
    df.loc[4, "MMLU"] = 43.7  # a percentage slipped in
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    proc = cli("observe", "fit", str(path))
    assert proc.returncode == 2
    assert "row 5" in proc.stderr and "'MMLU'" in proc.stderr and "outside [0, 1]" in proc.stderr
    # A target on a 0-10 scale without --target-scale is caught the same way.
    proc = cli("observe", "evaluate", "bundled:obsscaling_instruct", "--target", "ABench-OA", "--holdout-top",
               "0.1")
    assert proc.returncode == 2 and "ABench-OA" in proc.stderr


def test_cli_family_with_too_few_models(cli):
    proc = cli("observe", "evaluate", "bundled:obsscaling_instruct", "--target", "ABench-OA", "--target-scale",
               "10", "--holdout-top", "0.1", "--reference-family", "GPT-4")
    assert proc.returncode == 2
    assert "GPT-4" in proc.stderr and "need at least 2" in proc.stderr
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--families", "Llama-2")
    assert proc.returncode == 2 and "too few" in proc.stderr
