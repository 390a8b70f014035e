"""Reports: the page is self-contained and escapes every data value; figures render; the notebook view.

The Chinchilla report is built once per module through the CLI (in-process, as ``python -m scalinglab``); the hostile-names
report uses a hand-written FIT.json (no fitting) so it is quick. The browser tests open both in headless
Chromium and are skipped only where Chromium is not installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
EVIL = "<script>alert(1)</script>"
EVIL_ATTR = '"><img src=x onerror=alert(2)>'
EVIL_TEX = "$\\alpha$ & <b>co</b>"
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


@pytest.fixture(scope="module")
def chinchilla_report(tmp_path_factory, scalinglab_cli) -> Path:
    """``scalinglab report bundled:chinchilla`` with a small bootstrap (bands present)."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = scalinglab_cli("report", "bundled:chinchilla", "--bootstrap", "12", "--seed", "0", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, scalinglab_cli) -> dict[str, Path]:
    """A runs table whose model names are HTML/script/mathtext, and a FIT.json written by hand."""
    folder = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    rows = []
    for c in (1e18, 1e19, 1e20):
        for n in np.geomspace(np.sqrt(c / 6) / 8, np.sqrt(c / 6) * 2, 6):
            d = c / (6 * n)
            loss = HOFFMANN["E"] + HOFFMANN["A"] / n ** HOFFMANN["alpha"] + HOFFMANN["B"] / d ** HOFFMANN["beta"]
            rows.append({"model": f"m{len(rows)}", "params": n, "tokens": d,
                         "loss": loss * np.exp(rng.normal(0, 0.01))})
    rows[0]["model"], rows[1]["model"], rows[2]["model"] = EVIL, EVIL_ATTR, EVIL_TEX
    data = folder / "runs <evil>.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    fit = folder / "fit.json"
    fit.write_text(json.dumps({"law": "chinchilla", "params": HOFFMANN, "warnings": ["<script>alert(3)</script>"]}))
    out = folder / "report.html"
    proc = scalinglab_cli("report", data, "--fit", fit, "--no-planners", "--title", "<i>t</i>", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return {"data": data, "fit": fit, "report": out, "folder": folder}


# -- the page as text -----------------------------------------------------------------------------------------
def test_report_is_self_contained(chinchilla_report: Path) -> None:
    page = chinchilla_report.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # nothing to fetch: no external src/href, CSP forbids every fetch
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "default-src 'none'" in page and "script-src 'sha256-" in page
    assert page.count("<script") == 1
    for name in ("loss_vs_compute", "isoflop_profiles", "contours", "residuals", "optimal_allocation",
                 "extrapolation", "inference_tradeoff", "data_constrained_tradeoff"):
        assert f"id='fig-{name}'" in page, name
    assert page.count("src='data:image/svg+xml;base64,") == 8
    assert "Compute-optimal allocation under C = 6ND" in page and "bootstrap intervals" in page
    assert "<svg class=\"ifig\"" in page and page.count("class=\"pt\"") >= 245
    assert "id='runs-table'" in page and "run245" in page
    assert "Law: Chinchilla" in page  # the text fit report


def test_model_names_are_escaped(hostile: dict[str, Path]) -> None:
    page = hostile["report"].read_text()
    assert page.count("<script") == 1  # only the page's own script
    assert EVIL not in page and "<img src=x" not in page and "<b>co</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page  # warnings too
    assert "&lt;i&gt;t&lt;/i&gt;" in page and "runs &lt;evil&gt;.csv" in page  # title and file name


def test_figures_alone_as_svg_and_png(hostile: dict[str, Path], cli) -> None:
    folder = hostile["folder"] / "figs"
    proc = cli("report", hostile["data"], "--fit", hostile["fit"], "--format", "svg", "--no-planners",
                    "--out", folder)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["contours.svg", "extrapolation.svg", "isoflop_profiles.svg", "loss_vs_compute.svg",
                     "optimal_allocation.svg", "residuals.svg"]
    assert all((folder / n).read_text().lstrip().startswith("<?xml") for n in names)

    from scalinglab.data.runs import load_runs
    from scalinglab.fitting.result import FitResult
    from scalinglab.report import figures

    runs, fit = load_runs(hostile["data"]), FitResult.load(hostile["fit"])
    png = figures.save(figures.residuals(runs, fit), hostile["folder"] / "png" / "residuals.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_rejects_bad_format(hostile: dict[str, Path], tmp_path: Path, cli) -> None:
    proc = cli("report", hostile["data"], "--fit", hostile["fit"], "--format", "pdf", "--out", tmp_path / "x")
    assert proc.returncode == 2 and "--format must be html, png or svg" in proc.stderr


def test_repr_html_escapes_and_uses_the_report_renderer() -> None:
    from scalinglab.fitting.result import FitResult

    fit = FitResult.from_params("chinchilla", HOFFMANN, source=EVIL)
    fit.n_points, fit.warnings = 3, [EVIL]
    out = fit._repr_html_()
    assert "scalinglab-fit" in out and "Compute-optimal allocation" in out
    assert "<script" not in out and "&lt;script&gt;" in out


def test_import_stays_light() -> None:
    code = ("import sys, scalinglab, scalinglab.report, scalinglab.cli.core; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# -- in a browser ------------------------------------------------------------------------------------------------
def _severe(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_report_renders_in_chromium(browser, screenshot, chinchilla_report: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(chinchilla_report.as_uri())
    assert browser.execute_script("return document.body.getAttribute('data-ready')") == "1"  # the script ran
    images = browser.find_elements(By.CSS_SELECTOR, "figure img")
    assert len(images) == 8
    for img in images:
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0
        assert img.size["width"] > 200 and img.size["height"] > 150
    svg = browser.find_element(By.CSS_SELECTOR, ".panel:not(.hidden) svg.ifig")
    assert svg.size["width"] > 400 and svg.size["height"] > 150

    # hover a run: the tooltip shows its name; toggling "runs" hides the points
    point = svg.find_element(By.CSS_SELECTOR, "circle.pt")
    ActionChains(browser).move_to_element(point).perform()
    tip = browser.find_element(By.CSS_SELECTOR, ".tooltip")
    assert tip.is_displayed() and tip.text.startswith("run")
    browser.find_element(By.CSS_SELECTOR, "button.toggle[data-series='runs']").click()
    assert not point.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "button.toggle[data-series='runs']").click()
    # the table filter narrows the rows
    browser.find_element(By.ID, "runs-filter").send_keys("run24")
    assert browser.find_element(By.ID, "runs-count").text.startswith("7 of 245")
    browser.find_element(By.ID, "runs-filter").clear()
    browser.execute_script("document.getElementById('runs-filter').dispatchEvent(new Event('input'))")
    assert _severe(browser) == []

    shot = tmp_path / "report-screenshot.png"
    screenshot(browser, shot)
    assert shot.stat().st_size > 50_000
    (REPO / "out").mkdir(exist_ok=True)
    shutil.copy(shot, REPO / "out" / "report-screenshot.png")


def test_hostile_names_show_as_text_in_chromium(browser, hostile: dict[str, Path]) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(hostile["report"].as_uri())
    time.sleep(0.3)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - raises when no alert fired
    assert browser.execute_script("return document.body.getAttribute('data-ready')") == "1"
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#runs-table td.model")]
    assert EVIL in cells and EVIL_ATTR in cells and EVIL_TEX in cells
    assert browser.find_elements(By.CSS_SELECTOR, "img[src=x]") == []
    assert EVIL in browser.find_element(By.TAG_NAME, "body").text
    tips = [c.get_attribute("data-tip") for c in browser.find_elements(By.CSS_SELECTOR, "circle.pt")]
    assert any(t.startswith(EVIL) for t in tips)
    assert _severe(browser) == []


def test_learning_curves_figure(tmp_path: Path) -> None:
    """Learning curves with the fit and the held-out tail (curves module's selection and fit)."""
    from scalinglab.curves import Selection, fit_curves, load_curves, select
    from scalinglab.report import figures

    rows = []
    for n in (1e7, 3e7, 1e8, 3e8):
        for d in np.geomspace(1e8, 60 * n, 12):
            rows.append({"model": f"<m>{n:.0e}", "N": n, "D": d,
                         "loss": HOFFMANN["E"] + HOFFMANN["A"] / n ** 0.34 + HOFFMANN["B"] / d ** 0.28})
    curves = load_curves(pd.DataFrame(rows))
    train, test, _ = select(curves, Selection(min_tokens=0))
    fit = fit_curves(train, "chinchilla", "curve_fit", None, "none", 1e-3)
    fig = figures.learning_curves(train, test, fit, all_checkpoints=curves.frame, title="$x$ <m>")
    assert len(fig.axes[0].lines) >= 8
    path = figures.save(fig, tmp_path / "curves.svg")
    assert b"<svg" in path.read_bytes()


def test_learning_curves_section(hostile: dict[str, Path], tmp_path: Path, cli) -> None:
    """``report --curves`` adds the guide's evaluation (same ARE as ``evaluate``), its figure and the (m, p)
    grid, with hostile model names escaped; ``--format svg`` writes the learning-curves figure too."""
    from scalinglab.curves import evaluate_curves, load_curves

    rows = []
    for i, n in enumerate((1e7, 3e7, 1e8, 3e8)):
        name = EVIL if i == 3 else f"m{n:.0e}"
        for d in np.geomspace(1e8, 60 * n, 12):
            rows.append({"model": name, "N": n, "D": d,
                         "loss": HOFFMANN["E"] + HOFFMANN["A"] / n ** 0.34 + HOFFMANN["B"] / d ** 0.28})
    curves = tmp_path / "curves.csv"
    pd.DataFrame(rows).to_csv(curves, index=False)
    out = tmp_path / "report.html"
    proc = cli("report", hostile["data"], "--fit", hostile["fit"], "--no-planners", "--curves", curves,
                    "--curves-min-tokens", "0", "--curves-grid", "--out", out)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    section = page[page.index("<section id='learning-curves'>"):]
    section = section[:section.index("</section>")]
    expected = evaluate_curves(load_curves(curves), min_tokens=0.0)["are_percent"]
    assert f"ARE {expected:.2f} %" in section
    assert EVIL not in page and html_escape(EVIL) in section
    assert "fig-learning_curves" in section and "data:image/svg+xml;base64," in section
    assert section.count("<tr><td>") == 2  # grid rows m = 2, 3 (the target is the 4th model)
    figs = tmp_path / "figs"
    proc = cli("report", hostile["data"], "--fit", hostile["fit"], "--no-planners", "--curves", curves,
                    "--curves-min-tokens", "0", "--format", "svg", "--out", figs)
    assert proc.returncode == 0, proc.stderr
    assert (figs / "learning_curves.svg").read_bytes().startswith(b"<?xml")
    bad = cli("report", hostile["data"], "--fit", hostile["fit"], "--curves", tmp_path / "missing.csv",
                   "--out", tmp_path / "r2.html")
    assert bad.returncode == 2 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "r2.html").exists()


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
