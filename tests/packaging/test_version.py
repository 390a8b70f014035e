"""The version is written in one place (``scalinglab.__version__``) and everything else reads it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import scalinglab

REPO = Path(__file__).resolve().parents[2]


def test_version_option_prints_the_package_version(cli) -> None:
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"scalinglab {scalinglab.__version__}"
    assert "--version" in cli("--help").stdout


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "scalinglab.__version__"}
    # setuptools reads the attribute without importing the package only when it is a plain literal
    source = (REPO / "src" / "scalinglab" / "__init__.py").read_text(encoding="utf-8")
    assert re.search(r'^__version__ = "[0-9]+\.[0-9]+\.[0-9]+[^"]*"$', source, re.M)


def test_changelog_has_the_current_version_and_an_unreleased_section() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert heads[0] == "Unreleased" and scalinglab.__version__ in heads
