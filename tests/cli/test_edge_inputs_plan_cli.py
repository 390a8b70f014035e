"""Edge inputs to `plan`, `optimal` and `predict`: one `error:` line naming the flag, exit 2, or short numbers."""

from __future__ import annotations

import re

import pytest

COST = ("plan", "cost", "--preset", "epoch2024", "--target-loss", "2.1", "--requests", "1e9",
        "--input-tokens", "100")


def _only_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Warning" not in proc.stderr, proc.stderr
    return lines[0]


def _short(out: str) -> None:
    """No 15-digit runs (with or without thousands commas), no nan/inf printed as a result."""
    assert not re.search(r"\d{15}", out.replace(",", "")), out
    assert not re.search(r"\b(nan|inf)\b", out), out


@pytest.mark.parametrize("extra", [("--price", "1e308"), ("--price", "1e-308"), ("--mfu-train", "1e-308"),
                                   ("--mfu-generate", "1e-308"), ("--inference-price", "1e308")])
def test_cost_outside_the_float_range_names_the_flags(cli, extra):
    """1e308 printed $inf and "saves nan%" (exit 0); 1e-308 said "float division by zero"."""
    line = _only_error(cli(*COST, "--output-tokens", "100", *extra))
    assert "outside the float range" in line and "--price" in line and "--mfu-train" in line, line


@pytest.mark.parametrize("extra", [("--requests", "1e308"), ("--input-tokens", "1e308")])
def test_cost_lifetime_tokens_past_the_float_range_name_the_flags(cli, extra):
    """It said "inference tokens must be a non-negative number, got inf" (no flag)."""
    line = _only_error(cli(*COST, "--output-tokens", "100", *extra))
    assert line == "error: --requests × --input-tokens is past the float range of lifetime tokens"


def test_cost_and_inference_with_astronomical_workloads_print_short_numbers(cli):
    """$2,747,583,... (200 digits) and 140-digit tokens/param ratios were printed."""
    out = cli(*COST, "--output-tokens", "1e200", check=True).stdout
    _short(out)
    assert "$2.75e+201" in out, out
    assert "(  48.4 tok/param)" in cli(*COST, "--output-tokens", "100", check=True).stdout  # ordinary: unchanged
    out = cli("plan", "inference", "--inference-tokens", "1e200", "--preset", "epoch2024", "--target-loss", "2.1",
              check=True).stdout
    _short(out)
    assert "4.38e+139 tokens/param" in out, out


