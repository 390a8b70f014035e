"""Post-training specs: tasks, the SFT, DPO and GRPO stages, and the gates between them.

* ``smoke``: every base run of a sweep (made for the ``smoke`` sweep: two barely trained models of
  12k and 56k non-embedding parameters) -> 1000 SFT steps -> 30 DPO steps -> 20 GRPO steps on one-digit
  addition, copy/reverse of two letters and completing a line of the sweep's held-out validation text,
  one CPU thread.
* ``tiny``: the ``tiny`` sweep's base models, one per size (``bases = "max_tokens"``: the longest-trained
  run of each shape), SFT on 128 examples per task for 400 steps (12.5 epochs) plus a data-size scan on
  4, 8, 16, 32 and 64 examples per task at the same epochs (six D values per base model, the D axis of
  the post-training law, ``scalinglab post fit``), 20 DPO steps, 10 GRPO steps. Run it with ``--jobs 2``.

A spec file (TOML) has the same tables; keys it leaves out take these values.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from scalinglab.errors import InputError
from scalinglab.post.tasks import TASKS
from scalinglab.sweep.schema import Rule, check_value

SMOKE: dict[str, Any] = {
    "name": "smoke",
    "seed": 0,
    "threads": 1,
    # which runs of the sweep are base models: "all", or "max_tokens" (per shape, the longest-trained run)
    "bases": "all",
    # sft_sizes: extra SFT runs on that many examples per task (the fine-tuning data axis; not chained on)
    "tasks": {"names": ["add", "copy", "reverse", "stdlib"], "train_per_task": 256, "eval_per_task": 32,
              "digits": 1, "length": 2, "sft_sizes": []},
    "sft": {"steps": 1000, "batch_size": 32, "lr": 5e-3, "warmup_steps": 10, "checkpoint_every": 50},
    "dpo": {"steps": 30, "batch_size": 16, "lr": 1e-3, "warmup_steps": 3, "beta": 0.1, "nll_weight": 1.0,
            "checkpoint_every": 10},
    # GRPO (Shao et al. 2024): batch_size prompts x group_size samples per step, one policy update per
    # batch of samples (iterations = 1, as in DeepSeekMath's experiments), KL weight 0.04 (theirs)
    "grpo": {"steps": 20, "batch_size": 8, "group_size": 8, "lr": 5e-4, "warmup_steps": 2, "temperature": 1.0,
             "clip_eps": 0.2, "kl_beta": 0.04, "iterations": 1, "max_new": 6, "checkpoint_every": 5},
    # base -> SFT only when the base's validation loss is under the gate; SFT promoted when its held-out
    # accuracy beats the base's by more than sft_min_gain; DPO promoted unless its accuracy drops by more
    # than dpo_max_drop below SFT's.
    # GRPO promoted unless its accuracy drops by more than grpo_max_drop below its starting model's.
    "gates": {"base_max_val_loss": 7.0, "sft_min_gain": 0.0, "dpo_max_drop": 0.0, "grpo_max_drop": 0.0},
}
TINY: dict[str, Any] = {
    **SMOKE,
    "name": "tiny",
    "bases": "max_tokens",
    "tasks": {**SMOKE["tasks"], "train_per_task": 128, "sft_sizes": [4, 8, 16, 32, 64]},
    "sft": {"steps": 400, "batch_size": 16, "lr": 3e-3, "warmup_steps": 10, "checkpoint_every": 50},
    "dpo": {**SMOKE["dpo"], "steps": 20},
    "grpo": {**SMOKE["grpo"], "steps": 10},
}
PRESETS: dict[str, dict[str, Any]] = {"smoke": SMOKE, "tiny": TINY}
SECTIONS = {"tasks": set(SMOKE["tasks"]), "gates": set(SMOKE["gates"]),
            "sft": {"steps", "batch_size", "lr", "min_lr_ratio", "warmup_steps", "weight_decay", "grad_clip",
                    "checkpoint_every"},
            "dpo": {"steps", "batch_size", "lr", "min_lr_ratio", "warmup_steps", "weight_decay", "grad_clip",
                    "beta", "nll_weight", "checkpoint_every"},
            "grpo": {"steps", "batch_size", "lr", "min_lr_ratio", "warmup_steps", "weight_decay", "grad_clip",
                     "group_size", "temperature", "clip_eps", "kl_beta", "iterations", "max_new",
                     "checkpoint_every"}}
BASES = ("all", "max_tokens")

_STAGE = {"steps": Rule("int", 1, 2**31), "batch_size": Rule("int", 1, 1 << 24), "lr": Rule("float", 0.0, 1e6, True),
          "min_lr_ratio": Rule("float", 0.0, 1.0), "warmup_steps": Rule("int", 0, 2**31),
          "weight_decay": Rule("float", 0.0, 10.0), "grad_clip": Rule("float", 0.0, 1e6),
          "checkpoint_every": Rule("int", 1, 2**31), "beta": Rule("float", 0.0, 1e6, True),
          "nll_weight": Rule("float", 0.0, 1e6), "group_size": Rule("int", 2, 4096),
          "temperature": Rule("float", 0.0, 1e6, True), "clip_eps": Rule("float", 0.0, 10.0, True),
          "kl_beta": Rule("float", 0.0, 1e6), "iterations": Rule("int", 1, 1 << 20), "max_new": Rule("int", 1, 4096)}
#: Type and range of every key of a post spec (checked before anything is read or written; one error naming it).
RULES: dict[str, dict[str, Rule]] = {
    "": {"name": Rule("str"), "seed": Rule("int", 0, 2**32 - 1), "threads": Rule("int", 1, 4096)},
    "tasks": {"train_per_task": Rule("int", 1, 1 << 24), "eval_per_task": Rule("int", 1, 1 << 24),
              "digits": Rule("int", 1, 18), "length": Rule("int", 1, 1 << 10)},
    "gates": {"base_max_val_loss": Rule("float", 0.0, 1e6, True), "sft_min_gain": Rule("float", -1.0, 1.0),
              "dpo_max_drop": Rule("float", -1.0, 1.0), "grpo_max_drop": Rule("float", -1.0, 1.0)},
    **{kind: {k: _STAGE[k] for k in SECTIONS[kind]} for kind in ("sft", "dpo", "grpo")},
}


def _check_values(spec: dict[str, Any], source: str) -> None:
    """Each value of the merged spec typed and ranged (were tracebacks, or errors naming neither file nor key)."""
    for section, rules in RULES.items():
        values = spec[section] if section else spec
        for key, rule in rules.items():
            if key not in values:  # a stage key left out: StageConfig's default
                continue
            values[key] = check_value(values[key], rule, f"{section}.{key}" if section else key, source)
    names = spec["tasks"]["names"]
    if not (isinstance(names, list) and names and all(isinstance(n, str) and n in TASKS for n in names)):
        raise InputError(f"tasks.names must be a non-empty list of tasks out of {', '.join(TASKS)}, "
                         f"got {names!r:.60}", file=source)


def post_preset(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise InputError(f"unknown post preset {name!r} (presets: {', '.join(PRESETS)})")
    return copy.deepcopy(PRESETS[name])


def post_spec_from_dict(raw: dict[str, Any], source: str = "<spec>") -> dict[str, Any]:
    """Validate a spec mapping (unknown keys are errors) and fill what it leaves out from ``smoke``."""
    if not isinstance(raw, dict):
        raise InputError("a post spec must be a table of keys", file=source)
    spec = copy.deepcopy(SMOKE)
    for key, value in raw.items():
        if key in ("name", "seed", "threads"):
            spec[key] = value
        elif key == "bases":
            if value not in BASES:
                raise InputError(f"bases must be one of {', '.join(BASES)}, got {value!r}", file=source)
            spec[key] = value
        elif key in SECTIONS and isinstance(value, dict):
            bad = set(value) - SECTIONS[key]
            if bad:
                raise InputError(f"unknown key(s) in [{key}]: {', '.join(sorted(bad))}", file=source)
            spec[key] = {**spec[key], **value}
            sizes = spec["tasks"]["sft_sizes"]
            if key == "tasks" and not (isinstance(sizes, list) and all(
                    isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in sizes)):
                raise InputError(f"tasks.sft_sizes must be a list of positive integers, got {sizes!r}", file=source)
        elif key in SECTIONS:  # `sft = 3`: was "unknown key 'sft'"
            raise InputError(f"[{key}] must be a table, got {value!r:.40}", file=source)
        else:
            raise InputError(f"unknown key {key!r}", file=source)
    _check_values(spec, source)
    return spec


def load_post_spec(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():  # a folder was an IsADirectoryError traceback
        raise InputError("no such file", file=str(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:  # a binary file
        raise InputError("not a text file (a post spec is TOML, UTF-8)", file=str(path)) from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"not valid TOML: {e}", file=str(path)) from None
    return post_spec_from_dict(raw, str(path))


def resolve_post_spec(preset: str | None = None, spec: Path | str | None = None) -> dict[str, Any]:
    """The spec of a built-in ``preset`` or a ``spec`` file (not both; neither: ``smoke``)."""
    if preset is not None and spec is not None:
        raise InputError("give one of `preset` NAME or `spec` FILE, not both")
    return load_post_spec(spec) if spec else post_preset(preset or "smoke")


def presets_text() -> str:
    """One line per built-in post spec: its tasks and the steps of each stage."""
    return "\n".join(f"{name}: tasks {', '.join(p['tasks']['names'])}; sft {p['sft']['steps']} steps, "
                     f"dpo {p['dpo']['steps']} steps, grpo {p['grpo']['steps']} steps" for name, p in PRESETS.items())
