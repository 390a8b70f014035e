"""Snell et al. (2024, "Scaling LLM Test-Time Compute Optimally", §3–4): bin problems by difficulty, the
quintiles of estimated pass@1, and spend a fixed sample budget where it buys the most.

Here the one knob per bin is the number of samples k_b drawn for each of its problems (Snell et al. also
choose between search and revision strategies per bin; repeated sampling has no such choice). With n_b
problems in bin b and its measured coverage cov_b(k) (mean unbiased pass@k, Chen et al. 2021), the
compute-optimal allocation for an average of K samples per problem solves

    maximise  Σ_b n_b · cov_b(k_b)   subject to  Σ_b n_b · k_b ≤ K · Σ_b n_b,   0 ≤ k_b ≤ n,

by a Lagrange multiplier λ: each bin takes the k on its grid maximising n_b·(cov_b(k) − λ·k), and λ is
bisected to the smallest value whose allocation fits the budget (exact on the concave hull of each
cov_b, which is where expected pass@k lies). Uniform allocation (k_b = K) is the baseline.

``allocate_by_difficulty`` uses one table (a pilot: bins, curves and the allocation all come from it);
``evaluate`` re-scores an allocation on other samples of the same problems (e.g. all 10,000 when the pilot
was the first 1,000), which is the honest measure of the gain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalinglab.errors import InputError
from scalinglab.results import Result
from scalinglab.testtime.data import ProblemCounts, load_counts
from scalinglab.testtime.passk import pass_at_k


@dataclass
class BinAllocation:
    """One model's bins: the problems in each, their pass@1 range, samples per problem, coverage."""

    model: str
    problems: list[list[str]]
    pass1_range: list[tuple[float, float]]
    k: list[int]
    uniform_k: int
    coverage: float  # with the allocation
    uniform_coverage: float

    @property
    def gain(self) -> float:
        return self.coverage - self.uniform_coverage

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "uniform_k": self.uniform_k, "coverage": self.coverage,
                "uniform_coverage": self.uniform_coverage, "gain": self.gain,
                "bins": [{"problems": len(p), "pass1_range": list(r), "k": k}
                         for p, r, k in zip(self.problems, self.pass1_range, self.k, strict=True)]}


