"""Bigger model or more samples? Lifetime cost of (model, k) candidates under a fitted test-time law.

For a model of N parameters trained on D tokens that answers Q queries, each with P prompt tokens and k
samples of T generated tokens, checked by a verifier of V parameters that reads prompt and sample:

    lifetime FLOPs = 6·N·D + Q · 2N · (P + k·T) + Q · k · 2V · (P + T)

(6ND for training, 2N FLOPs per token for inference; Kaplan et al. 2020, Sec. 2.1). In dollars every FLOP
count is priced through ``planning.cost`` (accelerator catalogue, MFU): training at the training MFU,
prompt and verifier tokens at the prefill MFU, generated tokens at the decode MFU. Accuracy is the
law's coverage at k (pass@k: the share of queries a perfect verifier — or, with V > 0, a verifier of
that size assumed accurate — would answer). Intervals come from the fit's bootstrap over problems, paired
across candidates (one resample of the problems for every model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalinglab.errors import PlanningError
from scalinglab.planning.compute_optimal import fmt, positive
from scalinglab.planning.cost import CostSetup
from scalinglab.testtime.result import TestTimeFit

DEFAULT_KS = tuple(2 ** i for i in range(14)) + (10000,)


@dataclass(frozen=True)
class Workload:
    """Queries over the model's life, tokens per query, and the verifier's size (0: free, perfect)."""

    queries: float
    prompt_tokens: float
    output_tokens: float
    verifier_params: float = 0.0

    def __post_init__(self) -> None:
        positive(self.queries, "--queries")
        positive(self.prompt_tokens, "--prompt-tokens", allow_zero=True)
        positive(self.output_tokens, "--output-tokens")
        positive(self.verifier_params, "--verifier-params", allow_zero=True)


@dataclass
class Candidate:
    """One (model, k) choice: its FLOPs by kind, its cost and its accuracy (with bootstrap draws)."""

    model: str
    N: float
    D: float
    k: int
    accuracy: float
    training_flops: float
    prompt_flops: float
    generate_flops: float
    verifier_flops: float
    cost: float
    draws: np.ndarray | None = None

    @property
    def flops(self) -> float:
        return self.training_flops + self.prompt_flops + self.generate_flops + self.verifier_flops

    def interval(self) -> list[float] | None:
        return None if self.draws is None else [float(v) for v in np.percentile(self.draws, [2.5, 97.5])]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "N": self.N, "D": self.D, "k": self.k, "accuracy": self.accuracy,
                "accuracy_interval": self.interval(), "cost": self.cost, "flops": self.flops,
                "training_flops": self.training_flops, "prompt_flops": self.prompt_flops,
                "generate_flops": self.generate_flops, "verifier_flops": self.verifier_flops}


def candidate_costs(N: float, D: float, k: int, w: Workload, setup: CostSetup | None) -> dict[str, float]:
    """FLOPs of each kind and the cost (FLOPs, or dollars when ``setup`` is given) of one candidate."""
    flops = {"training_flops": 6.0 * N * D, "prompt_flops": w.queries * 2.0 * N * w.prompt_tokens,
             "generate_flops": w.queries * 2.0 * N * k * w.output_tokens,
             "verifier_flops": w.queries * k * 2.0 * w.verifier_params * (w.prompt_tokens + w.output_tokens)}
    if setup is None:
        cost = sum(flops.values())
    else:
        c = setup.dollars_per_flop()
        cost = (c["train"] * flops["training_flops"] + c["prompt"] * (flops["prompt_flops"] + flops["verifier_flops"])
                + c["generate"] * flops["generate_flops"])
    return flops | {"cost": cost}


def training_tokens(fit: TestTimeFit, train_tokens: float | None, training_law: Any | None) -> dict[str, float]:
    """D per model: from the training law (compute-optimal D for its N), --train-tokens, or the data."""
    out = {}
    terms = None
    if training_law is not None:
        from scalinglab.planning.compute_optimal import ChinchillaTerms

        terms = ChinchillaTerms.from_params(training_law.params, training_law.law.name)
    for m in fit.models:
        if terms is not None:
            out[m.model] = terms.compute_optimal_tokens(m.N)
        elif train_tokens is not None:
            out[m.model] = positive(train_tokens, "--train-tokens")
        elif m.D is not None:
            out[m.model] = m.D
        else:
            raise PlanningError(f"model {m.model!r} has no training tokens D: give --train-tokens, a training law "
                                "(--fit/--preset) or a D column in the counts")
    return out


@dataclass
class TestTimePlan:
    """The best (model, k), the runner-up of another size, and their accuracy and cost gaps."""

    __test__ = False  # not a pytest class
    mode: str  # "budget" or "target"
    unit: str  # "FLOPs" or "USD"
    limit: float
    workload: Workload
    law: str
    candidates: list[Candidate]
    best: Candidate
    runner_up: Candidate | None
    gap: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def frontier(self) -> list[Candidate]:
        """Candidates no other candidate beats on both cost and accuracy, by cost."""
        out, top = [], -np.inf
        for c in sorted(self.candidates, key=lambda c: (c.cost, -c.accuracy)):
            if c.accuracy > top:
                out.append(c)
                top = c.accuracy
        return out

    def to_dict(self) -> dict[str, Any]:
        w = self.workload
        return {"mode": self.mode, "unit": self.unit, "limit": self.limit, "law": self.law,
                "workload": {"queries": w.queries, "prompt_tokens": w.prompt_tokens,
                             "output_tokens": w.output_tokens, "verifier_params": w.verifier_params},
                "best": self.best.to_dict(), "runner_up": self.runner_up.to_dict() if self.runner_up else None,
                "gap": self.gap, "verdict": self.verdict(), "frontier": [c.to_dict() for c in self.frontier()],
                "candidates": [c.to_dict() for c in self.candidates], "notes": self.notes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TestTimePlan:
        def cand(x: dict[str, Any]) -> Candidate:
            keys = ("model", "N", "D", "k", "accuracy", "training_flops", "prompt_flops", "generate_flops",
                    "verifier_flops", "cost")
            return Candidate(*(x[k] for k in keys))

        w = Workload(**d["workload"])
        return cls(d["mode"], d["unit"], d["limit"], w, d["law"], [cand(c) for c in d["candidates"]],
                   cand(d["best"]), cand(d["runner_up"]) if d.get("runner_up") else None, d.get("gap") or {},
                   list(d.get("notes") or []))

    @classmethod
    def load(cls, path: str) -> TestTimePlan:
        import json
        from pathlib import Path

        return cls.from_dict(json.loads(Path(path).read_text()))

    def _money(self, x: float) -> str:
        return f"${x:,.0f}" if self.unit == "USD" else f"{x:.4g} FLOPs"

    def _line(self, label: str, c: Candidate) -> str:
        iv = c.interval()
        acc = f"accuracy {c.accuracy:.4f}" + (f" (95% {iv[0]:.4f}-{iv[1]:.4f})" if iv else "")
        return (f"  {label:<10} {c.model} (N = {fmt(c.N)}, D = {fmt(c.D)}) with k = {c.k:,} samples: {acc}; "
                f"lifetime {self._money(c.cost)} (train {c.training_flops:.3g} + serve "
                f"{c.prompt_flops + c.generate_flops + c.verifier_flops:.3g} FLOPs)")

    def text(self) -> str:
        w = self.workload
        head = (f"{'Budget ' + self._money(self.limit) if self.mode == 'budget' else f'Target accuracy {self.limit:g}'}"
                f"; {fmt(w.queries)} queries × ({fmt(w.prompt_tokens)} prompt + k × {fmt(w.output_tokens)} "
                f"generated) tokens" + (f", verifier {fmt(w.verifier_params)} params" if w.verifier_params else "")
                + f"; law {self.law}")
        lines = [head, self._line("best", self.best)]
        if self.runner_up is not None:
            lines.append(self._line("runner-up", self.runner_up))
            g = self.gap
            acc = f"accuracy gap {g['accuracy']:+.4f}"
            if g.get("accuracy_interval"):
                lo, hi = g["accuracy_interval"]
                acc += f" (95% {lo:+.4f} to {hi:+.4f}; best ahead in {100 * g['best_ahead_share']:.0f}% of resamples)"
            more = "more" if g["cost"] >= 0 else "less"
            lines.append(f"  → {acc}; the runner-up costs {self._money(abs(g['cost']))} {more} "
                         f"({g['cost_ratio']:.3g}× the best)")
            lines.append("  → " + self.verdict())
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def verdict(self) -> str:
        """One line: bigger model, or more samples from a smaller one."""
        b, r = self.best, self.runner_up
        if r is None or r.model == b.model:
            return f"only {b.model} qualifies; it is best at k = {b.k:,}"
        what = "the bigger model" if b.N > r.N else "more samples from the smaller model"
        return f"{what} wins: {b.model} at k = {b.k:,} over {r.model} at k = {r.k:,}"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text())}</pre>"


def _candidates(fit: TestTimeFit, D: dict[str, float], ks: tuple[int, ...], w: Workload,
                setup: CostSetup | None) -> list[Candidate]:
    out = []
    for m in fit.models:
        karr = np.array(ks, dtype=float)
        acc = fit.coverage(m.model, karr)
        draws = fit.coverage_draws(m.model, karr)
        for j, k in enumerate(ks):
            costs = candidate_costs(m.N, D[m.model], k, w, setup)
            out.append(Candidate(m.model, m.N, D[m.model], int(k), float(acc[j]), costs["training_flops"],
                                 costs["prompt_flops"], costs["generate_flops"], costs["verifier_flops"],
                                 costs["cost"], None if draws is None else draws[:, j]))
    return out


def _runner_up(pool: list[Candidate], best: Candidate, key) -> Candidate | None:
    other = [c for c in pool if c.model != best.model] or [c for c in pool if c is not best]
    return min(other, key=key) if other else None


def plan_test_time(fit: TestTimeFit, workload: Workload, *, budget: float | None = None,
                   target_accuracy: float | None = None, setup: CostSetup | None = None,
                   train_tokens: float | None = None, training_law: Any | None = None,
                   ks: tuple[int, ...] = DEFAULT_KS) -> TestTimePlan:
    """Best (model, k) within a budget (FLOPs, or USD with ``setup``), or cheapest reaching a target accuracy."""
    if (budget is None) == (target_accuracy is None):
        raise PlanningError("give either a budget (--budget-flops / --budget-dollars) or --target-accuracy")
    if not ks or any(int(k) != k or k < 1 for k in ks):
        raise PlanningError("--ks must be positive whole numbers of samples")
    D = training_tokens(fit, train_tokens, training_law)
    cands = _candidates(fit, D, tuple(sorted(set(int(k) for k in ks))), workload, setup)
    unit = "USD" if setup is not None else "FLOPs"
    if budget is not None:
        limit = positive(budget, "the budget")
        pool = [c for c in cands if c.cost <= limit]
        if not pool:
            cheapest = min(cands, key=lambda c: c.cost)
            raise PlanningError(f"no candidate fits the budget: the cheapest ({cheapest.model}, k = {cheapest.k}) "
                                f"costs {cheapest.cost:.4g} {unit}")
        key = lambda c: (-c.accuracy, c.cost)  # noqa: E731
    else:
        limit = float(target_accuracy)
        if not 0 < limit < 1:
            raise PlanningError(f"--target-accuracy must be in (0, 1), got {limit:g}")
        pool = [c for c in cands if c.accuracy >= limit]
        if not pool:
            top = max(cands, key=lambda c: c.accuracy)
            raise PlanningError(f"no candidate reaches accuracy {limit:g}: the best is {top.accuracy:.4f} "
                                f"({top.model}, k = {top.k}); allow more samples with --ks")
        key = lambda c: (c.cost, -c.accuracy)  # noqa: E731
    best = min(pool, key=key)
    runner = _runner_up(pool, best, key)
    gap = _gap(best, runner)
    notes = ["accuracy is coverage (pass@k): it assumes the verifier picks a correct sample whenever one exists"
             if fit.law.data_kind == "counts" else f"accuracy is the fitted aggregate curve ({fit.law.name})"]
    if fit.n_draws == 0:
        notes.append("no bootstrap draws in the fit: refit with --bootstrap B for intervals")
    return TestTimePlan("budget" if budget is not None else "target", unit, limit, workload, fit.law.name, cands,
                        best, runner, gap, notes)


def _gap(best: Candidate, runner: Candidate | None) -> dict[str, Any]:
    if runner is None:
        return {}
    g: dict[str, Any] = {"accuracy": best.accuracy - runner.accuracy, "cost": runner.cost - best.cost,
                         "cost_ratio": runner.cost / best.cost}
    if best.draws is not None and runner.draws is not None:
        diff = best.draws - runner.draws
        g["accuracy_interval"] = [float(v) for v in np.percentile(diff, [2.5, 97.5])]
        g["best_ahead_share"] = float(np.mean(diff > 0))
    return g
