"""``--plot`` of ``skills evaluate|predict``, ``density`` and ``evaluate``, and the figure functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalinglab.report.figures import to_bytes
from scalinglab.report.outputs import check_plot_path
from scalinglab.report.skill_figures import density_trend, sloth_predictions
from scalinglab.skills.densing import DensityTrend

PNG = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000


def assert_svg(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and len(text) > 5000


def test_skills_evaluate_plot_png(cli, tmp_path):
    out = tmp_path / "sloth.png"
    cli("skills", "evaluate", "bundled:sloth_scores", "--method", "basic", "--fold", "olmo",
        "--plot", out, check=True)
    assert_png(out)


def test_skills_predict_plot_svg(cli, tmp_path):
    out = tmp_path / "predict.svg"
    cli("skills", "predict", "bundled:sloth_scores", "--method", "basic", "-f", "olmo", "--plot", out,
        check=True)
    assert_svg(out)


def test_density_plot_png_and_bad_suffix(cli, tmp_path):
    out = tmp_path / "density.png"
    cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--plot", out, check=True)
    assert_png(out)
    bad = cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--plot", tmp_path / "d.pdf")
    assert bad.returncode != 0 and ".png or .svg" in bad.stderr + bad.stdout
    assert not (tmp_path / "d.pdf").exists()


def test_curves_evaluate_plot_svg(cli, test_data, tmp_path):
    curves = tmp_path / "gpt3.csv"
    cli("import-curves", test_data / "hitchhiker", "--format", "guide", "--family", "gpt3",
        "--out", curves, check=True)
    out = tmp_path / "curves.svg"
    cli("evaluate", curves, "-m", "6", "--plot", out, check=True)
    assert_svg(out)
    grid = cli("evaluate", curves, "--grid", "--plot", tmp_path / "g.svg")
    assert grid.returncode != 0 and not (tmp_path / "g.svg").exists()


def test_sloth_predictions_direct_with_hostile_names():
    rng = np.random.default_rng(0)
    actual = rng.uniform(0.1, 0.8, size=(5, 3))
    predicted = actual + rng.normal(0, 0.02, size=actual.shape)
    predicted[0, 0] = np.nan                      # non-finite pairs are skipped
    fams = ["$x$ <b>", "$x$ <b>", "_hidden", "fam$", "fam$"]
    fig = sloth_predictions(predicted, actual, ["$MMLU$", "BBH & co", "a_b"], fams, title="$t$ <i>")
    assert "MAE" in fig.axes[0].get_title()
    assert to_bytes(fig, "png").startswith(PNG)
    assert b"<svg" in to_bytes(fig, "svg")
    with pytest.raises(ValueError):
        sloth_predictions(predicted, actual, ["one"], fams)


def test_density_trend_direct_with_hostile_names():
    dates = pd.to_datetime(["2023-01-10", "2023-04-01", "2023-09-15", "2024-02-01", None])
    rho = np.array([1.0, 0.5, 2.5, 6.0, 3.0])
    trend, used = DensityTrend.fit(dates[:4], rho[:4])
    in_fit = np.append(used, False)
    names = ["$x$ <b>", "a$b", "\\frac{1}{2}", "_under", "no date"]
    fig = density_trend(dates, rho, in_fit, trend, models=names, title="$ρ$ & <script>")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("doubling" in lab for lab in labels)
    assert to_bytes(fig, "png").startswith(PNG)
    assert b"<svg" in to_bytes(fig, "svg")


def test_check_plot_path():
    check_plot_path("a.PNG")
    check_plot_path(Path("b.svg"))
    check_plot_path(None)
    with pytest.raises(Exception, match="png or .svg"):
        check_plot_path("c.jpg")