@dataclass
class DifficultyAllocation(Result):
    """Allocations per model; ``evaluated_on`` names the samples the coverages were measured on."""

    samples_per_problem: int
    n_bins: int
    models: list[BinAllocation]
    source: str | None = None
    evaluated_on: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"samples_per_problem": self.samples_per_problem, "n_bins": self.n_bins, "source": self.source,
                "evaluated_on": self.evaluated_on or self.source, "models": [m.to_dict() for m in self.models],
                "notes": list(self.notes)}

    def text(self) -> str:
        lines = [f"Difficulty bins (quintiles of estimated pass@1, Snell et al. 2024): {self.samples_per_problem:,}"
                 f" samples per problem on average; bins from {self.source}",
                 f"coverage measured on {self.evaluated_on or self.source}", "",
                 f"  {'model':<16} {'samples per problem, easiest → hardest bin':<44} {'uniform':>8} "
                 f"{'binned':>8} {'gain':>8}"]
        for m in self.models:
            ks = " / ".join(f"{k:,}" for k in reversed(m.k))
            lines.append(f"  {m.model:<16} {ks:<44} {m.uniform_coverage:>8.4f} {m.coverage:>8.4f} {m.gain:>+8.4f}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _grid(n: int, K: int) -> np.ndarray:
    """Candidate samples per problem: 0, K and ~200 log-spaced integers up to n."""
    return np.unique(np.concatenate([[0, K], np.rint(np.logspace(0, np.log10(n), 200))]).astype(int))


def _bin_coverage(n: np.ndarray, c: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return np.array([0.0 if k == 0 else float(pass_at_k(n, c, int(k)).mean()) for k in grid])


def _allocate(sizes: np.ndarray, curves: np.ndarray, grid: np.ndarray, budget: float) -> np.ndarray:
    """Index into ``grid`` per bin maximising Σ n_b cov_b(k_b) with Σ n_b k_b ≤ budget (Lagrangian)."""
    def pick(lam: float) -> np.ndarray:
        # ties go to the smaller k (argmax takes the first), so the choice is deterministic
        return np.argmax(curves - lam * grid[None, :], axis=1)

    def used(idx: np.ndarray) -> float:
        return float(np.dot(sizes, grid[idx]))

    lo, hi = 0.0, 1.0  # λ = 1 per sample exceeds any gain in coverage per sample: every bin takes k = 0
    if used(pick(lo)) <= budget:
        return pick(lo)
    for _ in range(100):
        mid = (lo + hi) / 2
        if used(pick(mid)) <= budget:
            hi = mid
        else:
            lo = mid
    return pick(hi)


def _bins(problems: np.ndarray, pass1: np.ndarray, n_bins: int) -> list[np.ndarray]:
    """Problem indices per bin, hardest first: equal-count groups of the pass@1 ranking (quintiles for 5);
    ties are broken by the problems' order in the table."""
    order = np.lexsort((np.arange(len(pass1)), pass1))
    return [np.sort(b) for b in np.array_split(order, n_bins)]


def allocate_by_difficulty(counts: ProblemCounts, samples_per_problem: int, *, n_bins: int = 5,
                           evaluate_on: ProblemCounts | None = None) -> DifficultyAllocation:
    """Bins from ``counts`` (pass@1 = c/n), the compute-optimal samples per bin for an average of
    ``samples_per_problem``, and coverage with it and with uniform sampling, measured on ``evaluate_on``
    (the same problems, e.g. all samples when ``counts`` is a subsample) or on ``counts`` itself."""
    K = int(samples_per_problem)
    if K < 1 or K != samples_per_problem:
        raise InputError(f"`samples_per_problem` must be a positive whole number, got {samples_per_problem!r}")
    if n_bins < 1:
        raise InputError(f"`n_bins` must be at least 1, got {n_bins}")
    target = evaluate_on if evaluate_on is not None else counts
    out = []
    for model in counts.models:
        g = counts.of(model)
        n, c = g["n"].to_numpy(np.int64), g["c"].to_numpy(np.int64)
        if len(g) < n_bins:
            raise InputError(f"model {model!r} has {len(g)} problems, fewer than {n_bins} bins", file=counts.source)
        n_max = int(n.min())
        if K > n_max:
            raise InputError(f"{K} samples per problem is more than the {n_max} drawn for model {model!r}",
                             file=counts.source, column="n")
        bins = _bins(g["problem"].to_numpy(), c / n, n_bins)
        grid = _grid(n_max, K)
        curves = np.array([_bin_coverage(n[b], c[b], grid) for b in bins])
        sizes = np.array([len(b) for b in bins], dtype=float)
        idx = _allocate(sizes, curves, grid, K * sizes.sum())
        ks = [int(grid[i]) for i in idx]
        t = target.of(model).set_index("problem")
        names = [g["problem"].to_numpy()[b] for b in bins]
        missing = [p for b in names for p in b if p not in t.index]
        if missing:
            raise InputError(f"problem {missing[0]!r} of model {model!r} is not in the evaluation table",
                             file=target.source, column="problem")
        tn = [t.loc[b, "n"].to_numpy(np.int64) for b in names]
        tc = [t.loc[b, "c"].to_numpy(np.int64) for b in names]
        if max(ks + [K]) > int(min(x.min() for x in tn)):
            raise InputError(f"the evaluation table has fewer samples than the allocation uses for {model!r}",
                             file=target.source, column="n")
        total = sizes.sum()
        binned = sum(0.0 if k == 0 else float(pass_at_k(x, y, k).sum()) for x, y, k in zip(tn, tc, ks, strict=True))
        uniform = sum(float(pass_at_k(x, y, K).sum()) for x, y in zip(tn, tc, strict=True))
        ranges = [(float((c / n)[b].min()), float((c / n)[b].max())) for b in bins]
        out.append(BinAllocation(model, [list(map(str, b)) for b in names], ranges, ks, K, binned / total,
                                 uniform / total))
    notes = ["the one choice per bin is the number of samples (repeated sampling); bins are equal-count groups of "
             "the estimated pass@1 ranking, hardest first in the JSON"]
    if evaluate_on is None:
        notes.append("coverage is measured on the samples that set the bins and the allocation (in-sample)")
    return DifficultyAllocation(K, n_bins, out, counts.source, target.source, notes)


def allocate_by_difficulty_file(data: Any, samples_per_problem: int, *, n_bins: int = 5, pilot: int | None = None,
                                seed: int | None = 0) -> DifficultyAllocation:
    """:func:`allocate_by_difficulty` on the counts table ``data``; with ``pilot``, the bins and allocation
    are set on a seeded subsample of ``pilot`` samples per problem and measured on all of them."""
    if pilot is not None and pilot < 1:  # 0 was taken as 'no pilot' without a word
        raise InputError(f"`pilot` must be a positive whole number, got {pilot}")
    table = load_counts(data)
    if pilot is None:
        return allocate_by_difficulty(table, samples_per_problem, n_bins=n_bins)
    return allocate_by_difficulty(table.subsample(pilot, seed), samples_per_problem, n_bins=n_bins, evaluate_on=table)
