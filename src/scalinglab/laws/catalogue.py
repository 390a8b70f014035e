"""The law catalogue, built once: every built-in law module declares ``LAWS`` (its classes) and
``PRESETS`` (name → Preset) and imports nothing from here; this module collects them.

Dependencies point one way (law modules → ``base``; ``catalogue`` → law modules; ``registry`` and
``presets`` → ``catalogue``), so ``scalinglab.PRESETS`` is complete as soon as it is imported.
Third-party laws and presets join through ``register_law`` / ``register_preset``. A duplicate name
raises, and every preset is checked against its law's parameters.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law, Preset

#: Built-in law modules (one per family), in listing order.
BUILTIN_MODULES = ("chinchilla", "kaplan", "kaplan_ns", "compute", "data_constrained", "moe", "overtrain",
                   "vocab", "hyperparams", "mixture", "sft", "parallel", "bnsl")

LAWS: dict[str, type[Law]] = {}
PRESETS: dict[str, Preset] = {}


def register_law(cls: type[Law]) -> type[Law]:
    """Add a law class (usable as a decorator); its ``name`` must be new."""
    if not (isinstance(cls, type) and issubclass(cls, Law)):
        raise TypeError(f"register_law needs a Law subclass, got {cls!r}")
    if not cls.name:
        raise ValueError("a law needs a name")
    if cls.name in LAWS and LAWS[cls.name] is not cls:
        raise ScalingLabError(f"law {cls.name!r} is already registered ({LAWS[cls.name].__module__})")
    LAWS[cls.name] = cls
    return cls


def register_preset(name: str, preset: Preset) -> None:
    """Add a preset; its name must be new and its parameters exactly its law's."""
    if name in PRESETS and PRESETS[name] != preset:
        raise ScalingLabError(f"preset {name!r} is already registered (law {PRESETS[name].law!r})")
    if preset.law not in LAWS:
        raise ScalingLabError(f"preset {name!r}: unknown law {preset.law!r}")
    law = LAWS[preset.law]
    expected = {p.name for p in law.parameters}
    if set(preset.params) != expected:
        raise ScalingLabError(f"preset {name!r} gives {sorted(preset.params)}; law {preset.law!r} has "
                              f"parameters {sorted(expected)}")
    for p in law.parameters:
        if p.log and not preset.params[p.name] > 0:
            raise ScalingLabError(f"preset {name!r}: parameter {p.name!r} must be positive")
    PRESETS[name] = preset


def _build() -> None:
    modules = [importlib.import_module(f"scalinglab.laws.{m}") for m in BUILTIN_MODULES]
    for module in modules:
        for cls in getattr(module, "LAWS", ()):
            register_law(cls)
    for module in modules:
        presets: Mapping[str, Preset] = getattr(module, "PRESETS", {})
        for name, preset in presets.items():
            register_preset(name, preset)


def get_law(name: str | Law) -> Law:
    """A fresh instance of the law called ``name`` (a Law instance passes through)."""
    if isinstance(name, Law):
        return name
    try:
        return LAWS[name]()
    except KeyError:
        raise ScalingLabError(f"unknown law {name!r}; known laws: {', '.join(sorted(LAWS))}") from None


def available_laws() -> list[str]:
    return sorted(LAWS)


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ScalingLabError(f"unknown preset {name!r}; known presets: {', '.join(sorted(PRESETS))}") from None


def available_presets() -> list[str]:
    return sorted(PRESETS)


_build()