@pytest.mark.parametrize("cmd", ["inference", "cost"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_target_loss_names_the_flag(cli, cmd, value):
    args = ("--inference-tokens", "1e12") if cmd == "inference" else COST[4:] + ("--output-tokens", "1")
    line = _only_error(cli("plan", cmd, *args, "--preset", "epoch2024", "--target-loss", value))
    assert line == f"error: --target-loss must be a finite number, got {value}"


def test_astronomical_losses_print_in_scientific_notation(cli, tmp_path):
    """A budget of 1e-308 FLOPs printed losses of 30 to 60 digits."""
    fit = tmp_path / "a2.json"
    cli("fit", "bundled:chinchilla", "--approach", "2", "--out", str(fit), check=True)
    for args in (("plan", "data-constrained", "--compute", "1e-308", "--unique-tokens", "1e11"),
                 ("plan", "moe", "--compute", "1e-308"),
                 ("optimal", "--compute", "1e-308", "--preset", "epoch2024"),
                 ("optimal", "--compute", "1e-308", "--preset", "epoch2024", "--compute-convention", "deepseek"),
                 ("predict", "--fit", str(fit), "--compute", "1e-308")):
        out = cli(*args, check=True).stdout
        assert not re.search(r"\d{15}", out), (args, out)
        assert re.search(r"\d\.\d+e\+\d\d", out), (args, out)
    ordinary = cli("optimal", "--compute", "1e23", "--preset", "epoch2024", check=True).stdout
    assert re.search(r"loss \d\.\d{4}$", ordinary.strip()), ordinary


def test_data_constrained_less_than_one_unique_token_is_refused(cli):
    """1e-308 printed an overflow RuntimeWarning, "inf epochs" and a 112-digit loss, exit 0."""
    line = _only_error(cli("plan", "data-constrained", "--compute", "1e23", "--unique-tokens", "1e-308"))
    assert line == "error: --unique-tokens must be at least 1 token, got 1e-308"


def test_data_constrained_law_with_overflowing_repeats_has_no_warning():
    import warnings

    import numpy as np

    from scalinglab.laws.data_constrained import _effective

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(_effective(np.log(1e-308), np.log(1e16), np.array(15.0)))


@pytest.mark.parametrize(("flag", "value", "cap", "shown"), [("--seq-len", "1e308", "1e+09", "1e+308"),
                                                            ("--seq-len", "0", "1e+09", "0"),
                                                            ("--aspect-ratio", "nan", "1e+06", "nan")])
def test_optimal_deepseek_shape_out_of_range_names_the_flag(cli, flag, value, cap, shown):
    """--seq-len 1e308 printed three RuntimeWarnings and a 108-digit loss; nan said "sequence length and
    aspect ratio must be positive" (no flag)."""
    line = _only_error(cli("optimal", "--compute", "1e23", "--preset", "epoch2024", "--compute-convention",
                           "deepseek", flag, value))
    assert line == f"error: {flag} must be positive and at most {cap}, got {shown}"


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_optimal_bad_compute_names_the_flag(cli, value):
    """It said "compute budget must be a positive number of FLOPs" (no flag)."""
    line = _only_error(cli("optimal", "--compute", "1e23", "--compute", value, "--preset", "epoch2024"))
    assert line == f"error: --compute must be a positive number of FLOPs, got {value}"


def test_moe_expansion_below_one_is_refused(cli):
    """--expansion 1e-308 planned N_active = 70B of N_total = 23.3B, exit 0."""
    line = _only_error(cli("plan", "moe", "--compute", "1e22", "--expansion", "1e-308"))
    assert line == "error: --expansion is the number of FFN-sized experts; it must be >= 1, got 1e-308"


@pytest.mark.parametrize(("args", "shown"), [
    (("--size-ratio", "2", "--inference-ratio", "1e-308"), "--size-ratio 2 and R = --inference-ratio = 1e-308"),
    (("--size-ratio", "1e308", "--inference-ratio", "1"), "--size-ratio 1e+308 and R = --inference-ratio = 1"),
    (("--size-ratio", "2", "--pretrain-tokens", "1e308", "--inference-tokens", "1e-308"),
     "--size-ratio 2 and R = --inference-tokens / --pretrain-tokens = 0")])
def test_snell_k_past_the_float_range_is_an_error(cli, args, shown):
    """R = 1e-308 printed "K = inf" (exit 0); the token counts said "float division by zero"."""
    line = _only_error(cli("plan", "test-time", *args))
    assert line == f"error: K = M + 3(M − 1)/R is past the float range for {shown}"


def test_predict_a_law_input_not_given_names_the_input_flag(cli):
    """--preset krajewski2024 without G was a KeyError traceback (exit 1)."""
    line = _only_error(cli("predict", "--preset", "krajewski2024", "--params", "1e9", "--tokens", "1e9"))
    assert line == "error: law 'moe-granularity' needs --input G=VALUE"
    cli("predict", "--preset", "krajewski2024", "--params", "1e9", "--tokens", "1e9", "--input", "G=8", check=True)


def test_predict_unknown_law_says_it_has_no_preset(cli):
    """--law nosuch said only "give --fit FIT.json ... or --preset NAME"."""
    line = _only_error(cli("predict", "--law", "nosuch", "--params", "1e9", "--tokens", "1e9"))
    assert line.startswith("error: --law 'nosuch' has no preset of that name; give --fit FIT.json or --preset NAME")


@pytest.mark.parametrize("point", [("--params", "5", "--tokens", "7"), ("--input", "N=5")])
def test_predict_at_a_table_and_a_point_conflict(cli, tmp_path, point):
    """The point was silently ignored: the table's predictions, exit 0."""
    at = tmp_path / "at.csv"
    at.write_text("N,D\n1e9,1e10\n")
    line = _only_error(cli("predict", "--preset", "epoch2024", "--at", str(at), *point))
    assert line == ("error: give either --at (a table of points) or a point (--params, --tokens, --compute, "
                    "--unique-tokens, --input), not both")
    cli("predict", "--preset", "epoch2024", "--at", str(at), check=True)


@pytest.mark.parametrize("extra", [("--out", "plan.json"), ("--plot", "plan.png", "--json")])
def test_snell_k_with_out_or_plot_is_refused(cli, tmp_path, extra):
    """--out/--plot were ignored with --size-ratio: exit 0 and nothing written."""
    extra = tuple(str(tmp_path / e) if "." in e else e for e in extra)
    line = _only_error(cli("plan", "test-time", "--size-ratio", "2", "--inference-ratio", "1", *extra))
    assert line == "error: --out and --plot go with --test-time-fit or --size-law, not Snell's K"
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "expected"), [
    (("--params", "nan", "--tokens", "1e10"), "error: --params (N) must be positive, got nan"),
    (("--params", "1e9", "--tokens", "-1"), "error: --tokens (D) must be positive, got -1"),
])
def test_hyperparams_bad_size_names_the_flag(cli, args, expected):
    """It said 'the parameter count N must be positive', naming no flag."""
    assert _only_error(cli("plan", "hyperparams", *args)) == expected


@pytest.mark.parametrize("args, flag", [(("plan", "moe", "--compute", "1e22", "--dense-preset", "BAD"), "--dense-preset"),
                                        (("predict", "--preset", "BAD", "--params", "1e9", "--tokens", "1e10"),
                                         "--preset")])
def test_an_unknown_preset_names_its_flag(cli, args, flag):
    """`plan moe --dense-preset BAD` said only "unknown preset 'BAD'", as if --preset were wrong."""
    line = _only_error(cli(*args))
    assert line.startswith(f"error: unknown preset 'BAD' for {flag}; known presets: ") and "epoch2024" in line
