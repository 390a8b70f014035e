"""Benchmark: calibration of the partial-run forecast (``scalinglab forecast``), old vs new interval.

For each family (GPT-3, Pile-T5, OPT from the Hitchhiker's Guide data), every model but the largest is
treated in turn as a run in progress: the family law is fitted (the guide's ``curve_fit`` recipe, D > 1e10)
on the *other* models' full curves, the run is cut at 30 / 50 / 70 % of its tokens, and its final loss
(mean over checkpoints with D ≥ 98 % of its last D) is forecast from the cut curve plus the other
models' curves. Prints, per family and method, mean |log error| (%) of the point forecast and the share of
cases whose 95 % interval covers the actual final loss, and the mean interval width.

Baseline ``checkpoints`` = the original method (gap held constant, checkpoint bootstrap), same run.
``drift+draws`` = the default method with the family law's parameter uncertainty added: the FIT carries
``--draws`` refits from a cluster bootstrap over the other models (``evaluate --bootstrap``).

    .venv/bin/python benchmarks/bench_forecast.py [--data tests/data/hitchhiker] [--bootstrap 400] [--draws 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.curves.estimate import bootstrap_curves, fit_curves
from scalinglab.curves.forecast import FINAL_WINDOW, FORECAST_METHODS, forecast_run
from scalinglab.curves.importers import guide_family

HERE = Path(__file__).resolve().parents[1]
DEFAULT_DATA = HERE / "tests" / "data" / "hitchhiker"
CUTS = (0.3, 0.5, 0.7)
MIN_TOKENS = 1e10


def cases(family: str, root: Path, bootstrap: int, n_draws: int):
    df = guide_family(family, root)
    order = df.groupby("model")["N"].first().sort_values().index.tolist()
    for model in order[:-1]:
        others = df[df["model"] != model]
        fit = fit_curves(others[others["D"] > MIN_TOKENS], "chinchilla", "curve_fit")
        with_draws = None
        if n_draws:
            with_draws = dataclasses.replace(fit, draws=bootstrap_curves(others[others["D"] > MIN_TOKENS],
                                                                         n_draws, seed=0))
        run = df[df["model"] == model].sort_values("D")
        d_final = float(run["D"].max())
        actual = float(run.loc[run["D"] >= FINAL_WINDOW * d_final, "loss"].mean())
        for cut in CUTS:
            part = run[run["D"] <= cut * d_final]
            min_tokens = MIN_TOKENS if (part["D"] > MIN_TOKENS).sum() >= 4 else 0.0
            curves = pd.concat([others, part], ignore_index=True)
            variants = [(m, m, fit) for m in FORECAST_METHODS]
            if with_draws is not None:
                variants.append(("drift+draws", "drift", with_draws))
            for label, method, family_fit in variants:
                r = forecast_run(curves, family_fit, model, d_final, bootstrap=bootstrap, min_tokens=min_tokens,
                                 method=method)
                lo, hi = r["interval"]
                yield {"family": family, "model": model, "cut": cut, "method": label,
                       "abs_err_pct": 100 * abs(np.log(r["forecast"] / actual)),
                       "covered": lo <= actual <= hi, "width_pct": 100 * np.log(hi / lo)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--bootstrap", type=int, default=400)
    ap.add_argument("--families", default="gpt3,t5-pile,opt")
    ap.add_argument("--draws", type=int, default=100, help="cluster-bootstrap refits per family law (0: skip)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rows = [r for fam in args.families.split(",") for r in cases(fam, args.data, args.bootstrap, args.draws)]
    df = pd.DataFrame(rows)
    summary = df.groupby(["family", "method"]).agg(
        cases=("covered", "size"), mean_abs_err_pct=("abs_err_pct", "mean"),
        coverage_95=("covered", "mean"), mean_width_pct=("width_pct", "mean"))
    total = df.groupby("method").agg(
        cases=("covered", "size"), mean_abs_err_pct=("abs_err_pct", "mean"),
        coverage_95=("covered", "mean"), mean_width_pct=("width_pct", "mean"))
    total.index = pd.MultiIndex.from_product([["all"], total.index])
    pd.set_option("display.width", 120)
    print(pd.concat([summary, total]).round(3).to_string())


if __name__ == "__main__":
    main()
