"""Fit a test-time law to every model of a counts table (or curves table), with a bootstrap over problems.

The bootstrap resamples problems with replacement, the same resample for every model (problems are
matched by id), so differences between models and sample counts in the planner are paired; each resample
is a refit with multiplicity weights, warm-started at the point estimate.
"""

from __future__ import annotations

import time

import numpy as np

from scalinglab.errors import InputError
from scalinglab.seeding import check_bootstrap, make_rng
from scalinglab.testtime.base import Samples, TestTimeLaw
from scalinglab.testtime.data import AccuracyCurves, ProblemCounts
from scalinglab.testtime.passk import coverage, log_spaced_ks
from scalinglab.testtime.registry import DEFAULT_LAW, get_test_time_law
from scalinglab.testtime.result import ModelFit, TestTimeFit


def _refit(law: TestTimeLaw, samples: Samples, weights: np.ndarray, start: dict[str, float]) -> dict[str, float] | None:
    """One bootstrap refit; None when no problem of the resample was solved (see :meth:`nothing_solved`)."""
    assert samples.c is not None
    if not np.any((samples.c > 0) & (weights > 0)):
        return None
    return law.fit(samples, weights=weights, start=start)


def _fit_counts(law: TestTimeLaw, data: ProblemCounts, bootstrap: int, seed: int | None,
                warnings: list[str]) -> list[ModelFit]:
    problems = list(dict.fromkeys(data.frame["problem"]))
    index = {p: i for i, p in enumerate(problems)}
    rng = make_rng(seed)
    mult = [np.bincount(rng.integers(0, len(problems), len(problems)), minlength=len(problems))
            for _ in range(bootstrap)]
    fits = []
    for name in data.models:
        g = data.of(name)
        n, c = g["n"].to_numpy(np.int64), g["c"].to_numpy(np.int64)
        samples = Samples(n=n, c=c)
        try:
            params = law.fit(samples)
        except InputError as exc:  # the law's own check: say which file and model
            if exc.file is not None:
                raise
            raise InputError(f"model {name!r}: {exc.detail}", file=data.source) from None
        ids = np.array([index[p] for p in g["problem"]])
        draws = None
        if bootstrap:
            refits = [_refit(law, samples, m[ids].astype(float), params) for m in mult]
            empty = sum(r is None for r in refits)
            if empty:  # kept as coverage ≈ 0, so that every model keeps the same (paired) resamples
                warnings.append(f"{name}: no problem was solved in {empty} of {bootstrap} bootstrap resamples; "
                                "those draws have coverage ≈ 0 at every k")
            draws = np.array([[(r or law.nothing_solved())[p] for p in law.param_names] for r in refits])
        ks = log_spaced_ks(int(n.min()), 9)
        D = float(g["D"].iloc[0]) if "D" in g else None
        fits.append(ModelFit(name, float(g["N"].iloc[0]), params, D, None, len(g), int(n.min()),
                             dict(zip(map(int, ks), map(float, coverage(n, c, ks)), strict=True)), draws))
    return fits


def _fit_curves(law: TestTimeLaw, data: AccuracyCurves, bootstrap: int, seed: int | None,
                warnings: list[str]) -> list[ModelFit]:
    rng = make_rng(seed)
    fits = []
    for model, method in data.groups:
        g = data.frame[(data.frame["model"] == model) & (data.frame["method"] == method)]
        samples = Samples(k=g["k"].to_numpy(float), accuracy=g["accuracy"].to_numpy(float))
        params = law.fit(samples)
        draws = None
        if bootstrap:  # resample the curve's points (no per-problem data in an aggregate curve)
            draws = np.array([[law.fit(samples, weights=np.bincount(rng.integers(0, len(g), len(g)),
                                                                   minlength=len(g)).astype(float),
                                       start=params)[p] for p in law.param_names] for _ in range(bootstrap)])
        D = float(g["D"].iloc[0]) if "D" in g else None
        label = model if len(data.groups) == len({m for m, _ in data.groups}) else f"{model} ({method})"
        fits.append(ModelFit(label, float(g["N"].iloc[0]), params, D, method, 0, int(g["k"].max()),
                             dict(zip(g["k"].astype(int), g["accuracy"].astype(float), strict=True)), draws))
    return fits


def fit_test_time(data: ProblemCounts | AccuracyCurves, law: str | TestTimeLaw | None = None, *,
                  bootstrap: int = 0, seed: int | None = 0, models: list[str] | None = None) -> TestTimeFit:
    """Fit ``law`` (default: the registry's default for counts, ``saturating`` for curves) to each model."""
    check_bootstrap(bootstrap)
    is_counts = isinstance(data, ProblemCounts)
    the_law = get_test_time_law(law or (DEFAULT_LAW if is_counts else "saturating"))
    if models:
        frame = data.frame[data.frame["model"].isin(models)]
        missing = sorted(set(models) - set(frame["model"]))
        if missing:
            raise InputError(f"no rows for model(s) {', '.join(missing)}", file=data.source, column="model")
        data = ProblemCounts(frame, data.source, data.columns_used) if is_counts else AccuracyCurves(frame,
                                                                                                     data.source)
    start = time.perf_counter()
    warnings: list[str] = []
    fits = (_fit_counts if is_counts else _fit_curves)(the_law, data, bootstrap, seed, warnings)
    return TestTimeFit(the_law, fits, data.source, seed if bootstrap else None, time.perf_counter() - start,
                       warnings)


def load_samples(data: str) -> ProblemCounts | AccuracyCurves:
    """Per-problem counts (model, N, problem, n, c) or aggregate curves (model, N, method, k, accuracy)."""
    from scalinglab.testtime.data import is_counts_table, load_counts, load_curves

    return load_counts(data) if is_counts_table(data) else load_curves(data)


def fit_test_time_file(data: str, law: str | None = None, *, samples: int | None = None, bootstrap: int = 0,
                       seed: int = 0, models: list[str] | None = None) -> tuple[TestTimeFit, ProblemCounts | None]:
    """:func:`fit_test_time` on the table in ``data`` (with ``samples``: on the first ``samples`` per problem,
    a seeded hypergeometric subsample); returns the fit and the full counts (None for aggregate curves)."""
    table = load_samples(data)
    counts = table if isinstance(table, ProblemCounts) else None
    if samples is not None:
        if counts is None:
            raise InputError("`samples` subsamples per-problem counts; this table holds aggregate curves")
        table = counts.subsample(samples, seed)
    return fit_test_time(table, law, bootstrap=bootstrap, seed=seed, models=models), counts
