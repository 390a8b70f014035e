"""Import on first use: PEP 562 exports for a package's ``__init__``, and a stand-in for a whole module.

Both keep ``import scalinglab`` and ``scalinglab --help`` from loading numpy, pandas or SciPy (or one
planner from loading the others).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` (PEP 562) of ``package``: each name of ``where`` (module, relative to
    ``package``, → its space-separated names) is imported from that module on first use, then kept."""
    owner = {name: module for module, names in where.items() for name in names.split()}

    def __getattr__(name: str) -> Any:
        if name not in owner:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{owner[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(owner))

    return __getattr__, __dir__


class LazyModule:
    """A module imported on first attribute access (each command still uses it as usual)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)
