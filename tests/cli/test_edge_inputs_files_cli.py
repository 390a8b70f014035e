"""Edge-case files for the one table loader and import-scores: UTF-16 text reads, and binary files, non-UTF-8
text, rows longer than the header, unclosed quotes and text scores are one line naming the file (and the
row or key), exit 2, no traceback, and nothing is written."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from scalinglab.datasets import bundled_path

ROWS = "model\tN\tD\tloss\r\nA\t1e8\t2e9\t3.5\r\nB\t2e8\t4e9\t3.25\r\n"  # Excel's "Unicode text": tabs, CRLF
EXPECTED = pd.DataFrame({"model": ["A", "B"], "N": [1e8, 2e8], "D": [2e9, 4e9], "loss": [3.5, 3.25]})


def _only_error(proc) -> str:
    """The one stderr line of a failed call (exit 2, no traceback or warning)."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    return lines[0]


def _write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``; returns the path."""
    path.write_bytes(data)
    return path


def _export_error(cli, path: Path, out: Path) -> str:
    """The error of ``export PATH --out OUT``, checking that OUT is not written."""
    line = _only_error(cli("export", path, "--out", out))
    assert not out.exists()
    return line


@pytest.mark.parametrize(("name", "data"), [
    ("excel.txt", ROWS.encode("utf-16")),  # what Excel writes: a little-endian BOM
    ("be.tsv", b"\xfe\xff" + ROWS.encode("utf-16-be")),
    ("bom.csv", b"\xef\xbb\xbf" + ROWS.replace("\t", ",").encode()),  # UTF-8 with a BOM, as before
], ids=["utf-16-le", "utf-16-be", "utf-8-bom"])
def test_utf16_and_utf8_with_a_bom_read_as_the_same_table(cli, tmp_path, name, data) -> None:
    """UTF-16 was "'utf-8' codec can't decode byte 0xff in position 0"."""
    out = tmp_path / "out.csv"
    cli("export", _write(tmp_path / name, data), "--out", out, check=True)
    pd.testing.assert_frame_equal(pd.read_csv(out), EXPECTED)


def test_a_utf16_runs_table_fits_as_its_utf8_original(cli, tmp_path) -> None:
    """The same runs, saved as UTF-16, give the same fit."""
    original = bundled_path("chinchilla")
    copy = _write(tmp_path / "runs.csv", original.read_text(encoding="utf-8").encode("utf-16"))
    a, b = (json.loads(cli("fit", path, "--json", check=True).stdout) for path in (original, copy))
    assert b["n_points"] == a["n_points"] == 245 and b["params"] == a["params"]


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("random.csv", random.Random(0).randbytes(4096),
     "is a binary file, not a text table (CSV, TSV and JSON Lines are plain text)"),
    ("random.jsonl", random.Random(1).randbytes(4096),
     "is a binary file, not a text table (CSV, TSV and JSON Lines are plain text)"),
    ("runs.csv", gzip.compress(b"N,D,loss\n1e8,2e9,3.5\n"), "is a gzip-compressed file, not a text table: "
                                                           "decompress it first"),
    ("plot.tsv", b"\x89PNG\r\n\x1a\n" + bytes(64), "is a PNG image, not a text table"),
    ("book.csv", b"PK\x03\x04" + bytes(64), "is a zip archive (an .xlsx workbook is one), not a text table: "
                                             "save the sheet as CSV"),
], ids=["random-csv", "random-jsonl", "gzip", "png", "zip"])
def test_a_binary_file_is_not_a_text_table(cli, tmp_path, name, data, expected) -> None:
    """These were pandas' "'utf-8' codec can't decode byte ..." (or a NUL-filled table)."""
    path = _write(tmp_path / name, data)
    assert _export_error(cli, path, tmp_path / "out.csv") == f"error: {path}: {expected}"


def test_text_that_is_not_utf8_names_the_byte_and_line(cli, tmp_path) -> None:
    """A Windows-1252 file: "invalid continuation byte" in pandas' words before."""
    path = _write(tmp_path / "runs.csv", "model,N,D,loss\ncafé,1e8,2e9,3.5\n".encode("cp1252"))
    line = _only_error(cli("fit", path))
    assert line == f"error: {path}: is not UTF-8 text (byte 0xe9 on line 2): save it as UTF-8"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_row_longer_than_the_header_names_the_data_row(cli, tmp_path, encoding) -> None:
    """Was "cannot read table: Error tokenizing data. C error: Expected 4 fields in line 5, saw 5"."""
    text = "N,D,loss,model\n" + "1e8,2e9,3.5,a\n" * 3 + "1e8,2e9,3.5,b,extra\n"
    path = _write(tmp_path / "runs.csv", text.encode(encoding))
    assert _only_error(cli("fit", path)) == (f"error: {path}, row 4: 5 fields, the header has 4 (line 5 of the "
                                             "file; row 1 is the first data row)")


