"""Packages export their names lazily (scalinglab.lazy): every name resolves, none hides a submodule, and
importing a package loads none of its heavy modules."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

from scalinglab.lazy import LazyModule, lazy_exports

PACKAGES = ["scalinglab", "scalinglab.data", "scalinglab.fitting", "scalinglab.curves", "scalinglab.planning",
            "scalinglab.skills", "scalinglab.testtime", "scalinglab.report", "scalinglab.sweep", "scalinglab.post"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves_and_none_is_a_submodule(name: str) -> None:
    package = importlib.import_module(name)
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    exported = [n for n in package.__all__ if n != "__version__"]
    assert exported and not set(exported) & submodules, set(exported) & submodules  # a submodule would win
    for attr in exported:
        value = getattr(package, attr)
        assert not isinstance(value, types.ModuleType), attr
        assert attr in dir(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018


def test_importing_the_packages_and_the_whole_cli_loads_no_numpy_scipy_or_pandas() -> None:
    light = [p for p in PACKAGES if p != "scalinglab.sweep"]  # the sweep's spec and presets use numpy
    code = ("import sys\nimport " + ", ".join(light) + "\nimport scalinglab.cli.main as m\nm.app\n"
            "print(sorted(m for m in ('numpy', 'scipy', 'pandas', 'matplotlib', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_exports_import_on_first_use_and_keep_the_value(monkeypatch) -> None:
    package = types.ModuleType("fakepkg")
    package.__path__ = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fakepkg", package)
    monkeypatch.setitem(sys.modules, "fakepkg.mod", types.SimpleNamespace(answer=42, other=1))
    package.__getattr__, package.__dir__ = lazy_exports("fakepkg", {"mod": "answer other"})
    assert "answer" not in vars(package) and package.__getattr__("answer") == 42
    assert vars(package)["answer"] == 42 and package.__dir__() == sorted({*vars(package), "answer", "other"})
    with pytest.raises(AttributeError, match="module 'fakepkg' has no attribute 'missing'"):
        package.__getattr__("missing")


def test_lazy_module_imports_on_first_attribute() -> None:
    lazy = LazyModule("json")
    assert lazy._module is None and lazy.dumps([1]) == "[1]" and lazy._module is sys.modules["json"]
