"""``scalinglab import-scores``: lm-evaluation-harness result files and Open LLM Leaderboard exports.

The result files are written here in the harness's documented output format (``lm_eval --output_path
DIR`` writes ``DIR/<model>/results_<date>.json``: ``results`` maps each task to ``"<metric>,<filter>"``
scores with ``*_stderr`` twins and an ``alias``; group aggregates also under ``groups`` and their members
under ``group_subtasks``; the run's ``config`` holds ``model_args`` and ``model_num_parameters``;
``model_name`` and ``date`` sit at the top). The scores are the Sloth paper's table (bundled), so the
imported table can be compared cell by cell with the table it came from.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglab.datasets import bundled_path
from scalinglab.skills.score_import import import_scores, parse_mapping

V2 = ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"]
FAMILIES = ["qwen1.5", "pythia", "bloom", "qwen2", "llama-2", "smollm", "yi-1.5"]


def harness_file(folder: Path, model: str, results: dict, *, date: float, n_params: float | None = None,
                 subtasks: dict | None = None, groups: tuple[str, ...] = (), name_key: bool = True) -> Path:
    """Write one harness result file as lm_eval 0.4 does; returns its path."""
    out = folder / model.replace("/", "__")
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "results": {t: {"alias": t, **m} for t, m in results.items()},
        "groups": {g: {"alias": g, **results[g]} for g in groups if g in results},
        "group_subtasks": subtasks or {t: [] for t in results},
        "configs": {t: {"task": t, "output_type": "multiple_choice"} for t in results},
        "versions": {t: 1.0 for t in results},
        "n-shot": {t: 0 for t in results},
        "higher_is_better": {t: {k.split(",")[0]: True for k in m} for t, m in results.items()},
        "n-samples": {t: {"original": 100, "effective": 100} for t in results},
        "config": {"model": "hf", "model_args": f"pretrained={model},dtype=bfloat16", "batch_size": "auto",
                   "device": "cuda:0"},
        "git_hash": "0000000", "date": date,
    }
    if n_params is not None:
        doc["config"]["model_num_parameters"] = n_params
    if name_key:
        doc["model_name"], doc["model_name_sanitized"] = model, model.replace("/", "__")
    path = out / f"results_{date:.0f}.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def v2_runs(row: pd.Series) -> tuple[dict, dict]:
    """The leaderboard v2 tasks of one model, split over two runs (as separate lm_eval calls)."""
    se = {"acc_norm_stderr,none": 0.01}
    first = {
        "leaderboard": {"acc_norm,none": 0.5, "acc,none": 0.4},  # the suite's own aggregate: not a column
        "leaderboard_ifeval": {"prompt_level_strict_acc,none": row["IFEval"],
                               "inst_level_strict_acc,none": row["IFEval"],
                               "prompt_level_loose_acc,none": 0.9, "inst_level_loose_acc,none": 0.9,
                               "prompt_level_strict_acc_stderr,none": 0.01},
        "leaderboard_bbh": {"acc_norm,none": row["BBH"], **se},
        "leaderboard_bbh_boolean_expressions": {"acc_norm,none": 0.7, **se},
        "leaderboard_math_hard": {"exact_match,none": row["MATH Lvl 5"], "exact_match_stderr,none": "N/A"},
        "leaderboard_math_algebra_hard": {"exact_match,none": 0.1},
    }
    second = {
        "leaderboard_gpqa": {"acc_norm,none": row["GPQA"], **se},
        "leaderboard_musr": {"acc_norm,none": row["MUSR"], **se},
        "leaderboard_mmlu_pro": {"acc,none": row["MMLU-PRO"], "acc_stderr,none": 0.01},
    }
    return first, second


SUBTASKS = {"leaderboard": ["leaderboard_ifeval", "leaderboard_bbh", "leaderboard_math_hard"],
            "leaderboard_bbh": ["leaderboard_bbh_boolean_expressions"],
            "leaderboard_math_hard": ["leaderboard_math_algebra_hard"], "leaderboard_ifeval": []}


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    df = pd.read_csv(bundled_path("sloth_scores"))
    df = df.dropna(subset=V2 + ["#Params (B)", "Pretraining Data Size (T)"])
    return df[df["Family2"].isin(FAMILIES)].reset_index(drop=True)


@pytest.fixture
def results_dir(tmp_path: Path, source: pd.DataFrame) -> tuple[Path, Path]:
    runs = tmp_path / "results"
    for i, row in source.iterrows():
        first, second = v2_runs(row)
        model = f"org/{row['Model']}"
        harness_file(runs, model, first, date=1.7e9 + i, n_params=round(row["#Params (B)"] * 1e9),
                     subtasks=SUBTASKS, groups=("leaderboard", "leaderboard_bbh", "leaderboard_math_hard"))
        harness_file(runs, model, second, date=1.7e9 + 1000 + i)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"Model": "org/" + source["Model"], "Family": source["Family2"],
                  "#Params (B)": source["#Params (B)"],
                  "Pretraining Data Size (T)": source["Pretraining Data Size (T)"]}).to_csv(meta, index=False)
    return runs, meta


def test_harness_runs_import_and_skills_fit_reads_them(cli, tmp_path, results_dir, source) -> None:
    runs, meta = results_dir
    out = tmp_path / "scores.csv"
    proc = cli("import-scores", runs, "--meta", meta, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}: {len(source)} model(s) × 6 benchmark(s)" in proc.stdout
    assert f"from {2 * len(source)} file(s)" in proc.stdout

    got = pd.read_csv(out).set_index("Model").loc["org/" + source["Model"]]
    for col in V2 + ["#Params (B)", "Pretraining Data Size (T)"]:
        np.testing.assert_array_equal(got[col].to_numpy(), source[col].to_numpy(), err_msg=col)
    assert list(got["Family"]) == list(source["Family2"]) == list(got["Model Family"])
    np.testing.assert_array_equal(got["Model Size (B)"], source["#Params (B)"])  # what density reads
    assert "leaderboard" not in got.columns and "BBH" in got.columns

    fit = cli("skills", "fit", out, "--suite", "v2", "--json")
    assert fit.returncode == 0, fit.stderr
    doc = json.loads(fit.stdout)
    assert doc["n_models"] == len(source) and doc["n_dropped_rows"] == 0
    assert doc["benchmarks"] == V2
    assert set(doc["family_intercepts"]) == set(FAMILIES)


def test_params_from_the_harness_config_when_meta_has_none(tmp_path) -> None:
    harness_file(tmp_path / "r", "org/m-160m", {"arc_challenge": {"acc,none": 0.2, "acc_norm,none": 0.25}},
                 date=1.0, n_params=162_322_944)
    res = import_scores([tmp_path / "r"], family="pythia")
    row = res.frame.iloc[0]
    assert row["#Params (B)"] == pytest.approx(0.162322944) and row["Family"] == "pythia"
    assert row["ARC"] == 0.25  # acc_norm is preferred over acc for ARC
    assert "Pretraining Data Size (T)" not in res.frame.columns  # not known: not invented


def test_newest_run_wins_and_ifeval_is_the_mean_of_strict_accuracies(tmp_path) -> None:
    r = tmp_path / "r"
    newest = harness_file(r, "org/m", {"hellaswag": {"acc_norm,none": 0.30}}, date=200.0)
    newest.rename(newest.with_name("results_0001.json"))  # read first: the date decides, not the order
    harness_file(r, "org/m", {"hellaswag": {"acc_norm,none": 0.40},
                              "ifeval": {"prompt_level_strict_acc,none": 0.2, "inst_level_strict_acc,none": 0.3}},
                 date=100.0)
    res = import_scores([r])
    assert res.frame.loc[0, "HellaSwag"] == 0.30 and res.replaced == 1
    assert res.frame.loc[0, "IFEval"] == pytest.approx(0.25)


def test_mapping_option_and_skip_unknown(cli, tmp_path) -> None:
    r = tmp_path / "r"
    harness_file(r, "org/m", {"lambada_openai": {"acc,none": 0.6, "perplexity,none": 7.1},
                              "piqa": {"acc,none": 0.7, "acc_norm,none": 0.71},
                              "winogrande": {"acc,none": 0.55}}, date=1.0)
    out = tmp_path / "s.csv"
    proc = cli("import-scores", r, "--map", "lambada_openai=LAMBADA:acc", "--skip-unknown", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "skipped unmapped tasks: piqa" in proc.stdout
    got = pd.read_csv(out)
    assert list(got.columns) == ["Model", "Winogrande", "LAMBADA"]
    assert (got.loc[0, "LAMBADA"], got.loc[0, "Winogrande"]) == (0.6, 0.55)
    assert parse_mapping(["piqa=PIQA"])["piqa"].metrics == ()  # default preference: acc_norm first
    assert import_scores([r], mapping=parse_mapping(["piqa=PIQA", "lambada_openai=L:acc"])
                         ).frame.loc[0, "PIQA"] == 0.71


def test_leaderboard_contents_export(tmp_path) -> None:
    contents = tmp_path / "contents.csv"
    pd.DataFrame({
        "eval_name": ["a_bfloat16", "a_float16", "b_bfloat16"], "Precision": ["bfloat16", "float16", "bfloat16"],
        "fullname": ["org/a", "org/a", "org/b"], "#Params (B)": [7.24, 7.24, 0.0],
        "IFEval Raw": [0.51, 0.49, 0.2], "IFEval": [51.0, 49.0, 20.0],
        "BBH Raw": [0.44, 0.43, 0.3], "BBH": [21.3, 20.0, 2.0],
        "MMLU-PRO Raw": [0.3, 0.31, None], "MMLU-PRO": [22.2, 23.0, None],
        "Upload To Hub Date": ["2024-05-01", "2024-05-01", "2023-12-24"],
    }).to_csv(contents, index=False)
    res = import_scores([contents])
    f = res.frame.set_index("Model")
    assert res.benchmarks == ("IFEval", "BBH", "MMLU-PRO") and res.duplicates == 1
    assert (f.loc["org/a", "IFEval"], f.loc["org/a", "BBH"], f.loc["org/a", "MMLU-PRO"]) == (0.51, 0.44, 0.3)
    assert f.loc["org/a", "#Params (B)"] == 7.24 and np.isnan(f.loc["org/b", "#Params (B)"])
    assert np.isnan(f.loc["org/b", "MMLU-PRO"]) and f.loc["org/b", "hf_upload_date"] == "2023-12-24"


def _good(folder: Path) -> None:
    harness_file(folder, "org/good", {"arc_challenge": {"acc_norm,none": 0.4}}, date=1.0)


BAD = {
    "truncated JSON": ('{"results": {"arc_challenge": {"acc,none": 0.4}', "not valid JSON: Expecting"),
    "no results key": ({"config": {"model_args": "pretrained=x"}, "model_name": "x"},
                       "key 'results': no 'results' object"),
    "unknown task": ({"results": {"lambada_openai": {"acc,none": 0.5}}, "model_name": "x"},
                     "key 'results.lambada_openai': unknown task 'lambada_openai': map it to a benchmark "
                     "column in --map (TASK=COLUMN[:METRIC]), or skip unmapped tasks with --skip-unknown"),
    "missing metric": ({"results": {"arc_challenge": {"f1,none": 0.5, "alias": "arc"}}, "model_name": "x"},
                       "task 'arc_challenge' has none of the metrics acc_norm,none, acc,none for ARC "
                       "(it has: f1,none)"),
    "half of IFEval": ({"results": {"leaderboard_ifeval": {"prompt_level_strict_acc,none": 0.3}},
                        "model_name": "x"}, "lacks metric(s) inst_level_strict_acc,none for IFEval"),
    "percent score": ({"results": {"mmlu": {"acc,none": 45.2}}, "model_name": "x"},
                      "key 'results.mmlu.acc,none': score 45.2 is outside [0, 1]"),
    "no model name": ({"results": {"mmlu": {"acc,none": 0.4}}, "config": {"model": "hf"}},
                      "key 'model_name': no model name"),
    "not an object": ([1, 2], "expected a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_malformed_result_file_is_one_line_and_nothing_is_written(cli, tmp_path, case) -> None:
    content, message = BAD[case]
    runs = tmp_path / "results"
    _good(runs)
    bad = runs / "bad" / "results_2.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    proc = cli("import-scores", runs, "--out", out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith(f"error: {bad}") and message in lines[0], lines[0]
    assert out.read_text() == "old\n"  # the previous table is untouched


def test_meta_must_cover_every_model(cli, tmp_path) -> None:
    runs = tmp_path / "results"
    _good(runs)
    meta = tmp_path / "meta.csv"
    meta.write_text("Model,Family,Pretraining Data Size (T)\norg/other,x,1.0\n")
    proc = cli("import-scores", runs, "--meta", meta, "--out", tmp_path / "s.csv")
    assert proc.returncode == 2 and not (tmp_path / "s.csv").exists()
    assert proc.stderr.strip() == f"error: {meta}, column 'Model': no row for model 'org/good'"
    meta.write_text("Model,Family,Pretraining Data Size (T)\norg/good,x,-1\n")
    proc = cli("import-scores", runs, "--meta", meta, "--out", tmp_path / "s.csv")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"error: {meta}, row 1, column 'Pretraining Data Size (T)': "
                                   "token count -1 must be positive")


def test_observe_reads_an_import_mapped_to_its_benchmark_names(cli, tmp_path) -> None:
    """ObsScaling's base benchmarks from harness files, mapped to the names ``observe`` expects: the PCA
    on the imported table is the PCA on the table the scores came from (complete rows, so no imputation)."""
    bench = ["MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval"]
    src = pd.read_csv(bundled_path("obsscaling_base")).dropna(subset=bench).reset_index(drop=True)
    direct = tmp_path / "direct.csv"
    src[["Model", "Model Family", *bench]].to_csv(direct, index=False)
    runs = tmp_path / "results"
    for i, row in src.iterrows():
        harness_file(runs, row["Model"], {
            "mmlu": {"acc,none": row["MMLU"]}, "mmlu_anatomy": {"acc,none": 0.5},
            "arc_challenge": {"acc,none": 0.1, "acc_norm,none": row["ARC-C"]},
            "hellaswag": {"acc,none": 0.1, "acc_norm,none": row["HellaSwag"]},
            "winogrande": {"acc,none": row["Winograd"]}, "truthfulqa_mc2": {"acc,none": row["TruthfulQA"]},
            "gsm8k": {"exact_match,strict-match": row["GSM8K"], "exact_match,flexible-extract": 0.9},
            "xwinograd": {"acc,none": row["XWinograd"]}, "xwinograd_en": {"acc,none": 0.8},
            "humaneval": {"pass@1,create_test": row["HumanEval"]},
        }, date=float(i), subtasks={"mmlu": ["mmlu_anatomy"], "xwinograd": ["xwinograd_en"]})
    meta = tmp_path / "meta.csv"
    src[["Model", "Model Family"]].to_csv(meta, index=False)
    out = tmp_path / "obs.csv"
    proc = cli("import-scores", runs, "--meta", meta, "--out", out, "--map", "arc_challenge=ARC-C",
               "--map", "winogrande=Winograd", "--map", "xwinograd=XWinograd", "--map", "humaneval=HumanEval")
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out).set_index("Model").loc[src["Model"]]
    np.testing.assert_array_equal(got[bench].to_numpy(), src[bench].to_numpy())

    fits = [cli("observe", "fit", path, "--json") for path in (direct, out)]
    assert all(f.returncode == 0 for f in fits), [f.stderr for f in fits]
    a, b = (json.loads(f.stdout) for f in fits)
    assert a["n_models"] == b["n_models"] == len(src) and a["benchmarks"] == b["benchmarks"] == bench
    np.testing.assert_allclose(b["pca"]["explained_variance_ratio"], a["pca"]["explained_variance_ratio"],
                               rtol=1e-9)


def test_open_llm_leaderboard_v1_result_file(tmp_path) -> None:
    """The v1 leaderboard's result files: ``harness|task|shots`` keys, bare metrics, ``config_general``."""
    se = {"acc_stderr": 0.01, "acc_norm_stderr": 0.01}
    doc = {"config_general": {"model_name": "org/v1-model", "model_sha": "abc", "num_fewshot_seeds": 1},
           "results": {
               "harness|arc:challenge|25": {"acc": 0.40, "acc_norm": 0.43, **se},
               "harness|hellaswag|10": {"acc": 0.50, "acc_norm": 0.66, **se},
               "harness|hendrycksTest-abstract_algebra|5": {"acc": 0.25, "acc_norm": 0.25, **se},
               "harness|hendrycksTest-anatomy|5": {"acc": 0.35, "acc_norm": 0.35, **se},
               "harness|truthfulqa:mc|0": {"mc1": 0.22, "mc1_stderr": 0.01, "mc2": 0.37, "mc2_stderr": 0.01},
               "harness|winogrande|5": {"acc": 0.61, "acc_stderr": 0.01},
               "harness|gsm8k|5": {"acc": 0.05, "acc_stderr": 0.01},
               "all": {"acc": 0.4, "acc_norm": 0.41, "mc1": 0.22, "mc2": 0.37},
           }}
    path = tmp_path / "org" / "v1-model" / "results_2023-10-01T00-00-00.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))
    res = import_scores([tmp_path])
    row = res.frame.set_index("Model").loc["org/v1-model"]
    assert res.benchmarks == ("MMLU", "ARC", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K")
    assert (row["ARC"], row["HellaSwag"], row["TruthfulQA"], row["Winogrande"], row["GSM8K"]) == (
        0.43, 0.66, 0.37, 0.61, 0.05)
    assert row["MMLU"] == pytest.approx(0.30)  # the mean over the subjects
