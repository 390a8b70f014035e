"""Typed sweep specs: each bad field is exit 2 and one line naming the file and the key, before any data work."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scalinglab.cli.main import app
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.sweep.presets import PRESETS
from scalinglab.sweep.spec import RunConfig, expand, spec_from_dict

GRID = '[grid]\nparams = [2e4]\ntokens = [1e5]\n'
RUNS = '[[runs]]\nlayers = {layers}\nwidth = {width}\ntokens = {tokens}\n'

# (spec text, key the message must name) for every bad value listed in issue #13, and #11's 1e308
BAD = [
    ('[train]\nbatch_size = 0\n' + GRID, "train.batch_size"),
    ('[train]\nbatch_size = "sixteen"\n' + GRID, "train.batch_size"),
    ('[train]\nlr = -1\n' + GRID, "train.lr"),
    ('[train]\nlr = "fast"\n' + GRID, "train.lr"),
    (RUNS.format(layers=-1, width=32, tokens=4096), "runs[0].layers"),
    (RUNS.format(layers=1, width=32, tokens=-4096), "runs[0].tokens"),
    (RUNS.format(layers=1, width=0, tokens=4096), "runs[0].width"),
    ('[grid]\nparams = [2e4]\ntokens = [-4096]\n', "grid.tokens"),
    ('[train]\ncheckpoint_every = -3\n' + GRID, "train.checkpoint_every"),
    ('[train]\nwarmup_fraction = 2\n' + GRID, "train.warmup_fraction"),
    ('[data]\nvocab_size = 100\n' + GRID, "data.vocab_size"),
    ('[grid]\nparams = [1e308]\ntokens = [1e5]\n', "grid.params"),
    ('[train]\nkeep_checkpoints = [0]\n' + GRID, "train.keep_checkpoints"),
    ('[train]\ncompile = "yes"\n' + GRID, "train.compile"),
]


@pytest.mark.parametrize(("text", "key"), BAD, ids=[k for _, k in BAD])
def test_sweep_plan_rejects_each_bad_field(tmp_path: Path, text: str, key: str):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", "plan", "--spec", str(spec), "--out", str(out)])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(spec) in lines[0] and key in lines[0], res.output
    assert "Traceback" not in res.output and not out.exists()  # nothing prepared, nothing written


def test_bad_spec_is_one_line_in_a_real_process(cli, tmp_path: Path):
    spec = tmp_path / "bad.toml"
    spec.write_text('[train]\nbatch_size = "sixteen"\n' + GRID)
    res = cli("sweep", "run", "--spec", spec, "--out", tmp_path / "out")
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "train.batch_size must be an integer" in res.stderr and "'sixteen'" in res.stderr
    assert not (tmp_path / "out").exists()


def test_good_values_still_load_and_run_config_checks_itself():
    spec = spec_from_dict({**PRESETS["smoke"], "train": {**PRESETS["smoke"]["train"], "keep_checkpoints": [20, 40]}})
    runs = expand(spec, "d")
    assert runs[0].keep_checkpoints == (20, 40)
    assert RunConfig.from_dict(runs[0].to_dict()) == runs[0]  # JSON round trip
    with pytest.raises(InputError, match="lr must be a positive number"):
        RunConfig.from_dict({**runs[0].to_dict(), "lr": 0}, "config.json")
    with pytest.raises(InputError, match="config.json: unknown run config key"):
        RunConfig.from_dict({**runs[0].to_dict(), "lrr": 1}, "config.json")


# ---------------------------------------------------------------- property-based: load or raise our error
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                    st.sampled_from([1e308, -0.0, 2**63, 0.5, 8, 64, 1e5]))
_value = st.one_of(_scalar, st.lists(_scalar, max_size=3), st.dictionaries(st.text(max_size=4), _scalar,
                                                                          max_size=2))


def _mutations():
    """The smoke preset with a few keys (known or not) of some sections set to arbitrary values."""
    sections = st.sampled_from(["data", "model", "train", "gates", "runs", "top", "grid", "isoflop"])
    keys = st.sampled_from(["batch_size", "lr", "vocab_size", "seq_len", "head_dim", "width", "layers",
                            "tokens", "params", "budgets", "sizes", "span", "micro_batch", "warmup_steps",
                            "forecast", "quality", "seed", "name", "compile", "dtype", "nope"])
    return st.lists(st.tuples(sections, keys, _value), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_any_spec_loads_or_raises_the_project_error(changes):
    spec = {k: (dict(v) if isinstance(v, dict) else [dict(r) for r in v] if k == "runs" else v)
            for k, v in PRESETS["smoke"].items()}
    for section, key, value in changes:
        if section == "top":
            spec[key] = value
        elif section == "runs":
            spec["runs"][0][key] = value
        else:
            target = spec.setdefault(section, {})
            if isinstance(target, dict):
                target[key] = value
    try:
        runs = expand(spec_from_dict(spec, "prop.toml"), "d")
    except ScalingLabError as exc:
        assert "\n" not in str(exc)
        return
    for r in runs:  # what loads is sane: positive sizes, finite numbers
        assert r.n_layer >= 1 and r.d_model >= 1 and r.steps >= 1 and r.batch_size >= 1
        assert math.isfinite(r.lr) and r.lr > 0


# --set overrides: (override, key the one-line error must name); the same schema checks as a spec file
BAD_SETS = [
    ("train.lr=-1", "train.lr must be a positive number"),
    ("train.lr=fast", "train.lr must be a positive number"),
    ("train.batch_size=sixteen", "train.batch_size must be an integer"),
    ("train.batch_size=2.5", "train.batch_size must be an integer"),
    ("grid.params=[1e308]", "grid.params must be"),
    ("grid.tokens=[1e5, -3]", "grid.tokens must be"),
    ("train.lrr=1", "unknown key(s) in [train]: lrr"),
    ("trian.lr=1", "unknown top-level key(s): trian"),
    ("train.schedule=cos", "train.schedule must be one of"),
    ("train.lr.x=1", "train.lr must be a positive number"),  # a table where a number belongs
    ("grid.params.x=1", "grid.params is not a table"),
    ("train", "must be KEY=VALUE"),
]


@pytest.mark.parametrize(("override", "message"), BAD_SETS, ids=[o for o, _ in BAD_SETS])
def test_sweep_plan_rejects_each_bad_override(tmp_path: Path, override: str, message: str):
    spec = tmp_path / "s.toml"
    spec.write_text(GRID)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sweep", "plan", "--spec", str(spec), "--set", override, "--out", str(out)])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(spec) in lines[0] and message in lines[0], res.output
    assert "Traceback" not in res.output and not out.exists()


def test_sweep_plan_applies_good_overrides_to_presets_and_files(tmp_path: Path):
    import json

    def plan(*args: str) -> list[dict]:
        res = CliRunner().invoke(app, ["sweep", "plan", *args, "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    base = plan("--preset", "tiny")
    rows = plan("--preset", "tiny", "--set", "grid.params=[2.5e4, 8.3e4]", "--set", "grid.tokens=5e5",
                "--set", "train.batch_size=8")
    assert sorted(r["N"] for r in rows) == [24736, 83280]  # the two sizes asked for, one budget each
    assert {r["D"] for r in rows} == {8 * 128 * round(5e5 / (8 * 128))} and len(base) == 15
    assert PRESETS["tiny"]["grid"]["params"][0] == 3.1e3 and PRESETS["tiny"]["train"]["batch_size"] == 16
    spec = tmp_path / "s.toml"
    spec.write_text(GRID)
    (row,) = plan("--spec", str(spec), "--set", "model.seq_len=64", "--set", "train.batch_size=4")
    assert row["D"] == 4 * 64 * round(1e5 / (4 * 64)) and row["steps"] == round(1e5 / 256)
    # the override reaches the runs themselves: a string value, a bool and a number
    from scalinglab.sweep.spec import apply_overrides

    raw = apply_overrides({"grid": {"params": [2e4], "tokens": [1e5]}},
                          ["train.schedule=wsd", "train.compile=false", "train.lr=0.01", "seed=3"])
    (run,) = expand(spec_from_dict(raw), "/d")
    assert (run.schedule, run.compile, run.lr, run.seed) == ("wsd", False, 0.01, 3)
