"""Typed, ranged fields of a sweep spec: every bad value is one :class:`InputError` naming the file and key.

A :class:`Rule` says what a field holds (integer, number, text, flag, one of some choices, or a list of
numbers), its range and whether it may be absent (``None``). :func:`check_section` applies the rules of
one ``[section]`` of a spec before its dataclass is built, so no bad value ever reaches data preparation
or training. No torch here: ``sweep plan`` validates a spec without the training extra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scalinglab.errors import InputError

#: Largest sizes a spec may ask for: far past any sweep, far below where float arithmetic loses integers.
MAX_PARAMS = 1e13
MAX_TOKENS = 1e16
MAX_FLOPS = 1e28


@dataclass(frozen=True)
class Rule:
    """One field: ``kind`` in int/float/str/bool/choice/floats/dict, an inclusive or open range, optional."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    optional: bool = False
    choices: tuple[Any, ...] = ()

    def describe(self) -> str:
        """``an integer >= 1``, ``a number in (0, 1]``, ``one of 'a', 'b'`` ..."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        noun = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
                "floats": "a number or a list of numbers", "ints": "a list of integers",
                "dict": "a table", "list": "a list of tables"}[self.kind]
        if self.lo == 0 and self.lo_open and self.kind in ("float", "floats"):
            noun = "a positive number" if self.kind == "float" else "a positive number or a list of positive numbers"
            return noun if self.hi is None else f"{noun}, at most {_num(self.hi)}"
        if self.lo is not None and self.hi is not None:
            return f"{noun} in {'(' if self.lo_open else '['}{_num(self.lo)}, {_num(self.hi)}]"
        if self.lo is not None:
            return f"{noun} {'>' if self.lo_open else '>='} {_num(self.lo)}"
        return noun


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _show(v: Any) -> str:
    text = repr(v) if not isinstance(v, float) else f"{v:g}"
    return text if len(text) <= 40 else text[:37] + "..."


def _in_range(x: float, rule: Rule) -> bool:
    if not math.isfinite(x):
        return False
    if rule.lo is not None and (x <= rule.lo if rule.lo_open else x < rule.lo):
        return False
    return rule.hi is None or x <= rule.hi


def check_value(value: Any, rule: Rule, key: str, source: str | None) -> Any:
    """The value, coerced (an integer where a number is asked for becomes a float), or an InputError."""
    def bad() -> InputError:
        return InputError(f"{key} must be {rule.describe()}, got {_show(value)}", file=source)

    if value is None:
        if rule.optional:
            return None
        raise bad()
    if rule.kind == "choice":  # True is not 1 here: compare types too
        if not any(type(value) is type(c) and value == c for c in rule.choices):
            raise bad()
        return value
    if rule.kind == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if rule.kind == "str":
        if not isinstance(value, str):
            raise bad()
        return value
    if rule.kind == "dict":
        if not isinstance(value, dict):
            raise bad()
        return dict(value)
    if rule.kind == "list":
        if not isinstance(value, list):
            raise bad()
        return list(value)
    if rule.kind in ("floats", "ints"):
        items = value if isinstance(value, (list, tuple)) else [value]
        if (not items and rule.kind == "floats") \
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in items):
            raise bad()
        if not all(_in_range(float(v), rule) for v in items):
            raise bad()
        if rule.kind == "ints":
            if not all(float(v).is_integer() for v in items):
                raise bad()
            return [int(v) for v in items]
        return [float(v) for v in items]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad()
    if rule.kind == "int":
        if isinstance(value, float):
            if not (math.isfinite(value) and value.is_integer()):
                raise bad()
            value = int(value)
        if not _in_range(value, rule):
            raise bad()
        return value
    if not _in_range(float(value), rule):
        raise bad()
    return float(value)


def check_section(raw: Any, rules: dict[str, Rule], where: str, source: str | None) -> dict[str, Any]:
    """Check a ``[where]`` mapping against ``rules``: a table, no unknown keys, each value typed and ranged."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"[{where}] must be a table, got {_show(raw)}", file=source)
    unknown = sorted(str(k) for k in raw if k not in rules)
    if unknown and where == "top level":
        raise InputError(f"unknown top-level key(s): {', '.join(unknown)} (known: {', '.join(sorted(rules))})",
                         file=source)
    if unknown:
        raise InputError(f"unknown key(s) in [{where}]: {', '.join(unknown)} (known: {', '.join(sorted(rules))})",
                         file=source)
    prefix = "" if where == "top level" else f"{where}."  # `name`, not `top level.name`
    return {k: check_value(v, rules[k], f"{prefix}{k}", source) for k, v in raw.items()}


def _int(lo: float, hi: float = 2**31, optional: bool = False) -> Rule:
    return Rule("int", lo, hi, optional=optional)


