"""Law selection by extrapolation: fit every candidate on the smaller runs, score it on the larger ones.

The split is leave-largest-out along one axis (N, D or C): the runs at the largest distinct values of that
axis, at least ``holdout`` of them, are the test set. Each law is fitted on the rest by the project's
fitter; its score is the root-mean-square log-loss error on the test runs (≈ relative error). The interval
comes from a bootstrap of the *train* runs: every resample is refitted (the fitter's batched bootstrap)
and scored on the same test runs. The winner is "clearly better" only when its interval lies below the
runner-up's; otherwise the result says that the data cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalinglab.data.runs import RunsTable
from scalinglab.errors import InputError, ScalingLabError
from scalinglab.results import Result

SPLITS = ("N", "D", "C")


def leave_largest_out(runs: RunsTable, by: str, holdout: float = 0.2) -> np.ndarray:
    """Boolean test mask: the runs at the largest distinct values of ``by`` covering ≥ ``holdout`` of runs."""
    if by not in SPLITS:
        raise ScalingLabError(f"`split` must be one of {', '.join(SPLITS)}, got {by!r}")
    if not 0 < holdout < 1:
        raise ScalingLabError(f"`holdout` (the held-out fraction) must be between 0 and 1, got {holdout:g}")
    x = runs.column(by)
    values = np.unique(x)[::-1]
    test = np.zeros(len(x), dtype=bool)
    for v in values:
        test |= x == v
        if test.sum() >= holdout * len(x):
            break
    if test.all():
        raise InputError(f"every run has the largest {by}; nothing is left to fit on", file=runs.source)
    return test


@dataclass
class LawScore:
    """One candidate: its extrapolation error on the test runs, with the bootstrap interval."""

    law: str
    error: float | None
    interval: list[float] | None = None
    params: dict[str, float] = field(default_factory=dict)
    failed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"law": self.law, "rmse_log": self.error, "interval": self.interval, "params": self.params,
                "failed": self.failed}


@dataclass
class SelectionResult(Result):
    """Laws ranked by extrapolation error (best first) and whether the winner is clearly better.

    A :class:`~scalinglab.results.Result`: ``to_dict`` (the ``--json`` shape and the ``select --out``
    file), ``text``, ``_repr_html_``, ``save``, and ``from_dict``/``load`` to read the file back.
    """

    split: str
    threshold: float  # smallest value of the split axis in the test set
    n_train: int
    n_test: int
    scores: list[LawScore]
    bootstrap: int = 0
    seed: int | None = None
    source: str | None = None

    @property
    def winner(self) -> LawScore | None:
        return self.scores[0] if self.scores and self.scores[0].error is not None else None

    @property
    def clearly_better(self) -> bool | None:
        """True when the winner's interval lies below the runner-up's; None without two scored intervals."""
        scored = [s for s in self.scores if s.interval is not None]
        if len(scored) < 2 or scored[0] is not self.winner:
            return None
        return bool(scored[0].interval[1] < scored[1].interval[0])

    def verdict(self) -> str:
        if self.winner is None:
            return "no law could be fitted on the train runs"
        if len(self.scores) == 1:
            return f"only {self.winner.law} was scored"
        clear = self.clearly_better
        runner = self.scores[1].law
        if clear is None:
            return f"{self.winner.law} extrapolates best (no bootstrap: no intervals to compare)"
        if clear:
            return f"{self.winner.law} extrapolates clearly better than {runner} (95% intervals do not overlap)"
        return (f"{self.winner.law} has the lowest error, but it is not clearly better than {runner}: "
                "their 95% intervals overlap")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "selection", "split": self.split, "threshold": self.threshold, "n_train": self.n_train,
                "n_test": self.n_test, "metric": "rmse_log", "bootstrap": self.bootstrap, "seed": self.seed,
                "source": self.source, "ranking": [s.to_dict() for s in self.scores],
                "winner": self.winner.law if self.winner else None, "clearly_better": self.clearly_better,
                "verdict": self.verdict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> SelectionResult:
        if not isinstance(d, dict):
            raise InputError("not a selection result (expected a JSON object)", file=source)
        if d.get("kind", "selection") != "selection":
            raise InputError(f"key 'kind' is {d['kind']!r}, not 'selection'", file=source)
        try:
            scores = [LawScore(s["law"], s["rmse_log"], s.get("interval"), dict(s.get("params") or {}),
                               s.get("failed")) for s in d["ranking"]]
            return cls(d["split"], float(d["threshold"]), int(d["n_train"]), int(d["n_test"]), scores,
                       int(d.get("bootstrap") or 0), d.get("seed"), d.get("source"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a selection result: {exc}", file=source) from None

    def text(self) -> str:
        lines = [f"Law selection by extrapolation: fitted on {self.n_train} runs with {self.split} < "
                 f"{self.threshold:.4g}, scored on the {self.n_test} larger ones"
                 + (f" ({self.bootstrap} bootstrap refits of the train runs)" if self.bootstrap else ""),
                 "", f"  {'rank':>4}  {'law':<20} {'RMSE log-loss':>14}   {'95% interval':>22}"]
        for i, s in enumerate(self.scores, 1):
            if s.error is None:
                lines.append(f"  {i:>4}  {s.law:<20} {'failed':>14}   {s.failed}")
                continue
            iv = f"({s.interval[0]:.4g}, {s.interval[1]:.4g})" if s.interval else ""
            lines.append(f"  {i:>4}  {s.law:<20} {s.error:>14.4g}   {iv:>22}")
        lines += ["", self.verdict()]
        return "\n".join(lines)


def _score(law_name: str, train: RunsTable, test: RunsTable, bootstrap: int, seed: int | None,
           level: float) -> LawScore:
    """Fit one law on the train runs and score it (and every bootstrap refit) on the test runs."""
    from scalinglab.fitting.estimator import ScalingLawFit
    from scalinglab.laws.registry import get_law

    law = get_law(law_name)
    try:
        res = ScalingLawFit(law=law, bootstrap=bootstrap, seed=seed).fit(train).result_
    except ScalingLabError as exc:
        return LawScore(law.name, None, failed=str(exc))
    X = {k: test.column(law.column_of(k)) for k in law.inputs}
    log_y = np.log(test.loss)
    error = float(np.sqrt(np.mean((np.log(res.predict(**X)) - log_y) ** 2)))
    interval = None
    draws = res.predict_draws(**X)
    if draws is not None:
        errs = np.sqrt(np.mean((np.log(draws) - log_y[None, :]) ** 2, axis=1))
        q = 100 * (1 - level) / 2
        interval = [float(np.percentile(errs, q)), float(np.percentile(errs, 100 - q))]
    return LawScore(law.name, error, interval, dict(res.params))


def _check_request(split: str, bootstrap: int, seed: int | None) -> None:
    """Options checked once, up front: a bad ``bootstrap`` or ``seed`` made every law's row "failed" (exit 0)."""
    from scalinglab.seeding import check_bootstrap, make_rng

    if split not in SPLITS:
        raise ScalingLabError(f"`split` must be one of {', '.join(SPLITS)}, got {split!r}")
    check_bootstrap(bootstrap)
    make_rng(seed)


