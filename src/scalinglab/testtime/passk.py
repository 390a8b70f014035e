"""Chen et al. (2021, Eq. 1)'s unbiased pass@k from n samples with c correct, and coverage.

pass@k = 1 − C(n−c, k)/C(n, k), computed in the numerically stable product form of Chen et al.'s Fig. 3,
1 − Π_{i=n−c+1}^{n} (1 − k/i), as a sum of log1p terms; it is 1 when n − c < k (every k-subset holds a
correct sample). Coverage (Brown et al. 2024, Eq. 1) is the mean of pass@k over problems.
"""

from __future__ import annotations

import numpy as np

from scalinglab.errors import InputError
from scalinglab.results import Result


def _check(n: np.ndarray, c: np.ndarray, k: int) -> None:
    if k < 1 or int(k) != k:
        raise InputError(f"k must be a positive integer, got {k!r}")
    if np.any(n < 1) or np.any(c < 0) or np.any(c > n):
        raise InputError("need n >= 1 and 0 <= c <= n for every problem")
    if np.any(k > n):
        shown = k if k < 1e15 else f"{k:.3g}"  # --ks 1e308 printed all 309 digits
        raise InputError(f"k = {shown} is more than the {int(n.min())} samples drawn for some problem; "
                         "pass@k is defined only for k <= n")


def pass_at_k(n: np.ndarray | int, c: np.ndarray | int, k: int) -> np.ndarray:
    """Unbiased pass@k per problem for sample counts ``n`` and correct counts ``c`` (arrays broadcast)."""
    n_arr, c_arr = np.broadcast_arrays(np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64))
    _check(n_arr, c_arr, k)
    out = np.ones(n_arr.shape, dtype=float)
    open_ = (n_arr - c_arr) >= k  # else some k-subset must contain a correct sample: pass@k = 1
    if not open_.any():
        return out
    top = int(n_arr[open_].max())
    i = np.arange(1, top + 1, dtype=float)
    terms = np.where(i > k, np.log1p(-k / np.maximum(i, k + 1.0)), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(terms)])  # cum[m] = Σ_{i ≤ m} log(1 − k/i) over i > k
    log_prod = cum[n_arr[open_]] - cum[n_arr[open_] - c_arr[open_]]
    out[open_] = -np.expm1(log_prod)
    return out


def coverage(n: np.ndarray, c: np.ndarray, ks: np.ndarray | list[int] | int) -> np.ndarray:
    """Mean pass@k over problems at each k in ``ks`` (Brown et al. 2024's coverage)."""
    ks_arr = np.atleast_1d(np.asarray(ks))
    return np.array([pass_at_k(n, c, int(k)).mean() for k in ks_arr])


def log_spaced_ks(k_max: int, num: int = 40) -> np.ndarray:
    """``num`` log-spaced integers from 1 to ``k_max``, rounded and de-duplicated (Brown et al. App. C.1)."""
    return np.unique(np.rint(np.logspace(0, np.log10(k_max), num)).astype(int))


def k_label(k: float) -> str:
    """``k=10,000`` for a column header; ``k=1e+12`` once the digits would not fit."""
    return f"k={k:,}" if k < 1e7 else f"k={k:.3g}"


class Coverage(Result):
    """Measured coverage (mean unbiased pass@k) of each model of a counts table at each k."""

    def __init__(self, table, ks: tuple[int, ...]) -> None:
        self.source, self.ks = table.source, tuple(ks)
        self.rows = {m: dict(zip(map(str, ks), map(float, coverage(g["n"].to_numpy(), g["c"].to_numpy(), ks)),
                                 strict=True)) for m in table.models for g in [table.of(m)]}

    def to_dict(self) -> dict:
        return {"source": self.source, "coverage": self.rows}

    def text(self) -> str:
        head = f"  {'model':<18}" + "".join(f"{k_label(k):>12}" for k in self.ks)
        return "\n".join([head] + [f"  {m:<18}" + "".join(f"{v:>12.4f}" for v in r.values())
                                   for m, r in self.rows.items()])
