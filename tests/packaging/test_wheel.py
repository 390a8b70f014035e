"""The wheel works outside the repository (issue #15).

A copy of the project is built into a wheel and an sdist (``python -m build --no-isolation``: the dev
extra pins setuptools, wheel, build and twine, so the build is the same everywhere and needs no
download), both pass ``twine check --strict``; the wheel goes into a fresh virtual environment in a
temporary folder, with its dependencies resolved by pip under ``scripts/constraints.txt``, and the
main job (``scripts/main.sh``'s fit), ``scalinglab laws`` and ``scalinglab --version`` run there from a
temporary working directory with no ``PYTHONPATH`` (so nothing of ``src/`` is importable). Finally
``pip install --dry-run "<wheel>[all]"`` must resolve every optional extra.

The build works on a copy because setuptools reuses ``build/`` and ``*.egg-info`` folders: a stale one
in the checkout could add modules that the source no longer has.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "scripts" / "constraints.txt"
pytestmark = pytest.mark.slow

# The main job as scripts/main.sh runs it.
MAIN_JOB = ["fit", "bundled:chinchilla", "--where", "loss < 3.44", "--bootstrap", "4000", "--seed", "42"]


def _version() -> str:
    text = (REPO / "src" / "scalinglab" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def _run(cmd: list[str], cwd: Path, timeout: float = 900, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def _outside_env() -> dict[str, str]:
    """The environment minus anything that would put the checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    pytest.importorskip("build", reason="the dev extra (build, twine) is not installed")
    root = tmp_path_factory.mktemp("pkg")
    project = root / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    shutil.copytree(REPO / "src", project / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "CHANGELOG.md", "MANIFEST.in"):
        shutil.copy2(REPO / name, project / name)
    out = root / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(project)], cwd=root,
         env=_outside_env())
    return out


def test_wheel_and_sdist_pass_twine_and_hold_the_data(dist: Path) -> None:
    version = _version()
    wheel, sdist = dist / f"scalinglab-{version}-py3-none-any.whl", dist / f"scalinglab-{version}.tar.gz"
    assert wheel.exists() and sdist.exists(), sorted(p.name for p in dist.iterdir())
    proc = _run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], cwd=dist)
    assert proc.stdout.count("PASSED") == 2, proc.stdout

    names = set(zipfile.ZipFile(wheel).namelist())
    datasets = sorted(p.name for p in (REPO / "src" / "scalinglab" / "datasets").iterdir()
                      if p.suffix in (".csv", ".md"))
    assert datasets
    missing = [n for n in datasets if f"scalinglab/datasets/{n}" not in names]
    assert not missing, f"bundled data left out of the wheel: {missing}"
    modules = {str(p.relative_to(REPO / "src")) for p in (REPO / "src").rglob("*.py")}
    assert modules - names == set(), "modules left out of the wheel"
    meta = zipfile.ZipFile(wheel).read(f"scalinglab-{version}.dist-info/METADATA").decode()
    assert f"Version: {version}" in meta
    for extra in ("train", "post", "trackers", "cluster", "docs", "all"):
        assert f"Provides-Extra: {extra}" in meta

    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    assert {"CHANGELOG.md", "README.md", "pyproject.toml", "src/scalinglab/datasets/chinchilla.csv"} <= members


def test_wheel_runs_the_main_job_outside_the_repo(dist: Path, tmp_path: Path) -> None:
    version = _version()
    wheel = dist / f"scalinglab-{version}-py3-none-any.whl"
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    # pip of this interpreter installs into the new environment (--python); --no-compile skips
    # byte-compiling scipy and pandas, which is most of an install's time.
    # (PYTHONPATH is dropped here too: pip would take a checkout's src/*.egg-info for an installed copy.)
    env = _outside_env()
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile",
          "--disable-pip-version-check", "-c", str(CONSTRAINTS), str(wheel)], cwd=tmp_path, env=env)

    work = tmp_path / "work"
    work.mkdir()
    where = _run([str(python), "-c", "import scalinglab, sys; print(scalinglab.__file__); "
                  "print('torch' in sys.modules)"], cwd=work, env=env).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where
    assert where[1] == "False", "import scalinglab must not import torch"

    exe = str(venv / "bin" / "scalinglab")
    assert _run([exe, "--version"], cwd=work, env=env).stdout.strip() == f"scalinglab {version}"
    laws = _run([exe, "laws"], cwd=work, env=env).stdout
    assert "chinchilla" in laws and "L = E + A/N^alpha + B/D^beta" in laws

    fit = _run([exe, *MAIN_JOB, "--out", "fit.json"], cwd=work, env=env).stdout
    assert "Law: Chinchilla (Hoffmann et al. 2022)   L = E + A/N^alpha + B/D^beta" in fit
    assert "Data: bundled:chinchilla (240 points)" in fit
    saved = json.loads((work / "fit.json").read_text())
    assert set(saved["params"]) >= {"E", "A", "B", "alpha", "beta"}
    # report assets: the HTML report renders from the installed package alone
    _run([exe, "report", "bundled:chinchilla", "--where", "loss < 3.44", "--fit", "fit.json",
          "--out", "report.html"], cwd=work, env=env)
    assert "<html" in (work / "report.html").read_text(encoding="utf-8").lower()


def test_all_extra_resolves(dist: Path, tmp_path: Path) -> None:
    """``pip install "<wheel>[all]"`` resolves: a dry run with a report, checked against each extra's
    requirements in the wheel's metadata (nothing is installed; pip reads the packages' metadata)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    version = _version()
    wheel = dist / f"scalinglab-{version}-py3-none-any.whl"
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    report = tmp_path / "report.json"
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
          "--dry-run", "--ignore-installed", "--disable-pip-version-check", "--report", str(report),
          "-c", str(CONSTRAINTS), f"{wheel}[all]"], cwd=tmp_path, env=_outside_env())
    resolved = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
                for i in json.loads(report.read_text())["install"]}

    meta = zipfile.ZipFile(wheel).read(f"scalinglab-{version}.dist-info/METADATA").decode()
    extras = {line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Provides-Extra:")}
    needed = {}
    for line in meta.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        req = Requirement(line.split(":", 1)[1].strip())
        for extra in extras - {"dev"}:
            if req.marker is not None and req.marker.evaluate({"extra": extra}):
                needed[canonicalize_name(req.name)] = req
    assert {"torch", "ray", "transformers", "mlflow-skinny", "submitit"} <= set(needed)
    for name, req in needed.items():
        if name == "scalinglab":
            continue
        assert name in resolved, f"{name} (from an extra) did not resolve"
        assert req.specifier.contains(resolved[name], prereleases=True), (name, resolved[name])
