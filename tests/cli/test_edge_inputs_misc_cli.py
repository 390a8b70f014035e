"""Edge inputs of evaluate, forecast, import-curves, report, observe, density, skills and test-time: each is
one line on stderr naming the flag or the file, exit 2, no traceback, no warning text."""

from __future__ import annotations

import pytest

MONKEYS = "tests/data/external/test_time/monkeys_pythia_math_10k.csv"
OBS_BENCH = ("--benchmarks", "MMLU,ARC-C,HellaSwag,Winograd")


def _only_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Warning" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "expected"), [
    (("--law", "kaplan-c"), "error: the curve_fit recipe is the guide's Chinchilla fit; for --law 'kaplan-c' use "
                            "the lsq or huber objective"),
    (("--law", "bnsl"), "error: --law 'bnsl' needs the input(s) x, which learning curves do not have "
                        "(they have N, D and C)"),
    (("--law", "data-constrained", "--loss", "lsq"), "error: --law 'data-constrained' needs the input(s) U, "
                                                     "which learning curves do not have (they have N, D and C)"),
])
def test_evaluate_with_a_law_curves_cannot_fit_names_the_law(cli, args, expected):
    """These were KeyError tracebacks ('N', 'x', 'U')."""
    assert _only_error(cli("evaluate", "bundled:gpt3_curves", *args)) == expected


def test_an_absurd_bootstrap_count_is_refused(cli, tmp_path):
    """forecast --bootstrap 1e20 was numpy's 'Maximum allowed dimension exceeded' traceback."""
    fit = tmp_path / "fit.json"
    cli("fit", "bundled:chinchilla", "--out", str(fit), check=True)
    line = _only_error(cli("forecast", "bundled:gpt3_curves", "--fit", fit, "--run", "gpt3-xl", "--final-tokens",
                           "3e11", "--bootstrap", "100000000000000000000"))
    assert line == "error: --bootstrap must be at most 1,000,000 resamples, got 1e+20"
    line = _only_error(cli("test-time", "fit", MONKEYS, "--bootstrap", "1000001"))
    assert line == "error: --bootstrap must be at most 1,000,000 resamples, got 1,000,001"


@pytest.mark.parametrize(("args", "expected"), [
    (("--params", "inf", "--tokens-per-step", "1000"), "--params must be a positive finite number, got inf"),
    (("--params", "-1", "--tokens-per-step", "1000"), "--params must be a positive finite number, got -1"),
    (("--params", "1e9", "--tokens-per-step", "0"), "--tokens-per-step must be a positive finite number, got 0"),
])
def test_import_curves_bad_params_or_tokens_per_step_name_the_flag(cli, tmp_path, args, expected):
    """--params inf was written as N = inf; -1, and --tokens-per-step 0, read as 'not given'."""
    src, out = tmp_path / "run.csv", tmp_path / "curves.csv"
    src.write_text("_step,train/loss\n1,3.0\n2,2.9\n")
    assert _only_error(cli("import-curves", src, *args, "-o", out)) == f"error: {src}: {expected}"
    assert not out.exists()


def test_import_curves_tokens_past_the_float_range_are_dropped_without_a_warning(cli, tmp_path):
    src, out = tmp_path / "run.csv", tmp_path / "curves.csv"
    src.write_text("_step,train/loss\n1,3.0\n2,2.9\n")
    proc = cli("import-curves", src, "--params", "1e9", "--tokens-per-step", "1e308", "-o", out, check=True)
    assert proc.stderr.strip() == "dropped 1 row(s) without a finite positive loss and token count"


@pytest.mark.parametrize("value", ["inf", "1e308"])
def test_report_target_compute_past_the_range_names_the_flag(cli, tmp_path, value):
    """It was a numpy RuntimeWarning and 'compute budget must be ...' (inf), or a matplotlib traceback (1e300)."""
    line = _only_error(cli("report", "bundled:chinchilla", "--format", "svg", "-o", tmp_path / "figs",
                           "--bootstrap", "0", "--target-compute", value))
    assert line == f"error: --target-compute must be a positive number of FLOPs up to 1e+60, got {float(value):g}"