def _pos(hi: float, optional: bool = False) -> Rule:
    return Rule("float", 0.0, hi, lo_open=True, optional=optional)


def _frac(lo_open: bool = False, hi: float = 1.0) -> Rule:
    return Rule("float", 0.0, hi, lo_open=lo_open)


TOP = {"name": Rule("str"), "seed": _int(0, 2**32 - 1), "data": Rule("dict", optional=True),
       "model": Rule("dict", optional=True), "train": Rule("dict", optional=True),
       "gates": Rule("dict", optional=True), "grid": Rule("dict", optional=True),
       "isoflop": Rule("dict", optional=True), "runs": Rule("list", optional=True),
       "executor": Rule("dict", optional=True)}

DATA = {"source": Rule("str"), "text_field": Rule("str"), "split": Rule("str", optional=True),
        "max_docs": _int(2, optional=True), "vocab_size": _int(258, 1 << 20), "val_fraction": _frac(True, 0.5),
        "dedupe_threshold": _frac(True), "dedupe_num_perm": _int(2, 4096), "shard_tokens": _int(1024, 1 << 40),
        "quality": Rule("dict", optional=True)}

QUALITY = {"min_chars": _int(0, 1 << 40), "max_chars": _int(1, 1 << 40), "max_symbol_ratio": _frac(),
           "max_dup_line_frac": _frac(), "max_top_ngram_frac": _frac()}

MODEL = {"seq_len": _int(1, 1 << 20), "head_dim": _int(1, 4096), "aspect_ratio": _pos(1e6),
         "mlp_ratio": _int(1, 64), "layers": _int(1, 1024, optional=True),
         "heads": _int(1, 1 << 16, optional=True)}

TRAIN = {"batch_size": _int(1, 1 << 24), "micro_batch": _int(1, 1 << 24, optional=True), "lr": _pos(1e6),
         "lr_base_width": _int(1, 1 << 20, optional=True), "min_lr_ratio": _frac(),
         "warmup_steps": _int(0, 2**31, optional=True), "warmup_fraction": Rule("float", 0.0, 0.999),
         "schedule": Rule("choice", choices=("cosine", "wsd")), "decay_fraction": _frac(),
         "weight_decay": Rule("float", 0.0, 10.0), "beta1": Rule("float", 0.0, 0.9999),
         "beta2": Rule("float", 0.0, 0.99999), "grad_clip": Rule("float", 0.0, 1e6),
         "checkpoint_every": _int(1), "keep_checkpoints": Rule("ints", 1, 2**31),
         "eval_windows": _int(1, 1 << 24), "cpu_threads": _int(1, 4096, optional=True),
         "device": Rule("choice", choices=("auto", "cpu", "cuda")),
         "dtype": Rule("choice", choices=("auto", "bf16", "fp32")),
         "compile": Rule("choice", choices=("auto", True, False)),  # auto: on CUDA only
         "parallel": Rule("choice", choices=("ddp", "fsdp")), "peak_flops": _pos(1e20, optional=True)}

GATES = {"divergence_factor": Rule("float", 1.0, 1e6, lo_open=True), "forecast": Rule("dict", optional=True)}

FORECAST = {"E": Rule("float", 0.0, 1e6), "B": Rule("float", 0.0, 1e12), "beta": _pos(10.0),
            "tolerance": _pos(100.0), "after_fraction": _frac()}

GRID = {"params": Rule("floats", 0.0, MAX_PARAMS, lo_open=True), "tokens": Rule("floats", 0.0, MAX_TOKENS, lo_open=True),
        "tokens_per_param": Rule("floats", 0.0, 1e9, lo_open=True)}

ISOFLOP = {"budgets": Rule("floats", 0.0, MAX_FLOPS, lo_open=True), "sizes": _int(1, 64),
           "span": Rule("floats", 1.0, 1e4), "tokens_per_param": Rule("floats", 0.0, 1e9, lo_open=True)}

RUN = {"name": Rule("str"), "layers": _int(1, 1024), "width": _int(1, 1 << 20),
       "params": _pos(MAX_PARAMS), "tokens": _pos(MAX_TOKENS)}

#: A RunConfig (what ``train --config`` reads): the training fields plus the run's own shape and steps.
RUN_CONFIG = {**{k: v for k, v in TRAIN.items() if k not in ("warmup_fraction",)},
              "name": Rule("str"), "seed": TOP["seed"], "data_dir": Rule("str"), "n_layer": _int(1, 1024),
              "d_model": _int(1, 1 << 20), "n_head": _int(1, 1 << 16), "seq_len": MODEL["seq_len"],
              "vocab_size": _int(2, 1 << 24), "mlp_ratio": MODEL["mlp_ratio"], "steps": _int(1, 2**40),
              "warmup_steps": _int(0, 2**40), **{k: GATES[k] for k in GATES}}
