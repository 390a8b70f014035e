"""Benchmark: predict each Pythia size's coverage at k = 10,000 from its first 100 or 1,000 samples.

For every Pythia size on MATH (Brown et al. 2024's 128 problems × 10,000 samples), subsample the first n'
samples of each problem (c' ~ Hypergeometric(10,000, c, n'), seeded), fit every test-time law on the
subsample and print each law's relative error at k = 10,000 next to the coverage measured on all 10,000
samples (Chen et al.'s estimator), and the seconds each fit took. ``--seeds S`` repeats it on S
subsamples (seeds 0 … S−1) and reports, per law, the mean and the worst over seeds of the worst error over
sizes, and each size's mean and worst error; the JSON's top level (``samples``) is seed 0. It also prints
a noise floor: the error of an ideal predictor that knows exactly how many problems the remaining samples
add on average (it predicts cov'(n') + cov(10,000) − cov(n'), where cov(n') on all samples is the expected
coverage of a random n'-subset), so what is left is only which problems the subsample happened to solve.

Run: ``python benchmarks/bench_test_time.py [--json] [--seeds S] [--laws a,b] [--data FILE]``.
The default data is ``tests/data/external/test_time/monkeys_pythia_math_10k.csv``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from scalinglab.testtime.base import Samples
from scalinglab.testtime.data import load_counts
from scalinglab.testtime.passk import coverage
from scalinglab.testtime.registry import DEFAULT_LAW, get_test_time_law

DATA = Path(__file__).resolve().parents[1] / "tests/data/external/test_time/monkeys_pythia_math_10k.csv"
LAWS = (DEFAULT_LAW, "brown", "brown-upper", "beta", "beta-zero", "scaled-beta", "scaled-beta-zero")
TARGET_K = 10000


def run(data: Path, laws: tuple[str, ...], budgets: tuple[int, ...], seed: int) -> dict:
    """{budget: {law: {"worst_rel_error", "by_model": {model: {...}}, "seconds"}}} for one subsample."""
    counts = load_counts(data)
    truth = {m: float(coverage(counts.of(m)["n"].to_numpy(), counts.of(m)["c"].to_numpy(), [TARGET_K])[0])
             for m in counts.models}
    out: dict = {}
    for budget in budgets:
        sub = counts.subsample(budget, seed)
        out[str(budget)] = {}
        floor = {}
        for m in counts.models:
            g, f = sub.of(m), counts.of(m)
            expected = float(coverage(f["n"].to_numpy(), f["c"].to_numpy(), [budget])[0])
            drawn = float(coverage(g["n"].to_numpy(), g["c"].to_numpy(), [budget])[0])
            floor[m] = {"rel_error": abs(drawn - expected) / truth[m]}
        for name in laws:
            law = get_test_time_law(name)
            by_model, total = {}, 0.0
            for m in counts.models:
                g = sub.of(m)
                t0 = time.perf_counter()
                params = law.fit(Samples(n=g["n"].to_numpy(), c=g["c"].to_numpy()))
                seconds = time.perf_counter() - t0
                total += seconds
                pred = float(law.coverage(params, TARGET_K))
                by_model[m] = {"predicted": pred, "measured": truth[m], "rel_error": abs(pred / truth[m] - 1),
                               "seconds": seconds}
            key = "default" if name == DEFAULT_LAW else name
            out[str(budget)][key] = {"law": name, "worst_rel_error": max(v["rel_error"] for v in by_model.values()),
                                     "by_model": by_model, "seconds": total}
        out[str(budget)]["noise_floor"] = {"law": "noise floor", "by_model": floor, "seconds": 0.0,
                                           "worst_rel_error": max(v["rel_error"] for v in floor.values())}
    return out


def _over_seeds(per_seed: list[dict]) -> dict:
    """Mean and worst over seeds of the worst error over sizes, and of each size's error."""
    worst = [r["worst_rel_error"] for r in per_seed]
    models = per_seed[0]["by_model"]
    return {"seeds": len(per_seed), "worst_rel_error": max(worst), "mean_worst": float(np.mean(worst)),
            "median_worst": float(np.median(worst)),
            "share_within_10pct": float(np.mean([w <= 0.10 for w in worst])),
            "by_model": {m: {"mean_rel_error": float(np.mean([r["by_model"][m]["rel_error"] for r in per_seed])),
                             "worst_rel_error": max(r["by_model"][m]["rel_error"] for r in per_seed)}
                         for m in models}}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--laws", default=",".join(LAWS))
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    laws = tuple(dict.fromkeys(s.strip() for s in args.laws.split(",") if s.strip()))
    runs = [run(args.data, laws, (100, 1000), seed) for seed in range(args.seeds)]
    floors = [{b: r[b].pop("noise_floor") for b in r} for r in runs]  # not a law: kept apart in the JSON
    result = {"default_law": DEFAULT_LAW, "target_k": TARGET_K, "seed": 0, "samples": runs[0],
              "noise_floor": floors[0]}
    if args.seeds > 1:
        result["over_seeds"] = {b: {k: _over_seeds([r[b][k] for r in runs]) for k in runs[0][b]} for b in runs[0]}
        for b in runs[0]:
            result["over_seeds"][b]["noise_floor"] = _over_seeds([f[b] for f in floors])
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for budget, laws_only in result["samples"].items():
        by_law = laws_only | {"noise_floor": result["noise_floor"][budget]}
        print(f"fitted on the first {budget} samples per problem (seed 0); coverage at k = {TARGET_K:,}")
        keys = list(by_law)
        print(f"  {'model':<13} {'measured':>9} " + " ".join(f"{by_law[k]['law']:>17}" for k in keys))
        for m in next(iter(by_law.values()))["by_model"]:
            row = " ".join(f"{100 * by_law[k]['by_model'][m]['rel_error']:>16.1f}%" for k in keys)
            print(f"  {m:<13} {laws_only[keys[0]]['by_model'][m]['measured']:>9.4f} {row}")
        print(f"  {'worst':<13} {'':>9} " + " ".join(f"{100 * by_law[k]['worst_rel_error']:>16.1f}%" for k in keys))
        print(f"  {'seconds':<13} {'':>9} " + " ".join(f"{by_law[k]['seconds']:>17.2f}" for k in keys))
        if "over_seeds" in result:
            s = result["over_seeds"][budget]
            print(f"  over seeds 0-{args.seeds - 1}: mean (worst) error of each size, then of the worst size")
            for m in by_law[keys[0]]["by_model"]:
                print(f"  {m:<13} {'':>9} " + " ".join(
                    f"{100 * s[k]['by_model'][m]['mean_rel_error']:>8.1f}% ({100 * s[k]['by_model'][m]['worst_rel_error']:>4.1f}%)"
                    for k in keys))
            print(f"  {'worst size':<13} {'':>9} " + " ".join(
                f"{100 * s[k]['mean_worst']:>8.1f}% ({100 * s[k]['worst_rel_error']:>4.1f}%)" for k in keys))
            print(f"  {'≤10% seeds':<13} {'':>9} " + " ".join(f"{100 * s[k]['share_within_10pct']:>16.0f}%"
                                                            for k in keys))
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
