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


#: The most bootstrap resamples any command takes (1e20 was a numpy 'Maximum allowed dimension' traceback in
#: forecast and a run that never ended in select).
MAX_BOOTSTRAP = 1_000_000


def check_bootstrap(bootstrap: Any) -> int:
    """The number of bootstrap resamples: 0 (none) up to :data:`MAX_BOOTSTRAP`."""
    n = check_whole(bootstrap, "bootstrap", 0, "0 or a positive number of resamples")
    if n > MAX_BOOTSTRAP:
        got = f"{n:,}" if n < 10**15 else f"{n:.3g}"
        raise InputError(f"`bootstrap` must be at most {MAX_BOOTSTRAP:,} resamples, got {got}")
    return n


def make_rng(seed: int | None) -> Any:
    """``numpy.random.default_rng(seed)``; a seed that is not a non-negative whole number is one InputError
    naming `seed` (numpy would raise a bare ValueError deep in its bit generator)."""
    import numpy as np

    if seed is not None:
        check_whole(seed, "seed", 0, "a non-negative whole number")
    return np.random.default_rng(seed)
