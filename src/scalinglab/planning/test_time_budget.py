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

With a law across sizes (``testtime.sizes.SizeLaw``: −log pass@k = E(k) + A(k)·N^−β(k) + B(k)·D^−γ(k),
Schaeffer, Levi, Miranda & Koyejo 2025) the candidates are any model sizes N, measured or not, at the k the
law was fitted at; D is the training law's compute-optimal tokens for N or a given D; intervals come from
that law's bootstrap over models (draw b of every size uses the same resample, so gaps are paired).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.errors import InputError, PlanningError
from scalinglab.planning.compute_optimal import fmt, positive
from scalinglab.planning.cost import CostSetup
from scalinglab.results import Result
from scalinglab.testtime.result import TestTimeFit
from scalinglab.testtime.sizes import SizeLaw

DEFAULT_KS = tuple(2 ** i for i in range(14)) + (10000,)


@dataclass(frozen=True)
class Workload:
    """Queries over the model's life, tokens per query, and the verifier's size (0: free, perfect)."""

    queries: float
    prompt_tokens: float
    output_tokens: float
    verifier_params: float = 0.0

    def __post_init__(self) -> None:
        positive(self.queries, "`queries`")
        positive(self.prompt_tokens, "`prompt_tokens`", allow_zero=True)
        positive(self.output_tokens, "`output_tokens`")
        positive(self.verifier_params, "`verifier_params`", allow_zero=True)


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
    saved_interval: list[float] | None = None  # the interval read back from a saved plan (no draws)

    @property
    def flops(self) -> float:
        return self.training_flops + self.prompt_flops + self.generate_flops + self.verifier_flops

    def interval(self) -> list[float] | None:
        if self.draws is None:
            return self.saved_interval
        return [float(v) for v in np.percentile(self.draws, [2.5, 97.5])]

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


def training_tokens(models: Sequence[tuple[str, float, float | None]], train_tokens: float | None,
                    training_law: Any | None) -> dict[str, float]:
    """D per (name, N, measured D) model: the training law's compute-optimal D for N, ``train_tokens``, or the
    measured D."""
    out = {}
    terms = None
    if training_law is not None:
        from scalinglab.planning.compute_optimal import ChinchillaTerms

        terms = ChinchillaTerms.from_params(training_law.params, training_law.law.name)
    for name, N, D in models:
        if terms is not None:
            out[name] = terms.compute_optimal_tokens(N)
        elif train_tokens is not None:
            out[name] = positive(train_tokens, "`train_tokens`")
        elif D is not None:
            out[name] = D
        else:
            raise PlanningError(f"model {name!r} has no training tokens D: give `train_tokens`, a training law "
                                "or a D column in the counts")
    return out


