"""``report --json`` (issue #15: ``--json`` on every command that prints a result): what it wrote, as JSON."""

from __future__ import annotations

import json
from pathlib import Path


def test_report_json_names_the_files_it_wrote(tmp_path: Path, cli) -> None:
    out = tmp_path / "figures"
    res = cli("report", "bundled:chinchilla", "--where", "loss < 3.44", "--bootstrap", "0", "--no-planners",
              "--format", "svg", "--out", out, "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["format"] == "svg" and d["law"] == "chinchilla"
    written = [Path(p) for p in d["written"]]
    assert written and all(p.parent == out and p.suffix == ".svg" and p.stat().st_size > 0 for p in written)
    assert sorted(written) == sorted(out.iterdir())  # every file it wrote, and only those
