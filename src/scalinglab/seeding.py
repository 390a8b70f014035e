"""Seeded random generators and the whole-number checks of counts a user gives (seeds, resamples, samples).

Every random thing in scalinglab draws from ``make_rng(seed)``.
"""

from __future__ import annotations

from typing import Any

from scalinglab.errors import InputError


def check_whole(value: Any, name: str, minimum: int, what: str) -> int:
    """``value`` as an int when it is a whole number ≥ ``minimum`` (not a bool); else one InputError,
    "`name` must be WHAT, got VALUE"."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"`{name}` must be {what}, got {value!r}")
    return int(value)


def check_bootstrap(bootstrap: Any) -> int:
    """The number of bootstrap resamples: 0 (none) or more."""
    return check_whole(bootstrap, "bootstrap", 0, "0 or a positive number of resamples")


def make_rng(seed: int | None) -> Any:
    """``numpy.random.default_rng(seed)``; a seed that is not a non-negative whole number is one InputError
    naming `seed` (numpy would raise a bare ValueError deep in its bit generator)."""
    import numpy as np

    if seed is not None:
        check_whole(seed, "seed", 0, "a non-negative whole number")
    return np.random.default_rng(seed)
