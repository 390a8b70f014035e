"""The documentation site builds with warnings as errors (``mkdocs build --strict``), and its generated
pages hold what they are generated from: the CLI page every visible command and option, the API page the
main classes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer

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


def test_the_generator_leaves_out_hidden_aliases_and_commands():
    import importlib.util

    spec = importlib.util.spec_from_file_location("mkdocs_hooks", REPO / "scripts" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    app = typer.Typer()

    @app.command()
    def fit(data: Annotated[str, typer.Argument(help="Runs table.")],
            params_col: Annotated[str, typer.Option("--params-col", help="Column with N.")] = "N",
            old: Annotated[str, typer.Option("--params-column", hidden=True)] = "",
            as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False):
        """Fit a law."""

    @app.command(hidden=True)
    def secret():
        """Not for users."""

    md = hooks.cli_reference_markdown(app)
    assert "scalinglab fit [OPTIONS] DATA" in md and "Fit a law." in md and "Runs table." in md
    assert "`--params-col" in md and "`--json`" in md
    assert "--params-column" not in md and "secret" not in md