@dataclass
class TestTimePlan(Result):
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
    def from_dict(cls, d: Any, source: str = "<dict>") -> TestTimePlan:
        """Read back :meth:`to_dict` (``plan test-time --json`` output); a bad field names the file and key."""
        keys = ("model", "N", "D", "k", "accuracy", "training_flops", "prompt_flops", "generate_flops",
                "verifier_flops", "cost")

        def cand(x: Any, where: str) -> Candidate:
            if not isinstance(x, dict):
                raise InputError("must be a candidate object", file=source, key=where)
            for k in keys:
                v = x.get(k)
                if k == "model":
                    ok = isinstance(v, str)
                else:
                    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))
                if not ok:
                    raise InputError("missing or not a " + ("name" if k == "model" else "finite number"),
                                     file=source, key=f"{where}.{k}")
            iv = x.get("accuracy_interval")
            if iv is not None and not (isinstance(iv, list) and len(iv) == 2
                                       and all(isinstance(v, (int, float)) for v in iv)):
                raise InputError("must be a [low, high] pair", file=source, key=f"{where}.accuracy_interval")
            return Candidate(*(x[k] for k in keys[:3]), int(x["k"]), *(float(x[k]) for k in keys[4:]),
                             saved_interval=iv)

        if not isinstance(d, dict):
            raise InputError("a test-time plan must be a JSON object (from `scalinglab plan test-time --json`)", file=source)
        for key, types in (("mode", str), ("unit", str), ("law", str), ("limit", (int, float)),
                           ("workload", dict), ("candidates", list), ("best", dict)):
            if not isinstance(d.get(key), types):
                raise InputError(f"missing or of the wrong type (want {getattr(types, '__name__', 'number')})",
                                 file=source, key=key)
        try:
            w = Workload(**d["workload"])
        except (TypeError, PlanningError, ValueError) as exc:
            raise InputError(f"bad workload: {exc}", file=source, key="workload") from None
        cands = [cand(c, f"candidates[{i}]") for i, c in enumerate(d["candidates"])]
        runner = cand(d["runner_up"], "runner_up") if d.get("runner_up") else None
        return cls(d["mode"], d["unit"], float(d["limit"]), w, d["law"], cands, cand(d["best"], "best"), runner,
                   d.get("gap") or {}, [str(n) for n in d.get("notes") or []])

    def _money(self, x: float) -> str:
        return f"${x:,.0f}" if self.unit == "USD" else f"{x:.4g} FLOPs"

    def _line(self, label: str, c: Candidate) -> str:
        iv = c.interval()
        acc = f"accuracy {c.accuracy:.4f}" + (f" (95% {iv[0]:.4f}-{iv[1]:.4f})" if iv else "")
        size = f"D = {fmt(c.D)}" if c.model == size_name(c.N) else f"N = {fmt(c.N)}, D = {fmt(c.D)}"
        return (f"  {label:<10} {c.model} ({size}) with k = {c.k:,} samples: {acc}; "
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


def _candidate(name: str, N: float, D: float, k: int, acc: float, draws: np.ndarray | None, w: Workload,
               setup: CostSetup | None) -> Candidate:
    costs = candidate_costs(N, D, k, w, setup)
    return Candidate(name, N, D, int(k), float(acc), costs["training_flops"], costs["prompt_flops"],
                     costs["generate_flops"], costs["verifier_flops"], costs["cost"], draws)


def _candidates(fit: TestTimeFit, D: dict[str, float], ks: tuple[int, ...], w: Workload,
                setup: CostSetup | None) -> list[Candidate]:
    out = []
    for m in fit.models:
        karr = np.array(ks, dtype=float)
        acc = fit.coverage(m.model, karr)
        draws = fit.coverage_draws(m.model, karr)
        out += [_candidate(m.model, m.N, D[m.model], k, acc[j], None if draws is None else draws[:, j], w, setup)
                for j, k in enumerate(ks)]
    return out


def size_name(N: float) -> str:
    """The candidate name of a model size planned through the law across sizes."""
    return f"N = {fmt(N)}"


def _size_candidates(law: SizeLaw, sizes: Sequence[float], D: dict[str, float], ks: tuple[int, ...],
                     w: Workload, setup: CostSetup | None) -> list[Candidate]:
    out = []
    for N in sizes:
        name = size_name(N)
        for k in ks:
            draws = law.predict_draws(N, D[name], k)
            out.append(_candidate(name, N, D[name], k, float(law.predict(N, D[name], k)), draws, w, setup))
    return out


def _runner_up(pool: list[Candidate], best: Candidate, key) -> Candidate | None:
    other = [c for c in pool if c.model != best.model] or [c for c in pool if c is not best]
    return min(other, key=key) if other else None


def plan_test_time(fit: TestTimeFit | SizeLaw, workload: Workload, *, budget: float | None = None,
                   target_accuracy: float | None = None, setup: CostSetup | None = None,
                   train_tokens: float | None = None, training_law: Any | None = None,
                   ks: Sequence[int] | None = None, sizes: Sequence[float] | None = None) -> TestTimePlan:
    """Best (model, k) within a budget (FLOPs, or USD with ``setup``), or cheapest reaching a target accuracy.

    ``fit`` is a test-time law fitted per measured model (``TestTimeFit``; ``ks`` defaults to
    :data:`DEFAULT_KS`), or a law across sizes (``SizeLaw``) with candidate model ``sizes`` (parameters;
    measured or not) at its fitted k (``ks`` must be among them; default all).
    """
    if (budget is None) == (target_accuracy is None):
        raise PlanningError("give either a budget (FLOPs or dollars) or a target accuracy, not both or neither")
    by_size = isinstance(fit, SizeLaw)
    if ks is None:
        ks = fit.ks if by_size else DEFAULT_KS
    if not ks or any(int(k) != k or k < 1 for k in ks):
        raise PlanningError("`ks` must be positive whole numbers of samples")
    ks = tuple(sorted(set(int(k) for k in ks)))
    if by_size:
        if not sizes:
            raise PlanningError("a law across sizes needs candidate model `sizes` (in parameters)")
        sizes = tuple(sorted({positive(float(N), "`sizes`") for N in sizes}))
        missing = [k for k in ks if k not in fit.fits]
        if missing:
            raise PlanningError(f"the law across sizes was not fitted at k = {', '.join(map(str, missing))} "
                                f"(fitted: {', '.join(map(str, fit.ks))})")
        D = training_tokens([(size_name(N), N, None) for N in sizes], train_tokens, training_law)
        cands = _size_candidates(fit, sizes, D, ks, workload, setup)
    else:
        if sizes:
            raise PlanningError("candidate sizes need a law across sizes (testtime.sizes.SizeLaw), not a fit "
                                "per measured model")
        D = training_tokens([(m.model, m.N, m.D) for m in fit.models], train_tokens, training_law)
        cands = _candidates(fit, D, ks, workload, setup)
    unit = "USD" if setup is not None else "FLOPs"
    overflow = next((c for c in cands if not np.isfinite(c.cost)), None)
    if overflow is not None:  # was "the cheapest ... costs nan FLOPs" (inf x 0) or a plan ranked on inf
        raise PlanningError(f"the lifetime cost of {overflow.model} at k = {overflow.k:g} is outside the float "
                            "range; check `queries`, `ks` and the token counts")
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
            raise PlanningError(f"`target_accuracy` must be in (0, 1), got {limit:g}")
        pool = [c for c in cands if c.accuracy >= limit]
        if not pool:
            top = max(cands, key=lambda c: c.accuracy)
            raise PlanningError(f"no candidate reaches accuracy {limit:g}: the best is {top.accuracy:.4f} "
                                f"({top.model}, k = {top.k}); allow more samples (`ks`)")
        key = lambda c: (c.cost, -c.accuracy)  # noqa: E731
    best = min(pool, key=key)
    runner = _runner_up(pool, best, key)
    gap = _gap(best, runner)
    if by_size:
        notes = ["accuracy is pass@k = exp(-(E(k) + A(k)/N^beta(k) + B(k)/D^gamma(k))) of the law across sizes "
                 "(Schaeffer, Levi, Miranda & Koyejo 2025); it assumes a verifier that finds a correct sample "
                 "whenever one exists"]
        if best.draws is None:
            notes.append("no bootstrap draws in the law across sizes: refit it with a bootstrap for intervals")
        law_name = "sizes"
    else:
        notes = ["accuracy is coverage (pass@k): it assumes the verifier picks a correct sample whenever one "
                 "exists" if fit.law.data_kind == "counts" else f"accuracy is the fitted aggregate curve "
                 f"({fit.law.name})"]
        if fit.n_draws == 0:
            notes.append("no bootstrap draws in the fit: refit with a bootstrap for intervals")
        law_name = fit.law.name
    return TestTimePlan("budget" if budget is not None else "target", unit, limit, workload, law_name, cands,
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


def plan_test_time_files(*, test_time_fit: str | Path | None = None, size_law: str | Path | None = None,
                         sizes: Sequence[float] | None = None, queries: float | None = None,
                         prompt_tokens: float = 0.0, output_tokens: float | None = None, verifier_params: float = 0.0,
                         budget_flops: float | None = None, budget_dollars: float | None = None,
                         gpu: str = "h100", price: float | None = None, mfu: tuple[float, float, float] = (0.40, 0.50, 0.10),
                         **options: Any) -> TestTimePlan:
    """:func:`plan_test_time` for a saved ``test_time_fit`` (``TestTimeFit``) or ``size_law`` (``SizeLaw``,
    with candidate ``sizes``), a workload of ``queries``, and a budget in FLOPs or dollars (priced on ``gpu``
    with the training, prefill and decode ``mfu``); ``options`` go to :func:`plan_test_time`."""
    if (test_time_fit is None) == (size_law is None):
        raise PlanningError("give one of `test_time_fit` or `size_law`, not both")
    if queries is None or output_tokens is None:
        raise PlanningError(f"`{'size_law' if size_law else 'test_time_fit'}` needs `queries` and `output_tokens`")
    if (size_law is None) != (sizes is None):
        raise PlanningError("`size_law` and `sizes` go together")
    if budget_flops is not None and budget_dollars is not None:
        raise PlanningError("give `budget_flops` or `budget_dollars`, not both")
    for name, value in (("budget_flops", budget_flops), ("budget_dollars", budget_dollars)):
        if value is not None:  # named here: plan_test_time's check says only "the budget"
            positive(value, f"`{name}`")
    setup = None
    if budget_dollars is not None:
        setup = CostSetup.priced(gpu, price, queries, prompt_tokens, output_tokens, inference_gpu=gpu,
                                 mfu_train=mfu[0], mfu_prompt=mfu[1], mfu_generate=mfu[2])
    law = SizeLaw.load(size_law) if size_law is not None else TestTimeFit.load(test_time_fit)  # type: ignore[arg-type]
    return plan_test_time(law, Workload(queries, prompt_tokens, output_tokens, verifier_params),
                          budget=budget_flops if budget_flops is not None else budget_dollars, setup=setup,
                          sizes=sizes, **options)