def test_row_numbers_skip_blank_lines_and_count_quoted_newlines_once(cli, tmp_path) -> None:
    """pandas said "line 5" here, which is neither the data row (3) nor the line of the file (6)."""
    path = _write(tmp_path / "t.csv", b'a,b,c\n1,"two\nlines",3\n\n4,5,6\n7,8,9,10\n')
    assert _export_error(cli, path, tmp_path / "out.csv") == (
        f"error: {path}, row 3: 4 fields, the header has 3 (line 6 of the file; row 1 is the first data row)")


def test_a_longer_first_row_is_an_error_not_a_shifted_table(cli, tmp_path) -> None:
    """A delimiter at the end of each data row made pandas read column a as the index: b held a's values."""
    path = _write(tmp_path / "t.csv", b"a,b,c\n1,2,3,\n4,5,6,\n")
    assert _export_error(cli, path, tmp_path / "out.csv") == (
        f"error: {path}, row 1: 4 fields, the header has 3 (line 2 of the file; row 1 is the first data row); "
        "a delimiter at the end of the line?")


def test_an_unclosed_quote_names_its_row_and_line(cli, tmp_path) -> None:
    """Was "Error tokenizing data. C error: EOF inside string starting at row 3"."""
    path = _write(tmp_path / "t.csv", b'a,b,c\n1,2,3\n\n4,"5,6\n7,8,9\n')
    assert _export_error(cli, path, tmp_path / "out.csv") == (
        f'error: {path}, row 2: a quote (") opens a field that is never closed (line 4 of the file; '
        "row 1 is the first data row)")


def test_other_tokenizer_errors_are_a_plain_sentence(cli, tmp_path) -> None:
    """A quote the csv module cannot follow (x"y) before the unclosed one: no "C error" text, no location."""
    path = _write(tmp_path / "t.tsv", b'a\tb\n"x"y\t1\n"2\t3\n')
    assert _export_error(cli, path, tmp_path / "out.csv") == (
        f"error: {path}: cannot be split into rows and fields as tab-separated text (check its quotes and "
        "delimiters)")


def _harness(folder: Path, results: dict) -> Path:
    """One lm-evaluation-harness result file of model ``org/m`` with these ``results``."""
    path = folder / "results_2024.json"
    path.write_text(json.dumps({"results": results, "model_name": "org/m", "date": 1.7e9}))
    return path


@pytest.mark.parametrize("score", ["0.5", "n/a"])
def test_a_score_written_as_text_names_the_file_and_key(cli, tmp_path, score) -> None:
    """Was "task 'mmlu' has none of the metrics acc,none for MMLU (it has: acc,none)"."""
    path = _harness(tmp_path, {"mmlu": {"alias": "mmlu", "acc,none": score, "acc_stderr,none": "N/A"}})
    out = tmp_path / "s.csv"
    assert _only_error(cli("import-scores", path, "--out", out)) == (
        f"error: {path}, key 'results.mmlu.acc,none': score {score!r} is text, not a number (the harness writes "
        "scores as JSON numbers)")
    assert not out.exists()


def test_a_text_score_is_an_error_when_the_metric_is_chosen_by_default(cli, tmp_path) -> None:
    """A task mapped without a metric skipped the text score and said it had no metric."""
    path = _harness(tmp_path, {"humaneval": {"pass@1,create_test": "0.3"}})
    line = _only_error(cli("import-scores", path, "--map", "humaneval=HumanEval", "--out", tmp_path / "s.csv"))
    assert line == (f"error: {path}, key 'results.humaneval.pass@1,create_test': score '0.3' is text, not a number "
                    "(the harness writes scores as JSON numbers)")


def test_a_binary_leaderboard_export_is_not_a_text_table(cli, tmp_path) -> None:
    """import-scores reads leaderboard contents exports with the same loader."""
    path = _write(tmp_path / "contents.csv", gzip.compress(b"fullname,BBH Raw\norg/m,0.5\n"))
    line = _only_error(cli("import-scores", path, "--out", tmp_path / "s.csv"))
    assert line == f"error: {path}: is a gzip-compressed file, not a text table: decompress it first"
