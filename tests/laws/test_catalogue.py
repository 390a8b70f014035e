"""The one-way law catalogue (issue #16) and declared law inputs with ``--col`` (issue #18)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.laws import PRESETS, Input, Law, Parameter, Preset, get_law, register_law, register_preset
from scalinglab.laws.catalogue import LAWS


def test_presets_complete_right_after_import_in_a_fresh_interpreter() -> None:
    code = ("import scalinglab; n = len(scalinglab.PRESETS); m = len(scalinglab.available_laws()); "
            "scalinglab.available_laws(); from scalinglab.laws.presets import available_presets; "
            "available_presets(); print(n, len(scalinglab.PRESETS), m)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, after, n_laws = map(int, out)
    assert before == after == len(PRESETS)
    assert {"kaplan2020-ns", "krajewski2024", "data-constrained"} <= set(PRESETS)
    assert n_laws == len(LAWS)


def test_law_modules_import_no_registry() -> None:
    from pathlib import Path

    import scalinglab.laws as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        if path.stem in ("catalogue", "registry", "presets", "__init__"):
            continue
        text = path.read_text()
        assert "catalogue" not in text and "registry" not in text and "laws.presets" not in text, path.name


def test_duplicates_raise_and_presets_are_checked() -> None:
    with pytest.raises(ScalingLabError, match="already registered"):
        register_law(type("Dup", (type(get_law("chinchilla")),), {}))
    with pytest.raises(ScalingLabError, match="already registered"):
        register_preset("hoffmann2022", Preset("chinchilla", {**PRESETS["hoffmann2022"].params, "E": 2.0}, "x"))
    with pytest.raises(ScalingLabError, match="parameters"):
        register_preset("broken-preset", Preset("chinchilla", {"E": 1.0}, "x"))
    with pytest.raises(ScalingLabError, match="unknown law"):
        register_preset("broken-preset", Preset("no-such-law", {}, "x"))
    assert "broken-preset" not in PRESETS


def test_input_names_never_collide_with_parameters() -> None:
    for name, cls in LAWS.items():
        assert not set(cls.inputs) & {p.name for p in cls.parameters}, name
        assert [v.name for v in cls.variables] == list(cls.inputs), name
    with pytest.raises(TypeError, match="collide"):
        type("Bad", (Law,), {"name": "bad", "variables": (Input("E"),), "parameters": (Parameter("E", 0, 1),),
                             "log_predict": lambda self, t, F, jac=False: None})


def test_laws_json_lists_inputs_with_units_and_aliases(cli) -> None:
    d = json.loads(cli("laws", "--json", check=True).stdout)
    routed = d["laws"]["moe-routed"]
    assert [v["name"] for v in routed["inputs"]] == ["N", "experts"]
    assert "num_experts" in routed["inputs"][1]["aliases"] and routed["inputs"][1]["unit"] == "experts"
    assert set(PRESETS) <= set(d["presets"])  # (allocation-law presets are listed too)


def _clark_runs(test_data, tmp_path):
    """Clark et al. 2022's routed runs at step 249000 (SLDBench MoE task), expert column renamed."""
    frame = pd.read_csv(test_data / "external" / "sldbench" / "moe_split.csv")
    frame = frame[frame["split"] == "train"].rename(columns={"E": "n_routed", "N": "dense_params"})
    path = tmp_path / "clark.csv"
    frame.to_csv(path, index=False)
    return path


def test_fit_moe_routed_with_col_and_unmapped_input_error(cli, test_data, tmp_path) -> None:
    path = _clark_runs(test_data, tmp_path)
    bad = cli("fit", path, "--law", "moe-routed", "--col", "N=dense_params")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'experts'" in bad.stderr and "--col experts=COLUMN" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    ok = cli("fit", path, "--law", "moe-routed", "--col", "experts=n_routed", "--col", "N=dense_params",
             "--json", check=True)
    d = json.loads(ok.stdout)
    assert d["n_points"] == 193 and d["converged"]
    # Clark et al. 2022: loss falls with size (a < 0) and with experts (b < 0), less so at scale (c > 0)
    assert d["params"]["a"] < 0 and d["params"]["b"] < 0 and d["params"]["c"] > 0


def test_col_option_is_validated(test_data) -> None:
    from scalinglab.data.runs import load_law_inputs, parse_col_options

    with pytest.raises(InputError, match="INPUT=COLUMN"):
        parse_col_options(["experts"])
    path = test_data / "external" / "sldbench" / "moe_split.csv"
    with pytest.raises(InputError, match="no such input"):
        load_law_inputs(path, get_law("moe-routed"), columns={"tokens_x": "E"})
    with pytest.raises(InputError, match="not found"):
        load_law_inputs(path, get_law("moe-routed"), columns={"experts": "nope"})
