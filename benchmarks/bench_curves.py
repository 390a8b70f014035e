"""Benchmark: does the robust log-loss fit, per-model weighting or parameter sharing lower the guide's ARE?

Baseline: the Hitchhiker's Guide recipe (Choshen et al. 2024) — scipy curve_fit least squares on the
loss from the Muennighoff C4 guess — measured in the same run, on the same cells: every number of
train models m ≥ 2 and train fractions p ∈ {0.2, 0.5, 1.0}, min_tokens 1e10, for each family we have
(GPT-3, OPT, Pile-T5). Prints mean and median ARE (%) per family and variant, the ratio of each
variant's mean ARE to the baseline's, and the fitting time.

    .venv/bin/python benchmarks/bench_curves.py [--data tests/data/hitchhiker] [--fractions 0.2,0.5,1.0]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

from scalinglab.curves.estimate import load_curves
from scalinglab.curves.evaluate import evaluate_curves
from scalinglab.curves.importers import guide_family

HERE = Path(__file__).resolve().parents[1]
DEFAULT_DATA = HERE / "tests" / "data" / "hitchhiker"

VARIANTS = {
    "guide curve_fit (baseline)": {"method": "curve_fit"},
    "curve_fit + model weights": {"method": "curve_fit", "weighting": "model"},
    "lsq log-loss, global": {"method": "lsq"},
    "huber log-loss, global": {"method": "huber"},
    "huber + model weights": {"method": "huber", "weighting": "model"},
    "huber, alpha/beta from Hoffmann": {"method": "huber", "fixed": {"alpha": 0.34, "beta": 0.28}},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--fractions", default="0.2,0.5,1.0")
    ap.add_argument("--families", default="gpt3,opt,t5-pile")
    args = ap.parse_args()
    fractions = [float(x) for x in args.fractions.split(",")]
    warnings.simplefilter("ignore")
    print(f"{'family':<8} {'variant':<34} {'cells':>5} {'mean ARE':>9} {'median':>8} {'ratio':>6} "
          f"{'wins':>5} {'time s':>7}")
    overall: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for fam in args.families.split(","):
        curves = load_curves(guide_family(fam, args.data))
        n_models = curves.frame["model"].nunique()
        cells = [(m, p) for m in range(2, n_models) for p in fractions]
        results: dict[str, list[float]] = {}
        times: dict[str, float] = {}
        for name, kw in VARIANTS.items():
            t0 = time.perf_counter()
            ares = []
            for m, p in cells:
                try:
                    a = evaluate_curves(curves, m, train_fraction=p, **kw)["are_percent"]
                except Exception:  # a failed fit scores as missing, as a blank heatmap cell
                    a = None
                ares.append(np.nan if a is None else a)
            results[name], times[name] = ares, time.perf_counter() - t0
        base = np.array(results["guide curve_fit (baseline)"])
        for name in VARIANTS:
            a = np.array(results[name])
            ok = np.isfinite(a) & np.isfinite(base)
            wins = int(np.sum(a[ok] < base[ok] - 1e-9))
            overall[name].extend(a[ok].tolist())
            print(f"{fam:<8} {name:<34} {ok.sum():>5} {np.mean(a[ok]):>9.2f} {np.median(a[ok]):>8.2f} "
                  f"{np.mean(a[ok]) / np.mean(base[ok]):>6.2f} {wins:>5} {times[name]:>7.1f}")
    base_all = np.mean(overall["guide curve_fit (baseline)"])
    print("\nall families: mean ARE (ratio to the guide's curve_fit)")
    for name, v in overall.items():
        print(f"  {name:<34} {np.mean(v):6.2f}  ({np.mean(v) / base_all:.2f}x)")


if __name__ == "__main__":
    main()