def test_report_curves_options_are_named_as_report_flags(cli, tmp_path):
    """It said 'train_models must be between ...' (evaluate's parameter, not report's flag)."""
    base = ("report", "bundled:chinchilla", "--format", "svg", "-o", tmp_path / "figs", "--bootstrap", "0",
            "--no-planners", "--curves", "bundled:gpt3_curves")
    assert _only_error(cli(*base, "--curves-train-models", "0")).startswith("error: --curves-train-models must be")
    assert "--curves-min-tokens" in _only_error(cli(*base, "--curves-min-tokens", "1e308"))


def test_report_unique_tokens_are_token_counts(cli, tmp_path):
    line = _only_error(cli("report", "bundled:chinchilla", "--format", "svg", "-o", tmp_path / "figs",
                           "--bootstrap", "0", "--unique-tokens", "0"))
    assert line == "error: --unique-tokens must be positive token counts"  # it said 'positive FLOP counts'


def test_observe_target_file_that_is_a_folder(cli, tmp_path):
    line = _only_error(cli("observe", "fit", "bundled:obsscaling_base", "--target", "GSM8K", *OBS_BENCH,
                           "--target-file", tmp_path))
    assert line == f"error: {tmp_path}: is a directory, not a table file"  # it said 'no such file'


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_observe_non_finite_target_scale_names_the_flag(cli, value):
    """nan said 'only 0 models have GSM8K'; inf fitted a target of zeros."""
    line = _only_error(cli("observe", "fit", "bundled:obsscaling_base", "--target", "GSM8K", *OBS_BENCH,
                           "--target-scale", value))
    assert line == f"error: --target-scale must be a positive finite number, got {value}"


def test_observe_huge_delta_fits_without_an_overflow_warning(cli):
    proc = cli("observe", "fit", "bundled:obsscaling_base", "--target", "GSM8K", *OBS_BENCH, "--delta", "1e308",
               check=True)
    assert "Warning" not in proc.stderr and "overflow" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("--cutoff", "nan"), "error: --cutoff must be a finite number, got nan"),
    (("--cutoff", "-1"), "error: the holdout rule leaves no train models: no model has 'FLOPs (1E21)' <= --cutoff -1"),
    (("--holdout-top", "1"), "error: --holdout-top must be a fraction in (0, 1), got 1"),
])
def test_observe_evaluate_split_errors_name_the_flag(cli, args, expected):
    """The cutoffs said '--n-components = 3 must be between 1 and min(models, benchmarks) = 0'; the top fraction
    'top fraction 1.0 must be in (0, 1)'."""
    assert _only_error(cli("observe", "evaluate", "bundled:obsscaling_base", "--target", "GSM8K", *OBS_BENCH,
                           *args)) == expected


def test_density_date_column_of_names_has_no_pandas_warning(cli):
    line = _only_error(cli("density", "bundled:densing_models", "-r", "Llama", "--date-col", "Model"))
    assert line == ("error: bundled:densing_models, row 1, column 'Model': 'meta-llama/Llama-2-7b-hf' is not a date "
                    "(YYYY-MM-DD)")


def test_skills_predict_infinite_hypothetical_model_is_refused(cli):
    """--at inf:15 printed a row of nan."""
    line = _only_error(cli("skills", "predict", "bundled:sloth_scores", "--method", "basic", "--family", "llama",
                           "--at", "inf:15"))
    assert line == "error: --at sizes and token counts must be positive finite numbers, got 'inf:15'"


def test_test_time_coverage_huge_k_is_short(cli):
    line = _only_error(cli("test-time", "coverage", MONKEYS, "--ks", "1e308"))  # it printed all 309 digits
    assert line.startswith("error: k = 1e+308 is more than the 10000 samples drawn for some problem")


def test_test_time_bins_pilot_zero_is_refused(cli):
    line = _only_error(cli("test-time", "bins", MONKEYS, "--samples-per-problem", "10", "--pilot", "0"))
    assert line == "error: --pilot must be a positive whole number, got 0"  # it ran without a pilot


def test_select_a_law_named_twice_is_refused(cli):
    """chinchilla,chinchilla was fitted and ranked twice (ranks 1 and 2, the same error)."""
    line = _only_error(cli("select", "bundled:chinchilla", "--laws", "chinchilla,kaplan,chinchilla", "--bootstrap", "0"))
    assert line == "error: --laws names 'chinchilla' more than once"


