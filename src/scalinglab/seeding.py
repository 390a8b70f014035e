"""Seeded random generators: every random thing in scalinglab draws from ``make_rng(seed)``."""

from __future__ import annotations

from typing import Any

from scalinglab.errors import InputError


def make_rng(seed: int | None) -> Any:
    """``numpy.random.default_rng(seed)``; a seed that is not a non-negative whole number is one InputError
    naming `seed` (numpy would raise a bare ValueError deep in its bit generator)."""
    import numpy as np

    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputError(f"`seed` must be a non-negative whole number, got {seed!r}")
    return np.random.default_rng(seed)
