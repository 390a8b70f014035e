"""The README's and the docs pages' examples run literally: every command line in their code blocks reads only
data shipped in the package (``bundled:NAME``), a file an earlier command on the same page (or in the README)
wrote, or a file in the repository.

Cheap by design (the commands are parsed, not run); running them is in the issue-11 note's recipe."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from scalinglab.datasets import available

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.S | re.M)
CLI_PREFIXES = ("scalinglab", ".venv/bin/scalinglab")
#: Options whose value is a file or folder the command writes.
OUTPUT_OPTIONS = {"--out", "-o", "--plot"}
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".json", ".toml", ".html", ".svg", ".png", ".yaml")
PY_WRITE = re.compile(r"\.(?:save|to_csv|to_parquet|to_json)\(\s*['\"]([^'\"]+)['\"]")
PY_STRING = re.compile(r"['\"]([^'\"]+\.(?:csv|tsv|parquet|jsonl|json))['\"]")


def code_lines(text: str) -> list[tuple[str, str]]:
    """(block language, line) for every non-empty line of every fenced code block, ``$ `` prompts removed."""
    out = []
    for lang, body in FENCE.findall(text):
        if lang == "shell":
            continue  # by convention, `shell` blocks show commands on the reader's own files
        for line in re.sub(r"\\\n\s*", " ", body).splitlines():  # join `\` continuation lines
            line = line.strip()
            if lang in ("console", "text"):
                if not line.startswith("$ "):
                    continue  # program output
                line = line[2:]
            if line and not line.startswith("#"):
                out.append((lang, line))
    return out


def _is_path(token: str) -> bool:
    if re.fullmatch(r"[A-Z][A-Z0-9_]*(\.[a-z]+)?", token):
        return False  # a placeholder such as COUNTS.csv or RUN_DIR
    return token.startswith("bundled:") or "/" in token or token.lower().endswith(DATA_SUFFIXES)


def check(text: str, repo: Path = REPO) -> list[str]:
    """Problems: inputs that are neither bundled, nor written earlier, nor in the repository."""
    written: set[str] = set()
    problems: list[str] = []

    def need(path: str, line: str) -> None:
        if path.startswith("bundled:"):
            if path.removeprefix("bundled:") not in available():
                problems.append(f"{path}: no such bundled data set ({line})")
        elif not (path in written or any(path.startswith(d.rstrip("/") + "/") for d in written)
                  or (repo / path).exists()):
            problems.append(f"{path}: not bundled, not written by an earlier command, not in the repo ({line})")

    for lang, line in code_lines(text):
        if lang == "python" or line.startswith((".venv/bin/python -c", "python -c")):
            outs = PY_WRITE.findall(line)
            for path in PY_STRING.findall(line):
                if path not in outs:
                    need(path, line)
            written.update(outs)
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            problems.append(f"cannot parse {line!r}: {exc}")
            continue
        if not tokens or tokens[0] not in CLI_PREFIXES:
            continue
        for i, token in enumerate(tokens[1:], start=1):
            if tokens[i - 1] in OUTPUT_OPTIONS:
                written.add(token)
            elif token.startswith("-") or not _is_path(token):
                continue
            else:
                need(token, line)
    return problems


README = (REPO / "README.md").read_text(encoding="utf-8")
PAGES = sorted((REPO / "docs").glob("*.md"))


def test_readme_commands_read_only_bundled_written_or_repo_files():
    lines = code_lines(README)
    assert sum(line.split()[0] in CLI_PREFIXES for _, line in lines) >= 8  # the parser sees the tour
    assert check(README) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs_commands_read_only_bundled_written_or_repo_files(page):
    text = README + "\n" + page.read_text(encoding="utf-8")
    assert check(text) == []


def test_docs_pages_hold_the_examples():
    lines = [line for p in PAGES for _, line in code_lines(p.read_text(encoding="utf-8"))]
    assert sum(line.split()[0] in CLI_PREFIXES for line in lines) >= 40  # the parser sees the examples


def test_readme_curves_examples_use_the_bundled_gpt3_curves():
    cmds = [line for _, line in code_lines((REPO / "docs" / "curves.md").read_text(encoding="utf-8"))]
    assert any(c.startswith(".venv/bin/scalinglab evaluate bundled:gpt3_curves") for c in cmds)
    assert any(" forecast " in f" {c} " for c in cmds)


@pytest.mark.parametrize("snippet,problem", [
    ("```bash\n.venv/bin/scalinglab fit runs.csv\n```\n", "runs.csv"),
    ("```console\n$ scalinglab evaluate bundled:no_such_table -m 6\n```\n", "bundled:no_such_table"),
    ("```bash\nscalinglab predict --fit fit.json --params 1e9 --tokens 2e10\n"
     "scalinglab fit bundled:chinchilla --out fit.json\n```\n", "fit.json"),
    ("```python\nsl.load_runs(\"mine.csv\")\n```\n", "mine.csv"),
])
def test_the_check_catches_inputs_a_new_user_does_not_have(snippet, problem):
    found = check(snippet)
    assert len(found) == 1 and found[0].startswith(problem)


def test_the_check_accepts_files_written_earlier_and_repo_files():
    ok = ("```bash\n.venv/bin/scalinglab export bundled:chinchilla --out runs.csv\n"
          ".venv/bin/scalinglab fit runs.csv --out fit.json   # a comment with x.csv\n"
          ".venv/bin/scalinglab predict --fit fit.json --params 1e9 --tokens 2e10\n"
          ".venv/bin/scalinglab sweep run --preset tiny --out sweep-out/tiny\n"
          ".venv/bin/scalinglab fit sweep-out/tiny/runs.csv\n"
          ".venv/bin/scalinglab fit tests/data/chinchilla/svg_extracted_data.csv \\\n    --out b.json\n"
          ".venv/bin/scalinglab predict --fit b.json --params 1e9 --tokens 2e10\n```\n"
          "```console\n$ scalinglab laws\nE 1.69 (output, not a command: x.csv)\n```\n")
    assert check(ok) == []
