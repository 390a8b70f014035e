"""Bug hunt: a bad count cell was shown as numpy's repr ("value np.int64(-1) must be >= 0")."""

from __future__ import annotations

from pathlib import Path

import pytest

COUNTS = Path(__file__).resolve().parents[1] / "data" / "external" / "test_time" / "monkeys_pythia_math_10k.csv"


@pytest.mark.parametrize(("row", "shown"), [
    ("Pythia 70M,70000000.0,9999,10,-1", "value -1 must be >= 0"),
    ("Pythia 70M,70000000.0,9999,10.5,3", "value 10.5 must be a whole number"),
])
def test_bad_count_cell_is_shown_as_a_plain_number(cli, tmp_path: Path, row: str, shown: str) -> None:
    lines = COUNTS.read_text().splitlines()[:20]
    bad = tmp_path / "counts.csv"
    bad.write_text("\n".join([*lines, row]) + "\n")
    proc = cli("test-time", "coverage", bad)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert f"{bad}, row 20, column" in err and shown in err, err
    assert "np." not in err, err
