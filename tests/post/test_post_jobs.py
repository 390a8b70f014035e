"""``post run --jobs 2`` (spawned processes) writes the same post_runs.csv as ``--jobs 1``; the chain and scan rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

SHORT = """\
[tasks]
train_per_task = 16
eval_per_task = 8
sft_sizes = [8]
[sft]
steps = 30
checkpoint_every = 10
[dpo]
steps = 4
checkpoint_every = 2
[grpo]
steps = 3
batch_size = 4
group_size = 4
checkpoint_every = 2
[gates]
sft_min_gain = -1.0
dpo_max_drop = 1.0
"""


def _table(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return [{k: v for k, v in r.items() if k != "wall_s"} for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def two_run_sweep(tmp_path_factory) -> Path:
    """The smoke sweep preset (two base runs: 1 and 2 layers)."""
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    pytest.importorskip("tokenizers", reason="the data pipeline needs tokenizers (scalinglab[train])")
    from scalinglab.sweep import spec_from_dict
    from scalinglab.sweep.presets import PRESETS
    from scalinglab.sweep.runner import run_sweep

    out = tmp_path_factory.mktemp("sweep2")
    run_sweep(spec_from_dict(PRESETS["smoke"], "test"), out, log=lambda m: None)
    return out


def test_jobs_2_equals_jobs_1(cli, two_run_sweep, tmp_path):
    spec = tmp_path / "short.toml"
    spec.write_text(SHORT)
    one = json.loads(cli("post", "run", "--spec", spec, "--base", two_run_sweep, "--out", tmp_path / "j1",
                         "--json", check=True).stdout)
    two = json.loads(cli("post", "run", "--spec", spec, "--base", two_run_sweep, "--out", tmp_path / "j2",
                         "--jobs", "2", "--json", check=True).stdout)
    assert one["bases"] == two["bases"] == 2 and two["jobs"] == 2
    t1, t2 = _table(tmp_path / "j1" / "post_runs.csv"), _table(tmp_path / "j2" / "post_runs.csv")
    assert t1 == t2  # every metric to the last printed digit, rows in runs.csv order

    runs = [r["run"] for r in csv.DictReader(open(two_run_sweep / "runs.csv"))]
    assert [(r["base_run"], r["stage"]) for r in t1] == [
        (run, stage) for run in runs for stage in ("base", "sft_scan", "sft", "dpo", "grpo")]
    scan, sft, dpo, grpo = t1[1:5]
    assert (scan["examples"], scan["steps"]) == ("32", "15")  # 8 per task, the same 7.5 epochs as 16 per task
    assert (sft["examples"], sft["steps"]) == ("64", "30")
    assert grpo["from"] == ("dpo" if dpo["promoted"] == "True" else "sft")
    assert grpo["prompts"] == "64" and grpo["steps"] == "3"
    assert 0.0 <= float(grpo["reward"]) <= 1.0 and 0.0 <= float(grpo["train_reward"]) <= 1.0
    assert all(float(r["eval_loss"]) > 0 for r in t1)

    proc = cli("post", "run", "--spec", spec, "--base", two_run_sweep, "--out", tmp_path / "j0", "--jobs", "0")
    assert proc.returncode == 2 and "jobs must be at least 1" in proc.stderr and "Traceback" not in proc.stderr


def test_bases_max_tokens_keeps_the_longest_run_of_each_shape(tmp_path):
    pytest.importorskip("torch", reason="the pipeline module imports PyTorch (scalinglab[train])")
    from scalinglab.post.pipeline import _select_bases

    runs = []
    for name, layers, width, d in [("a-D1", 1, 16, 1e5), ("a-D2", 1, 16, 4e5), ("b", 2, 32, 2e5), ("c", 1, 16, 3e5)]:
        rd = tmp_path / name
        rd.mkdir()
        (rd / "result.json").write_text(json.dumps({"layers": layers, "width": width, "heads": 1, "D": d}))
        runs.append(rd)
    assert [r.name for r in _select_bases(runs, "max_tokens")] == ["a-D2", "b"]
    assert _select_bases(runs, "all") == runs


def test_spec_checks_the_new_keys():
    from scalinglab.errors import InputError
    from scalinglab.post.presets import post_preset, post_spec_from_dict

    assert post_preset("tiny")["bases"] == "max_tokens" and post_preset("tiny")["tasks"]["sft_sizes"] == [4, 8, 16, 32, 64]
    for raw, msg in [({"tasks": {"sft_sizes": "4"}}, "tasks.sft_sizes must be a list of positive integers"),
                     ({"tasks": {"sft_sizes": [0]}}, "tasks.sft_sizes"),
                     ({"bases": "some"}, "bases must be one of all, max_tokens"),
                     ({"grpo": {"groups": 2}}, "unknown key(s) in [grpo]: groups")]:
        with pytest.raises(InputError, match=msg.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
                           .replace(")", r"\)")):
            post_spec_from_dict(raw, "s.toml")
