"""Bug hunt: ``skills fit --benchmarks ,`` said "error: no benchmark named" (no flag, reads as cut off)."""

from __future__ import annotations

import pytest

from scalinglab.errors import InputError
from scalinglab.skills.sloth_data import resolve_benchmarks


def test_empty_benchmark_list_names_the_flag(cli) -> None:
    proc = cli("skills", "fit", "bundled:sloth_scores", "--benchmarks", ",")
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout
    assert proc.stderr.strip() == "error: --benchmarks is an empty list (no benchmark named)", proc.stderr


def test_resolve_benchmarks() -> None:
    assert resolve_benchmarks(benchmarks="MMLU, GSM8K,MMLU") == ("MMLU", "GSM8K")
    with pytest.raises(InputError, match="`benchmarks` is an empty list"):
        resolve_benchmarks(benchmarks=" , ")
