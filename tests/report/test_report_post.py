"""``scalinglab report --post post_runs.csv``: a post-training section with the stages and the SFT-law check, escaped."""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "planning"))
from test_post_training_fit import post_table  # noqa: E402

from scalinglab.planning.post_training import fit_post_runs  # noqa: E402

EVIL = "<script>alert('post')</script>"
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def test_report_has_an_escaped_post_training_section(cli, tmp_path):
    rows = []
    for c in (1e18, 1e19, 1e20):
        for n in np.geomspace(np.sqrt(c / 6) / 8, np.sqrt(c / 6) * 2, 5):
            d = c / (6 * n)
            rows.append({"params": n, "tokens": d, "loss": HOFFMANN["E"] + HOFFMANN["A"] / n ** 0.34
                         + HOFFMANN["B"] / d ** 0.28})
    runs = tmp_path / "runs.csv"
    pd.DataFrame(rows).to_csv(runs, index=False)
    fit = tmp_path / "fit.json"
    fit.write_text(json.dumps({"law": "chinchilla", "params": HOFFMANN}))
    post = post_table(tmp_path / "post_runs.csv", name=lambda i: EVIL if i == 4 else f"L{i + 1}")
    out = tmp_path / "report.html"
    proc = cli("report", runs, "--fit", fit, "--no-planners", "--post", post, "--out", out)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    section = page[page.index("<section id='post-training'>"):]
    section = section[:section.index("</section>")]
    expected = fit_post_runs(post).multiplicative["mare"]
    assert f"mean absolute relative error {100 * expected:.2f} %" in section
    assert EVIL not in page and html.escape(EVIL, quote=True) in section
    assert section.count("<tr><td>") >= 5 * 7  # every stage row of the table
    assert "<figure id='fig-post_gains'><img src='data:image/svg+xml;base64," in section
    bad = cli("report", runs, "--fit", fit, "--post", tmp_path / "missing.csv", "--out", tmp_path / "r2.html")
    assert bad.returncode == 2 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "r2.html").exists()


def test_post_section_figure_draws_the_law_at_its_parameters(tmp_path):
    """The figure's curves are the fitted sft-multiplicative law (Zhang et al. 2024 eq. 1) at every base N."""
    from scalinglab.report.figures import post_training_gains

    r = fit_post_runs(post_table(tmp_path / "post_runs.csv"))
    p = r.multiplicative["params"]
    curves = r.multiplicative["curves"]
    assert sorted(c["base_run"] for c in curves) == ["L1", "L2", "L3", "L4", "L5"]
    for c in curves:
        d = np.asarray(c["D"])
        assert d.min() == 16 and d.max() == 512
        np.testing.assert_allclose(c["predicted"], p["A"] * c["N"] ** -p["alpha"] * d ** -p["beta"] + p["E"],
                                   rtol=1e-9)
    ax = post_training_gains(r).axes[0]
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--" and len(ln.get_xdata())]
    assert len(dashed) == 1  # only the largest base model's curve is a prediction
    np.testing.assert_allclose(dashed[0].get_ydata(), curves[-1]["predicted"])
