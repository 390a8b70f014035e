"""The example notebooks under docs/notebooks/ run top to bottom (nbclient) without an error, and the cells
tagged ``html-view`` show a result's notebook view (a ``text/html`` output from its ``_repr_html_``).

The kernel is this interpreter: a kernelspec written to a temporary JUPYTER_PATH runs
``sys.executable -m ipykernel_launcher`` with this checkout's ``src`` first on PYTHONPATH, so a fresh
``.venv`` with the ``docs`` extra needs no ``ipykernel install``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the docs extra is not installed (pip install -e '.[docs]')")
nbclient = pytest.importorskip("nbclient", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("ipykernel", reason="the docs extra is not installed (pip install -e '.[docs]')")

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "docs" / "notebooks").glob("*.ipynb"))
KERNEL = "scalinglab-docs-test"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    pythonpath = os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "scalinglab (test)", "language": "python",
        "env": {"PYTHONPATH": pythonpath, "MPLBACKEND": "Agg"},
    }))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(root))
    mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
    yield root
    mp.undo()


def test_there_is_a_notebook_per_workflow():
    names = {p.stem for p in NOTEBOOKS}
    assert {"fit_and_bootstrap", "planning", "learning_curves", "sloth"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_shows_html_views(path, kernel_env, tmp_path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{path.name} is committed with outputs; clear them"
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=600,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    views = [c for c in nb.cells if "html-view" in c.metadata.get("tags", [])]
    assert views, f"{path.name} has no cell tagged html-view"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    for cell in views:
        html = [o["data"]["text/html"] for o in cell.outputs
                if o.output_type in ("execute_result", "display_data") and "text/html" in o.get("data", {})]
        assert html, f"{path.name}: no HTML view from\n{cell.source}"
        assert "<" in html[0] and "Traceback" not in html[0]
