"""Every ``console`` session in the docs pages runs, and prints what the page shows (a doctest for the shell).

How a page's sessions are run:

- Each page gets one fresh temporary folder, the working directory of all its sessions, in page order (a
  later session may read what an earlier one wrote). ``tests`` there links to the repository's ``tests/``,
  so the data files the pages name (``tests/data/...``) are found; ``bundled:NAME`` data ships in the
  package.
- A line starting with ``$ `` is a command (a trailing ``\\`` continues it on the next line); the lines up to
  the next ``$ `` are what it prints (stdout and stderr together). ``scalinglab`` and
  ``.venv/bin/scalinglab`` are this interpreter's ``python -m scalinglab``, ``.venv/bin/python`` is this
  interpreter; each command runs in ``bash`` with this checkout's ``src`` first on ``PYTHONPATH``.
  ``$ # ...`` lines are comments. ``$ echo $?`` prints the previous command's exit status.
- A command must exit 0, unless the next command is ``echo $?``, which then shows its status.
- Tolerance, as in doctest's ELLIPSIS: trailing blanks are ignored; a line that is just ``...`` matches any
  number of lines (none included); ``...`` inside a line matches any text within that line. Pages use it for
  what depends on the machine or the clock ("fit in ... s") and to abridge long output. Everything else is
  compared literally: the numbers a page prints must be the numbers the command prints. A session that
  shows no output is only run (it must succeed).
- A ``bash`` block (commands without their output) runs too when ``<!-- docs-test: run -->`` stands right
  before it: each line is a command that must succeed. Unmarked ``bash`` blocks are only checked statically
  (``tests/core/test_readme_commands.py``: they read bundled, earlier-written or repository files).
- ``<!-- docs-test: skip REASON -->`` right before a block leaves it out; the reason is the skip message of
  ``test_skipped_console_blocks``. Pages keep these few.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted((REPO / "docs").glob("*.md"))
FENCE = re.compile(r"((?:^<!--[^\n]*-->\n)?)(?:^\n)*^```(console|bash)\n(.*?)^```", re.S | re.M)
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s+(.+?)\s*-->")
RUN = re.compile(r"<!--\s*docs-test:\s*run\s*-->")
TIMEOUT_S = 600


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    page: str
    line: int
    steps: list[Step]
    skip: str | None = None


def parse_console(text: str, page: str = "<page>") -> list[Block]:
    """The ``console`` blocks of a Markdown page, each a list of (command, expected output lines)."""
    blocks = []
    for m in FENCE.finditer(text):
        skip = SKIP.search(m.group(1))
        bash = m.group(2) == "bash"
        if bash and not RUN.search(m.group(1)):
            continue  # bash blocks run only when marked (tests/core/test_readme_commands.py checks them all)
        steps: list[Step] = []
        continuing = False
        for raw in m.group(3).splitlines():
            if bash and not continuing:
                if not raw.strip():
                    continue
                raw = "$ " + raw
            if continuing:
                steps[-1].command += "\n" + raw
            elif raw.startswith("$ "):
                steps.append(Step(raw[2:]))
            elif steps:
                steps[-1].expected.append(raw)
            elif raw.strip():
                raise ValueError(f"{page}:{text[:m.start(3)].count(chr(10)) + 1}: output before any command")
            continuing = raw.endswith("\\") and (raw.startswith("$ ") or continuing)
        blocks.append(Block(page, text[:m.start(3)].count("\n") + 1, steps, skip.group(1) if skip else None))
    return blocks


def output_pattern(expected: list[str]) -> re.Pattern[str]:
    """A regex for the output: literal lines, ``...`` lines match any lines, ``...`` in a line any text."""
    lines = [line.rstrip() for line in expected]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    parts = []
    for line in lines:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(piece) for piece in line.split("...")).replace(".*", "[^\n]*")
                         + r"\n")
    return re.compile("".join(parts))


def matches(expected: list[str], output: str) -> bool:
    """Whether ``output`` is what ``expected`` shows (see the module docstring for the tolerance)."""
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return output_pattern(expected).fullmatch("".join(line + "\n" for line in lines)) is not None


def sandbox(tmp: Path) -> dict[str, str]:
    """The working folder of a page's sessions and its environment (shims for the commands the pages use)."""
    (tmp / "tests").symlink_to(REPO / "tests", target_is_directory=True)
    shims = {"scalinglab": f'exec {shlex.quote(sys.executable)} -m scalinglab "$@"',
             "python": f'exec {shlex.quote(sys.executable)} "$@"'}
    for folder in (tmp / ".venv" / "bin", tmp / ".shims"):
        folder.mkdir(parents=True)
        for name, body in shims.items():
            (folder / name).write_text(f"#!/bin/sh\n{body}\n")
            (folder / name).chmod(0o755)
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1", TERM="dumb", MPLBACKEND="Agg")
    env["PATH"] = f"{tmp / '.shims'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_blocks(blocks: list[Block], tmp: Path) -> list[str]:
    """Run the blocks in order in ``tmp``; the problems found (empty when the page is right)."""
    env = sandbox(tmp)
    problems: list[str] = []
    steps = [(b, s) for b in blocks if b.skip is None for s in b.steps]
    last_rc = 0
    for i, (block, step) in enumerate(steps):
        where = f"{block.page}:{block.line}: $ {step.command.splitlines()[0]}"
        cmd = step.command.strip()
        if cmd.startswith("#"):
            continue
        if cmd == "echo $?":
            output, rc = f"{last_rc}\n", 0
        else:
            proc = subprocess.run(["bash", "-c", cmd], cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
            output, rc = proc.stdout + proc.stderr, proc.returncode
            last_rc = rc
            shows_status = i + 1 < len(steps) and steps[i + 1][1].command.strip() == "echo $?"
            if rc != 0 and not shows_status:
                problems.append(f"{where}\n  exited {rc}:\n{output[-3000:]}")
                continue
        if step.expected and not matches(step.expected, output):
            problems.append(f"{where}\n  the page shows:\n" + "\n".join(step.expected)
                            + "\n  the command printed:\n" + output[-4000:])
    return problems


BLOCKS = {p.name: parse_console(p.read_text(encoding="utf-8"), p.name) for p in PAGES}
RUN_PAGES = [name for name, blocks in BLOCKS.items() if any(b.skip is None for b in blocks)]
SKIPPED = [b for blocks in BLOCKS.values() for b in blocks if b.skip is not None]


@pytest.mark.parametrize("page", RUN_PAGES)
def test_console_sessions_print_what_the_page_shows(page, tmp_path):
    problems = run_blocks(BLOCKS[page], tmp_path)
    assert not problems, "\n\n".join(problems)


if SKIPPED:  # one visible skip per block left out, with the page's reason
    @pytest.mark.parametrize("block", SKIPPED, ids=lambda b: f"{b.page}:{b.line}")
    def test_skipped_console_blocks(block):
        pytest.skip(f"{block.page}:{block.line} is not run: {block.skip}")


def test_the_pages_hold_console_sessions():
    commands = [s.command for blocks in BLOCKS.values() for b in blocks for s in b.steps]
    assert len(commands) >= 15
    assert len(SKIPPED) <= 3  # the issue wants the examples to run: skips stay few


def test_parse_reads_commands_outputs_continuations_and_skips():
    page = ("<!-- docs-test: skip needs a GPU -->\n```console\n$ scalinglab sweep run\n```\n\ntext\n\n"
            "```console\n$ scalinglab fit bundled:chinchilla \\\n    --json\n{\n}\n$ echo $?\n0\n```\n")
    skipped, ran = parse_console(page)
    assert skipped.skip == "needs a GPU" and ran.skip is None
    assert [s.command for s in ran.steps] == ["scalinglab fit bundled:chinchilla \\\n    --json", "echo $?"]
    assert ran.steps[0].expected == ["{", "}"] and ran.steps[1].expected == ["0"]
    bash = "```bash\nscalinglab laws\n```\n<!-- docs-test: run -->\n```bash\nscalinglab fit x \\\n  --json\n\nscalinglab laws\n```\n"
    (marked,) = parse_console(bash)
    assert [s.command for s in marked.steps] == ["scalinglab fit x \\\n  --json", "scalinglab laws"]
    assert all(not s.expected for s in marked.steps)


@pytest.mark.parametrize("expected,output,ok", [
    (["E = 1.69", "done"], "E = 1.69\ndone\n", True),
    (["E = 1.69"], "E = 1.70\n", False),                          # numbers are compared literally
    (["fit in ... s", "E = 1.69"], "fit in 0.06 s\nE = 1.69\n", True),
    (["a", "...", "z"], "a\nb\nc\nz\n", True),
    (["a", "...", "z"], "a\nz\n", True),
    (["a", "...", "z"], "a\nb\n", False),
    (["a"], "a\nb\n", False),                                      # unshown output is a mismatch
    (["x ... y"], "x 1\n y\n", False),                             # an in-line ... stays in its line
    (["  E   1.69  "], "\n  E   1.69\n\n", True),                 # trailing and edge blanks ignored
])
def test_the_comparison_tolerance(expected, output, ok):
    assert matches(expected, output) is ok


def test_a_wrong_page_is_reported(tmp_path):
    blocks = parse_console("```console\n$ scalinglab laws --json | head -c 1\n{\n$ scalinglab no-such-command\n"
                           "$ echo hi\nbye\n```\n")
    problems = run_blocks(blocks, tmp_path)
    assert len(problems) == 2
    assert "no-such-command" in problems[0] and "exited 2" in problems[0]
    assert "echo hi" in problems[1] and "bye" in problems[1]
