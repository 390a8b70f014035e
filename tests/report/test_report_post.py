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
    bad = cli("report", runs, "--fit", fit, "--post", tmp_path / "missing.csv", "--out", tmp_path / "r2.html")
    assert bad.returncode == 2 and "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "r2.html").exists()
