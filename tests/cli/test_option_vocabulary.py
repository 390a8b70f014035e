"""One option vocabulary across the CLI (issue #15): the click command tree that typer builds, walked.

* a column of an input table is spelled ``--X-col`` (never ``--X-column``, never a bare name);
* every command that prints a result has ``--json`` (the exceptions are listed, with reasons);
* a boolean flag is shown without a value placeholder (no ``--json <bool>``);
* the old spellings still parse, as hidden aliases, for a release.
"""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from scalinglab.cli.main import app

#: Commands without --json, and why.
NO_JSON = {
    "export": "writes a table file and says so in one line; it prints no result",
    "sweep export": "writes a Hugging Face model folder and says so in one line; it prints no result",
    "post sft": "always prints its held-out metrics as JSON",
    "post dpo": "always prints its held-out metrics as JSON",
    "post grpo": "always prints its held-out metrics as JSON",
}

#: Options whose value is a column but whose name is not ``--X-col``, and why.
NOT_COL = {
    ("observe fit", "--target"): "names the downstream task (paired with --target-file/-scale/-floor)",
    ("observe evaluate", "--target"): "names the downstream task (paired with --target-file/-scale/-floor)",
}

_COLUMN_HELP = re.compile(r"^column (with|of|to)\b", re.IGNORECASE)


def _commands():
    """(path, click command) of every leaf command."""
    out = []

    def walk(cmd, path):
        if hasattr(cmd, "commands"):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, [*path, name])
        else:
            out.append((" ".join(path), cmd))

    walk(typer.main.get_command(app), [])
    return out


COMMANDS = _commands()


def _options(cmd):
    return [p for p in cmd.params if p.param_type_name == "option"]


def test_the_tree_is_the_whole_cli():
    names = {path for path, _ in COMMANDS}
    assert {"fit", "report", "density", "skills fit", "observe evaluate", "sweep status", "plan cost"} <= names
    assert len(names) > 30


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_column_options_are_spelled_col(path, cmd):
    for param in _options(cmd):
        longs = [o for o in param.opts if o.startswith("--")]
        assert not [o for o in longs if o.endswith("-column")], f"{path}: {longs} (use --X-col)"
        if _COLUMN_HELP.match(param.help or "") and (path, longs[0]) not in NOT_COL:
            assert longs[0].endswith("-col"), f"{path} {longs[0]}: a column option must be --X-col"


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_result_command_has_json(path, cmd):
    flags = {o for p in _options(cmd) for o in p.opts}
    if path in NO_JSON:
        assert "--json" not in flags, f"{path} has --json now: drop it from NO_JSON"
    else:
        assert "--json" in flags, f"{path} prints a result but has no --json"
        (json_opt,) = [p for p in _options(cmd) if "--json" in p.opts]
        assert json_opt.is_flag and not json_opt.secondary_opts


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_flags_have_no_value_placeholder(path, cmd):
    for param in _options(cmd):
        if param.is_flag:
            shown = param.get_help_record(cmd.context_class(cmd))[0]
            assert "<" not in shown and "BOOL" not in shown.upper(), f"{path}: {shown!r}"
    res = CliRunner().invoke(app, [*path.split(), "--help"])
    assert res.exit_code == 0, res.output
    assert "<bool>" not in res.output and "BOOLEAN" not in res.output, f"{path} --help:\n{res.output}"


def test_out_names_only_outputs():
    """``sweep status`` reads a folder: it is --dir (its old --out still parses, hidden)."""
    status = dict(COMMANDS)["sweep status"]
    assert {o for p in _options(status) for o in p.opts} == {"--dir", "--json"}


def _invoke(*args: str):
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")


def test_old_column_names_are_hidden_aliases():
    """--X-column → --X-col (density, skills had them): the value reaches the column option."""
    code, out = _invoke("density", "bundled:densing_models", "-r", "Qwen1.5", "--params-column", "NoSuchCol")
    assert code == 2 and "column 'NoSuchCol'" in out and "No such option" not in out
    code, out = _invoke("skills", "fit", "bundled:sloth_scores", "--family-column", "NoSuchCol")
    assert code == 2 and "family column not found" in out and "No such option" not in out
    for path in ("density", "skills fit"):
        shown = CliRunner().invoke(app, [*path.split(), "--help"]).output
        assert "-column" not in shown


def test_observe_key_is_a_hidden_alias_of_model_col():
    code, out = _invoke("observe", "fit", "bundled:obsscaling_base", "--target", "MMLU", "--target-file",
                        "bundled:obsscaling_base", "--key", "NoSuchCol")
    assert code == 2 and "join key 'NoSuchCol' missing" in out and "No such option" not in out
    assert "--key" not in CliRunner().invoke(app, ["observe", "fit", "--help"]).output


def test_sweep_status_out_is_a_hidden_alias_of_dir(tmp_path):
    code, out = _invoke("sweep", "status", "--out", str(tmp_path))
    assert code == 2 and "not a sweep folder" in out
    code, out = _invoke("sweep", "status", "--dir", str(tmp_path))
    assert code == 2 and "not a sweep folder" in out
    assert "--out" not in CliRunner().invoke(app, ["sweep", "status", "--help"]).output


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_library_errors_are_shown_with_the_visible_flag(path, cmd):
    """handle_errors rewrites `param` in a library error to the command's flag: the one --help shows
    (e.g. density's `loss_column` → --loss-col, `json_out` → --json, post dpo's `init` → --from)."""
    from scalinglab.cli.common import command_flags

    func = cmd.callback
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    flags = command_flags(func)
    for param in _options(cmd):
        shown = [o for o in param.opts if o.startswith("--")][0]
        assert flags.get(param.name, shown) == shown, f"{path}: `{param.name}` would read {flags[param.name]}"