def test_other_saved_files_given_as_a_fit_or_a_table_say_what_they_are(cli, tmp_path):
    """A test-time fit given as a table was called 'a saved fit (from `scalinglab fit --out` ...)'; a Sloth model
    or a test-time fit given as --fit said only 'a fit needs at least 'law' and 'params''."""
    tt, sk = tmp_path / "tt.json", tmp_path / "sloth.json"
    cli("test-time", "fit", MONKEYS, "--models", "Pythia 70M", "--out", tt, check=True)
    cli("skills", "fit", "bundled:sloth_scores", "--method", "flops", "--out", sk, check=True)
    line = _only_error(cli("density", tt, "-r", "Llama"))
    assert line.startswith(f"error: {tt}: is a saved test-time fit (from `scalinglab test-time fit --out`")
    for path, kind in ((tt, "scalinglab.test-time-fit/1"), (sk, "scalinglab.sloth")):
        line = _only_error(cli("forecast", "bundled:gpt3_curves", "--fit", path, "--run", "gpt3-xl",
                               "--final-tokens", "3e11"))
        assert line == (f"error: {path}: a fit needs at least 'law' and 'params' (its kind is {kind!r}: "
                        "not a FIT.json from `scalinglab fit --out`)")


def test_forecast_interval_level_is_not_rounded_to_100_percent(cli, tmp_path):
    fit = tmp_path / "fit.json"
    cli("fit", "bundled:chinchilla", "--out", str(fit), check=True)
    out = cli("forecast", "bundled:gpt3_curves", "--fit", fit, "--run", "gpt3-xl", "--final-tokens", "3e11",
              "--bootstrap", "5", "--level", "0.9999999999", check=True).stdout
    assert "99.99999999% interval" in out and "100% interval" not in out, out


def test_report_post_that_is_a_folder(cli, tmp_path):
    """It was an IsADirectoryError traceback."""
    line = _only_error(cli("report", "bundled:chinchilla", "--format", "svg", "-o", tmp_path / "figs",
                           "--bootstrap", "0", "--no-planners", "--post", tmp_path))
    assert line == f"error: {tmp_path}: is a directory, not a post_runs.csv"


@pytest.mark.parametrize("args", [("evaluate", ""), ("select", "", "--laws", "chinchilla"), ("test-time", "fit", ""),
                                  ("skills", "fit", "", "--method", "flops"), ("export", "", "-o", "x.csv")])
def test_an_empty_table_name_says_so(cli, tmp_path, args):
    """'' was read as '.': 'error: .: is a directory, not a table file'."""
    assert _only_error(cli(*args, cwd=tmp_path)) == "error: the table's file name is empty"
    assert not (tmp_path / "x.csv").exists()


@pytest.fixture
def monkeys_with_tokens(tmp_path):
    """The Pythia counts with a D column (300B tokens each), as `test-time sizes` needs."""
    import pandas as pd

    path = tmp_path / "counts_d.csv"
    pd.read_csv(MONKEYS).assign(D=3e11).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("ks", "shown"), [("100000", "100000"), ("1e308", "1e+308")])
def test_test_time_sizes_k_past_every_model_names_k_and_the_flag(cli, monkeys_with_tokens, ks, shown):
    """It said 'no tokens column (D) and no compute column (C) ...; name one with tokens_col or flops_col' of a
    table that has D (the empty one left at that k), with 1e308 in all its digits."""
    line = _only_error(cli("test-time", "sizes", monkeys_with_tokens, "--ks", ks))
    assert line == (f"error: {monkeys_with_tokens}: at k = {shown} no model has k samples per problem and a coverage "
                    "above 0; give smaller --ks")


def test_a_saved_size_law_given_as_a_table_says_what_it_is(cli, monkeys_with_tokens, tmp_path):
    law = tmp_path / "sizes.json"
    cli("test-time", "sizes", monkeys_with_tokens, "--ks", "1", "--out", law, check=True)
    line = _only_error(cli("test-time", "fit", law))
    assert line.startswith(f"error: {law}: is a saved size law (from `scalinglab test-time sizes --out`")



def test_import_scores_of_a_bundled_table_says_it_is_a_table_already(cli, tmp_path):
    """`import-scores bundled:sloth_scores` said "no such file"; nothing is written."""
    line = _only_error(cli("import-scores", "bundled:sloth_scores", "-o", tmp_path / "scores.csv"))
    assert line.startswith("error: bundled:sloth_scores: a bundled data set is a score table already"), line
    assert not (tmp_path / "scores.csv").exists()