def _check_laws(laws: list[str]) -> None:
    """A file's candidate laws name each law once (:func:`select_laws` itself may compare a law with itself)."""
    twice = sorted({n for n in laws if list(laws).count(n) > 1})
    if twice:  # each was fitted and ranked twice
        raise ScalingLabError(f"`laws` names {', '.join(map(repr, twice))} more than once")


def select_laws(runs: RunsTable, laws: list[str], split: str = "N", holdout: float = 0.2,
                bootstrap: int = 100, seed: int | None = 0, level: float = 0.95) -> SelectionResult:
    """Rank ``laws`` by their extrapolation error on the runs held out at the largest ``split``."""
    if not laws:
        raise ScalingLabError("give at least one law to compare")
    _check_request(split, bootstrap, seed)
    test_mask = leave_largest_out(runs, split, holdout)
    frame = runs.frame
    train = RunsTable(frame[~test_mask].reset_index(drop=True), runs.source, 0, runs.columns_used)
    test = RunsTable(frame[test_mask].reset_index(drop=True), runs.source, 0, runs.columns_used)
    scores = [_score(name, train, test, bootstrap, seed, level) for name in laws]
    scores.sort(key=lambda s: (s.error is None, s.error if s.error is not None else 0.0))
    return SelectionResult(split, float(test.column(split).min()), len(train), len(test), scores, bootstrap,
                           seed, runs.source)


def select_laws_file(data: Any, laws: list[str], split: str = "N", holdout: float = 0.2, bootstrap: int = 100,
                     seed: int | None = 0, columns: dict[str, Any] | None = None) -> SelectionResult:
    """:func:`select_laws` on the runs table in ``data``, read with every input any of ``laws`` needs
    (``columns``: :func:`~scalinglab.data.runs.load_runs`'s column options)."""
    from scalinglab.data.runs import load_runs
    from scalinglab.laws.registry import get_law

    _check_laws(laws)
    _check_request(split, bootstrap, seed)  # before reading: a bad split was a KeyError in the loader
    candidates = [get_law(n) for n in laws]
    need = {split, "loss"} | {law.column_of(k) for law in candidates for k in law.inputs}
    variables = list({v.name: v for law in candidates for v in law.variables}.values())
    runs = load_runs(data, require=tuple(sorted(need)), inputs=variables, **(columns or {}))
    return select_laws(runs, laws, split=split, holdout=holdout, bootstrap=bootstrap, seed=seed)
