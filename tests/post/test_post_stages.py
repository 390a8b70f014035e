"""``scalinglab post sft`` and ``post dpo --from``: one stage on one run, metrics as JSON, resumable folders."""

from __future__ import annotations

import json

import pytest


def test_sft_then_dpo_from_its_folder(cli, base_run_dir, tmp_path):
    pytest.importorskip("torch", reason="post-training needs PyTorch (scalinglab[train])")
    spec = tmp_path / "short.toml"
    spec.write_text("[tasks]\ntrain_per_task = 32\neval_per_task = 8\n[sft]\nsteps = 12\ncheckpoint_every = 5\n"
                    "[dpo]\nsteps = 6\ncheckpoint_every = 3\n")
    sft = json.loads(cli("post", "sft", base_run_dir, "--out", tmp_path / "sft", "--spec", spec, check=True).stdout)
    assert sft["stage"] == "sft" and sft["steps"] == 12 and sft["examples"] == 4 * 32
    assert 0.0 <= sft["accuracy"] <= 1.0 and set(sft) >= {"acc_add", "acc_copy", "acc_reverse", "acc_stdlib"}
    dpo = json.loads(cli("post", "dpo", base_run_dir, "--from", tmp_path / "sft", "--out", tmp_path / "dpo",
                         "--spec", spec, check=True).stdout)
    assert dpo["start_accuracy"] == sft["accuracy"]  # DPO starts from the SFT weights
    assert dpo["steps"] == 6 and dpo["pairs"] == 4 * 32 and 0.0 <= dpo["reward_accuracy"] <= 1.0
    # a finished stage folder is reused, not retrained
    again = json.loads(cli("post", "sft", base_run_dir, "--out", tmp_path / "sft", "--spec", spec,
                           check=True).stdout)
    assert again == sft
    proc = cli("post", "dpo", base_run_dir, "--from", tmp_path, "--out", tmp_path / "d2", "--spec", spec)
    assert proc.returncode == 2 and "no stage.pt" in proc.stderr and "Traceback" not in proc.stderr
