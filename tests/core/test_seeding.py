"""make_rng: every seed a user gives is checked once, as one line naming `seed` (the CLI: --seed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scalinglab.errors import InputError
from scalinglab.seeding import make_rng

COUNTS = Path(__file__).resolve().parents[1] / "data/external/test_time/monkeys_pythia_math_10k.csv"


def test_valid_seeds_give_numpys_generator():
    assert make_rng(7).integers(0, 1000, 5).tolist() == np.random.default_rng(7).integers(0, 1000, 5).tolist()
    assert isinstance(make_rng(None), np.random.Generator) and isinstance(make_rng(np.int64(3)), np.random.Generator)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seeds_are_one_input_error(seed):
    with pytest.raises(InputError, match="`seed` must be a non-negative whole number"):
        make_rng(seed)


@pytest.mark.parametrize("args", [
    ("fit", "bundled:chinchilla", "--bootstrap", "2", "--seed", "-1"),
    ("test-time", "fit", str(COUNTS), "--samples", "100", "--seed", "-1"),
])
def test_cli_negative_seed_is_one_line(cli, args):
    proc = cli(*args)
    assert proc.returncode == 2 and proc.stderr == "error: --seed must be a non-negative whole number, got -1\n"


@pytest.mark.parametrize(("value", "ok"), [(0, True), (np.int64(5), True), (-1, False), (2.0, False), (False, False)])
def test_check_bootstrap_takes_whole_counts_only(value, ok):
    from scalinglab.seeding import check_bootstrap

    if ok:
        assert check_bootstrap(value) == int(value)
    else:
        with pytest.raises(InputError, match=r"^`bootstrap` must be 0 or a positive number of resamples, got "):
            check_bootstrap(value)
