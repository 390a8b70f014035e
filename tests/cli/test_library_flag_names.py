"""The library names its parameters in errors (`name`); the CLI shows each as the command's own flag."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from scalinglab.errors import PlanningError
from scalinglab.planning import test_time as snell

COST = ("--preset", "hoffmann2022", "--reference-params", "1e9", "--requests", "1e9", "--input-tokens", "100",
        "--output-tokens", "10")
SRC = Path(__file__).resolve().parents[2] / "src" / "scalinglab"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _raised_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant inside a ``raise`` statement of ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            found += [(s.lineno, s.value) for s in ast.walk(node.exc)
                      if isinstance(s, ast.Constant) and isinstance(s.value, str)]
    return found


def test_library_errors_name_no_cli_flags():
    """Outside cli/, no raised message names a flag; a whole command line to run (`scalinglab ...`) may."""
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        if "cli" in path.relative_to(SRC).parts:
            continue
        for line, text in _raised_strings(path):
            if FLAG.search(text) and "scalinglab " not in text:
                bad.append(f"{path.relative_to(SRC)}:{line}: {text!r}")
    assert not bad, "library errors that name CLI flags:\n" + "\n".join(bad)


def test_python_callers_see_parameter_names():
    with pytest.raises(PlanningError, match="give `inference_ratio` R, or both `pretrain_tokens`"):
        snell.test_time_tradeoff(2.0)


def _error(proc) -> str:
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "expected"), [
    (("plan", "test-time", "--size-ratio", "2"),
     "give --inference-ratio R, or both --pretrain-tokens and --inference-tokens"),
    (("plan", "test-time", "--size-ratio", "2", "--inference-ratio", "1", "--pretrain-tokens", "1e9"),
     "give --inference-ratio or the token counts, not both"),
    (("plan", "inference", "--inference-tokens", "1e12", "--preset", "hoffmann2022"),
     "give exactly one of --target-loss or --reference-params"),
    (("plan", "cost", *COST, "--mfu-train", "2"), "--mfu-train must be in (0, 1], got 2"),
    (("plan", "cost", *COST[:-1], "-1"), "--output-tokens must be non-negative, got -1"),
    (("evaluate", "bundled:gpt3_curves", "--grid", "--fractions", "0,0.5,2"),
     "--fractions must be train fractions in (0, 1], got 0, 2"),
    (("observe", "fit", "bundled:obsscaling_base", "--n-components", "0"),
     "--n-components = 0 must be between 1 and min(models, benchmarks) = 8"),
    (("select", "bundled:chinchilla", "--laws", "chinchilla,kaplan", "--holdout", "0"),
     "--holdout (the held-out fraction) must be between 0 and 1, got 0"),
])
def test_cli_shows_the_commands_flags(cli, args, expected):
    assert _error(cli(*args)) == f"error: {expected}"
