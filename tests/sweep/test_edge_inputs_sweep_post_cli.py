"""Edge inputs of ``scalinglab sweep`` and ``scalinglab post``: each is one line on stderr naming the file and key
(or the flag), exit 2, no traceback, no warning text, and nothing left half-written."""

from __future__ import annotations

import json
import sys

import pytest

from scalinglab.errors import InputError

RUN = "L1-d32-D30.7k"


def _only_error(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Warning" not in proc.stderr, proc.stderr
    return lines[0]


def _torch():
    pytest.importorskip("torch", reason="sweep run / post need PyTorch (scalinglab[train])")


# ------------------------------------------------------------------------------------------------ sweep spec


def test_a_binary_spec_file_is_named(cli, tmp_path):
    """A spec that is not UTF-8 text was a UnicodeDecodeError traceback."""
    spec = tmp_path / "bin.toml"
    spec.write_bytes(b"\x00\x01\xff\xfe")
    assert _only_error(cli("sweep", "plan", "--spec", spec)) == \
        f"error: {spec}: not a text file (a spec is TOML or YAML, UTF-8)"


def test_a_yaml_spec_without_pyyaml_names_the_file(tmp_path, monkeypatch):
    from scalinglab.sweep.spec import load_spec

    spec = tmp_path / "s.yaml"
    spec.write_text("name: x\n")
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml -> ImportError
    with pytest.raises(InputError, match="s.yaml: YAML specs need PyYAML"):
        load_spec(spec)


def test_a_top_level_key_is_named_without_a_prefix(cli):
    """`--set name=1` read "top level.name must be a string"."""
    assert _only_error(cli("sweep", "plan", "--preset", "smoke", "--set", "name=1")) == \
        "error: preset:smoke: name must be a string, got 1"


def test_two_runs_of_one_name_are_refused(cli, tmp_path):
    """The second [[runs]] entry of a name was dropped without a word (plan listed one run)."""
    spec = tmp_path / "dup.toml"
    spec.write_text('[[runs]]\nname = "a"\nlayers = 1\nwidth = 32\ntokens = 3e4\n'
                    '[[runs]]\nname = "a"\nlayers = 2\nwidth = 64\ntokens = 3e4\n')
    assert _only_error(cli("sweep", "plan", "--spec", spec)) == \
        f"error: {spec}: runs[1].name 'a' is also the name of runs[0]"


@pytest.mark.parametrize("name", ["../../evil", "a/b", "..", ""])
def test_a_run_name_that_is_not_a_folder_name_is_refused(tmp_path, name):
    """runs/<name> with "../x" was a folder outside the sweep."""
    from scalinglab.sweep.spec import spec_from_dict

    raw = {"runs": [{"name": name, "layers": 1, "width": 32, "tokens": 3e4}]}
    with pytest.raises(InputError, match=r"s\.toml: runs\[0\]\.name must be a plain folder name"):
        spec_from_dict(raw, "s.toml")


def test_a_seq_len_longer_than_the_data_is_refused_before_anything_is_written(cli, smoke_out):
    """It failed in each run ("shards hold fewer than seq_len+1"), after sweep.json had been replaced and the
    run folders made."""
    _torch()
    out = smoke_out("long")
    line = _only_error(cli("sweep", "run", "--preset", "smoke", "--out", out, "--set", "model.seq_len=400000", "-q"))
    assert "model.seq_len 400000 is too long for the data: its training split holds" in line
    assert not (out / "sweep.json").exists() and not (out / "runs").exists()


# ------------------------------------------------------------------------------------------------ sweep flags


@pytest.mark.parametrize(("args", "expected"), [
    (("--nproc-per-node", "0"), "error: --nproc-per-node must be at least 1, got 0"),
    (("--executor", "slurm", "--timeout-min", "-1"), "error: --timeout-min must be at least 1 minute, got -1"),
    (("--executor", "slurm", "--gpus-per-node", "-1"), "error: --gpus-per-node must be at least 0, got -1"),
    (("--peak-tflops", "inf"), "error: --peak-tflops must be a positive finite number, got inf"),
    (("--peak-tflops", "nan"), "error: --peak-tflops must be a positive finite number, got nan"),
])
def test_bad_run_flags_are_refused_before_anything_is_written(cli, tmp_path, args, expected):
    """--nproc-per-node 0 and --timeout-min -1 trained the sweep; --peak-tflops inf failed after the data was
    prepared, naming `peak_flops` of a run."""
    _torch()
    out = tmp_path / "o"
    assert _only_error(cli("sweep", "run", "--preset", "smoke", "--out", out, *args)) == expected
    assert not out.exists()


def test_resume_with_nproc_per_node_0_is_refused(cli, tmp_path):
    assert _only_error(cli("sweep", "resume", "--out", tmp_path, "--nproc-per-node", "0")) == \
        "error: --nproc-per-node must be at least 1, got 0"


def test_run_into_a_file_is_refused(cli, tmp_path):
    """--out FILE was a FileExistsError traceback."""
    _torch()
    out = tmp_path / "afile"
    out.write_text("keep")
    assert _only_error(cli("sweep", "run", "--preset", "smoke", "--out", out, "-q")) == \
        f"error: {out}: the output folder is a file"
    assert out.read_text() == "keep"


# ------------------------------------------------------------------------------------------ sweep.json, status


@pytest.mark.parametrize(("text", "expected"), [
    ("{bad", "unreadable sweep.json (not JSON)"),
    ("[]", "not a sweep.json (it holds no spec)"),
])
def test_resume_of_a_corrupt_sweep_json_is_named(cli, tmp_path, text, expected):
    """These were JSONDecodeError / TypeError tracebacks."""
    (tmp_path / "sweep.json").write_text(text)
    assert _only_error(cli("sweep", "resume", "--out", tmp_path)) == f"error: {tmp_path / 'sweep.json'}: {expected}"


@pytest.mark.parametrize("text", ["{bad", "[]", '{"runs": [{"x": 1}]}'])
def test_status_of_a_corrupt_sweep_json_is_named(cli, tmp_path, text):
    """"{bad" read as "no sweep.json"; "[]" and runs without a name were tracebacks."""
    (tmp_path / "sweep.json").write_text(text)
    assert _only_error(cli("sweep", "status", "--dir", tmp_path)) == \
        f"error: {tmp_path / 'sweep.json'}: unreadable sweep.json (needs a list of runs, each with a name and steps)"


def test_status_reads_a_corrupt_run_state_as_missing(cli, tmp_path):
    """A result.json without a status string and a curve.json of other records were KeyError tracebacks."""
    (tmp_path / "sweep.json").write_text(json.dumps({"runs": [{"name": "a", "steps": 5}, {"name": "b", "steps": 5}]}))
    for name in ("a", "b"):
        (tmp_path / "runs" / name).mkdir(parents=True)
    (tmp_path / "runs" / "a" / "result.json").write_text('{"status": 3}')
    (tmp_path / "runs" / "b" / "curve.json").write_text('[{"x": 1}]')
    (tmp_path / "runs" / "b" / "checkpoint.pt").write_text("x")
    rows = json.loads(cli("sweep", "status", "--dir", tmp_path, "--json", check=True).stdout)
    assert [(r["run"], r["status"], r["step"]) for r in rows] == [("a", "pending", 0), ("b", "partial", 0)]


# ------------------------------------------------------------------------------------------------ export


def test_export_of_a_corrupt_checkpoint_is_named(cli, tmp_path):
    """A checkpoint.pt that is not a checkpoint was an UnpicklingError traceback."""
    _torch()
    run = tmp_path / "runs" / "r"
    run.mkdir(parents=True)
    (run / "checkpoint.pt").write_text("garbage")
    (run / "result.json").write_text("{}")
    line = _only_error(cli("sweep", "export", run, "--out", tmp_path / "hf"))
    assert line.startswith(f"error: {run / 'checkpoint.pt'}: unreadable checkpoint (")
    assert not (tmp_path / "hf").exists()


def test_export_of_an_unfinished_run_is_refused(cli, tmp_path):
    """A killed run's checkpoint was exported as if it were the final model."""
    _torch()
    run = tmp_path / "runs" / "r"
    run.mkdir(parents=True)
    (run / "checkpoint.pt").write_text("partial")
    assert _only_error(cli("sweep", "export", run, "--out", tmp_path / "hf")) == \
        f"error: {run}: the run is unfinished (no result.json); finish it with `scalinglab sweep resume`"


def test_export_into_a_file_is_refused(cli, tmp_path):
    """--out FILE was a NotADirectoryError traceback after the model was built."""
    _torch()
    out = tmp_path / "afile"
    out.write_text("keep")
    assert _only_error(cli("sweep", "export", tmp_path, "--out", out)) == f"error: {out}: the output folder is a file"
    assert out.read_text() == "keep"


# ------------------------------------------------------------------------------------------------ post


def test_post_run_of_a_runs_csv_without_a_run_column_is_named(cli, tmp_path):
    """It was a KeyError('run') traceback."""
    _torch()
    (tmp_path / "runs.csv").write_text("a,b\n1,2\n")
    assert _only_error(cli("post", "run", "--base", tmp_path, "--out", tmp_path / "po")) == \
        f"error: {tmp_path / 'runs.csv'}, column 'run': no column 'run' (is this a sweep's runs.csv?)"
    assert not (tmp_path / "po").exists()


def test_post_run_of_a_missing_base_run_leaves_no_output_folder(cli, tmp_path):
    """The error came after the output folder was made."""
    _torch()
    (tmp_path / "runs.csv").write_text("run\nnosuch\n")
    assert _only_error(cli("post", "run", "--base", tmp_path, "--out", tmp_path / "po")) == \
        f"error: {tmp_path / 'runs.csv'}, row 1, column 'run': run 'nosuch' has no checkpoint under {tmp_path / 'runs'}"
    assert not (tmp_path / "po").exists()


def test_post_run_into_a_file_is_refused(cli, tmp_path):
    _torch()
    (tmp_path / "runs" / "r").mkdir(parents=True)
    (tmp_path / "runs" / "r" / "checkpoint.pt").write_text("x")
    (tmp_path / "runs.csv").write_text("run\nr\n")
    out = tmp_path / "afile"
    out.write_text("keep")
    assert _only_error(cli("post", "run", "--base", tmp_path, "--out", out)) == \
        f"error: {out}: the output folder is a file"


@pytest.mark.parametrize(("text", "expected"), [
    ("[sft]\nsteps = -1\n", "sft.steps must be an integer in [1, 2147483648], got -1"),
    ("[sft]\nlr = nan\n", "sft.lr must be a positive number, at most 1e+06, got nan"),
    ("[grpo]\ngroup_size = 1\n", "grpo.group_size must be an integer in [2, 4096], got 1"),
    ('threads = "x"\n', "threads must be an integer in [1, 4096], got 'x'"),
    ("seed = -1\n", "seed must be an integer in [0, 4294967295], got -1"),
    ("sft = 3\n", "[sft] must be a table, got 3"),
    ('[tasks]\nnames = ["nosuch"]\n', "tasks.names must be a non-empty list of tasks out of add, copy, reverse, "
                                      "stdlib, got ['nosuch']"),
    ("[tasks]\nnames = []\n", "tasks.names must be a non-empty list of tasks out of add, copy, reverse, stdlib, "
                              "got []"),
    ('[gates]\nbase_max_val_loss = "7"\n', "gates.base_max_val_loss must be a positive number, at most 1e+06, "
                                           "got '7'"),
])
def test_post_spec_values_name_the_file_and_key(cli, tmp_path, text, expected):
    """These were tracebacks (threads = "x"), errors naming neither file nor key (steps = -1: "steps,
    batch_size, ... must be at least 1"; an unknown task), "unknown key 'sft'", or passed (lr = nan)."""
    _torch()
    spec = tmp_path / "p.toml"
    spec.write_text(text)
    assert _only_error(cli("post", "sft", tmp_path, "--out", tmp_path / "ps", "--spec", spec)) == \
        f"error: {spec}: {expected}"
    assert not (tmp_path / "ps").exists()


def test_post_spec_that_is_a_folder_or_binary_is_named(cli, tmp_path):
    """A folder was an IsADirectoryError traceback, a binary file a UnicodeDecodeError one."""
    _torch()
    assert _only_error(cli("post", "sft", tmp_path, "--out", tmp_path / "ps", "--spec", tmp_path)) == \
        f"error: {tmp_path}: no such file"
    spec = tmp_path / "bin.toml"
    spec.write_bytes(b"\x00\xff\xfe")
    assert _only_error(cli("post", "run", "--base", tmp_path, "--out", tmp_path / "po", "--spec", spec)) == \
        f"error: {spec}: not a text file (a post spec is TOML, UTF-8)"


def test_post_sft_of_a_corrupt_checkpoint_is_named(cli, tmp_path):
    """It was an UnpicklingError traceback."""
    _torch()
    (tmp_path / "checkpoint.pt").write_bytes(b"\x80\x02garbage")
    line = _only_error(cli("post", "sft", tmp_path, "--out", tmp_path / "ps"))
    assert line.startswith(f"error: {tmp_path / 'checkpoint.pt'}: unreadable checkpoint (")
    assert not (tmp_path / "ps").exists()


def test_post_sft_into_a_file_is_refused(cli, tmp_path):
    """It was a FileExistsError traceback after the base model had been evaluated."""
    _torch()
    out = tmp_path / "afile"
    out.write_text("keep")
    assert _only_error(cli("post", "sft", tmp_path, "--out", out)) == f"error: {out}: the output folder is a file"


def test_post_dpo_from_a_non_stage_folder_is_refused_before_the_base_is_read(cli, tmp_path):
    _torch()
    (tmp_path / "empty").mkdir()
    assert _only_error(cli("post", "dpo", tmp_path / "nosuch", "--from", tmp_path / "empty", "--out",
                           tmp_path / "pd")) == f"error: {tmp_path / 'empty'}: not a stage folder (no stage.pt)"


@pytest.mark.parametrize("content", [b"junk", None])
def test_a_corrupt_stage_checkpoint_is_named(tmp_path, content):
    """--from a folder with a stage.pt that is not one (or of another shape) was a traceback."""
    _torch()
    import torch

    from scalinglab.post.train import load_stage_model
    from scalinglab.sweep.flops import Shape
    from scalinglab.sweep.model import GPT

    path = tmp_path / "stage.pt"
    if content is None:  # a stage of another base model
        torch.save({"model": GPT(Shape(1, 16, 1, 300, 8, 4)).state_dict(), "state": {}}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=f"{path}: (unreadable stage checkpoint|the weights do not fit)"):
        load_stage_model(tmp_path, GPT(Shape(1, 32, 1, 300, 8, 4)))
