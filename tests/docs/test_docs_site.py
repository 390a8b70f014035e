"""The documentation site builds with warnings as errors (``mkdocs build --strict``), and its generated
pages hold what they are generated from: the CLI page every visible command and option, the API page the
main classes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed (pip install -e '.[docs]')")


def docs_env() -> dict[str, str]:
    """The environment for docs commands: this checkout's ``src`` first, no colour, no banners."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", NO_COLOR="1", COLUMNS="200", TERM="dumb")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=REPO, env=docs_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert not re.search(r"^WARNING", proc.stderr, re.M), proc.stderr[-6000:]
    return out


def test_every_page_in_docs_is_built(site):
    for page in (REPO / "docs").glob("*.md"):
        html = site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")
        assert html.is_file(), f"{page.name} was not built"


def test_the_cli_page_lists_every_visible_command_and_option(site):
    import typer

    from scalinglab.cli.main import app

    html = (site / "cli" / "index.html").read_text(encoding="utf-8")
    root = typer.main.get_command(app)

    def walk(cmd, path):
        ctx = cmd.context_class(cmd, info_name=path[-1])
        yield cmd, path
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if not sub.hidden:
                    yield from walk(sub, [*path, name])

    seen = 0
    for cmd, path in walk(root, ["scalinglab"]):
        if len(path) > 1:
            assert " ".join(path) in html, " ".join(path)
        for p in cmd.params:
            if p.param_type_name == "option" and not p.hidden and p.opts[0] != "--help":
                seen += 1
                for flag in p.opts:
                    assert flag in html, f"{' '.join(path)} {flag}"
            if p.param_type_name == "option" and p.hidden:
                # a hidden alias is not advertised in its command's table
                section = html.split(" ".join(path), 1)[-1]
                assert not re.search(rf"<code>{re.escape(p.opts[0])}[ <,]", section[:20000]), p.opts[0]
    assert seen > 100  # the walk found the options


def test_the_api_page_documents_the_main_classes_from_their_docstrings(site):
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("scalinglab.fitting.ScalingLawFit", "scalinglab.fitting.FitResult", "scalinglab.data.load_runs",
                 "scalinglab.planning.inference.plan_inference", "scalinglab.curves.forecast_run",
                 "scalinglab.skills.sloth_study.predict_family"):
        assert f'id="{name}"' in html, name
    from scalinglab.fitting import ScalingLawFit

    first_line = ScalingLawFit.__doc__.strip().splitlines()[0]
    assert first_line.split()[0] in html
