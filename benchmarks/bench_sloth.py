"""Benchmark: Sloth's leave-family-out evaluation (paper Fig. 1, LB v2, k = 1, d = 2).

Reproduces the headline of Maia Polo et al. 2025 (arXiv:2412.06540), Fig. 1: the MAE in
percentage points of predicting each held-out family group's larger models from its smallest
one, averaged over the paper's 12 folds, for

* Sloth (trained monotone link, learned floors, d = 2; paper 2.86 pp),
* Sloth basic (sigmoid link, chance floors; paper 3.65 pp),
* the FLOPs baseline with family intercepts (paper ``logF_sigmoid_faminter``, 3.79 pp) and with a
  shared intercept (paper ``logF_sigmoid``, Owen 2024, 4.86 pp),

and prints the run time of each. Speed baseline, measured in the same run: one fold's sigmoid
stage fitted with the same L-BFGS-B but finite-difference gradients (plain
``scipy.optimize.minimize`` without ``jac``) vs scalinglab's analytic gradients; the ratio of run
times is printed along with both training losses.

Run: ``python benchmarks/bench_sloth.py [path/to/data_v2.csv] [--methods sloth,basic,flops,flops-shared]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from scalinglab.skills.sloth import Sloth
from scalinglab.skills.sloth_data import SUITES, load_scores
from scalinglab.skills.sloth_protocol import PAPER_MAE_PP, evaluate, make_folds, split_fold

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "sloth" / "data_v2.csv"


def speed_baseline(table, seed: int = 0) -> None:
    """Time one sigmoid-stage fit: analytic gradient vs finite differences (same optimiser)."""
    data = table.with_min_models(2)
    name, fams = make_folds(data, 1, "v2")[0]
    train, _ = split_fold(data, fams, 1)
    times, losses = {}, {}
    for label, numeric in (("analytic gradient", False), ("finite differences", True)):
        t0 = time.perf_counter()
        m = Sloth(2, "basic", n_init=1, max_iter=300, seed=seed).fit(
            train.params_b, train.tokens_t, train.families, train.scores, floors=train.floors,
            numeric_grad=numeric)
        times[label], losses[label] = time.perf_counter() - t0, m.loss_
    print(f"\nspeed (fold {name!r}, sigmoid stage, 300 L-BFGS-B iterations, same start):")
    for label in times:
        print(f"  {label:20s} {times[label]:7.2f} s   training Huber loss {losses[label]:.6f}")
    print(f"  ratio finite-differences / analytic: "
          f"{times['finite differences'] / times['analytic gradient']:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT))
    ap.add_argument("--methods", default="sloth,basic,flops,flops-shared")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    table = load_scores(args.data, SUITES["v2"])
    print(f"data: {args.data} ({len(table)} complete models on LB v2)")
    print("LB v2, k = 1 smallest model per held-out family, d = 2 skills, 12 paper folds\n")
    print(f"{'method':14s} {'MAE (pp)':>9s} {'paper':>7s} {'diff':>6s} {'seconds':>8s}")
    total = time.perf_counter()
    for method in args.methods.split(","):
        res = evaluate(table, k=1, n_skills=2, method=method, suite="v2", seed=args.seed)
        paper = PAPER_MAE_PP[method]
        print(f"{method:14s} {res.mae_pp:9.2f} {paper:7.2f} {res.mae_pp - paper:+6.2f} {res.seconds:8.1f}",
              flush=True)
    print(f"total evaluation time: {time.perf_counter() - total:.1f} s")
    speed_baseline(table, args.seed)


if __name__ == "__main__":
    main()
