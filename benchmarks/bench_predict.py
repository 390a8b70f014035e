"""Benchmark: `predict --at` over a table of points, vectorised, vs a per-point loop.

Both paths predict the loss and its 95% interval at the same points from the same FitResult (the
Epoch AI 2024 Chinchilla preset with bootstrap draws drawn around it, seeded). The baseline calls
``FitResult.predict`` and ``predict_interval`` once per point, as a loop over rows would; the vectorised
path is ``scalinglab.fitting.points.predict_points`` on the whole table (what `predict --at` runs).
Prints both times (wall clock and CPU time of this process, which a busy machine inflates less), the
speed-up ratio, and the largest difference between the two answers.

It then times the whole command, ``scalinglab predict --fit FIT.json --at points.csv --out pred.csv``, in
a fresh interpreter (imports, reading, predicting, writing: wall clock and the child's CPU time, best of
``--repeats``), against a named baseline measured the same way in the same run: a fresh interpreter that
only imports pandas (what the command used to spend most of its time on). The load average is printed
with it, since wall clock on a shared machine is mostly waiting.

    .venv/bin/python benchmarks/bench_predict.py [--points 10000] [--draws 200] [--baseline-points 500]
        [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.fitting.points import predict_points
from scalinglab.fitting.result import FitResult


def make_fit(draws: int, seed: int = 0) -> FitResult:
    """epoch2024 with ``draws`` parameter vectors jittered by 2 % (stands in for a bootstrap)."""
    fit = FitResult.from_preset("epoch2024")
    rng = np.random.default_rng(seed)
    centre = np.array([fit.params[k] for k in fit.law.param_names])
    fit.draws = centre * (1 + 0.02 * rng.standard_normal((draws, len(centre))))
    return fit


def _timed(cmd: list[str], repeats: int) -> tuple[float, float]:
    """Best wall clock and best CPU time (user + system of the child) of ``cmd`` over ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def time_cli(fit: FitResult, table: pd.DataFrame, repeats: int) -> dict:
    """The `predict --at` command end to end, and `import pandas` alone, each in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        fit_path, points, out = Path(tmp) / "fit.json", Path(tmp) / "points.csv", Path(tmp) / "pred.csv"
        fit.save(fit_path)
        table.to_csv(points, index=False)
        cli = [sys.executable, "-m", "scalinglab", "predict", "--fit", str(fit_path), "--at", str(points),
               "--out", str(out)]
        wall, cpu = _timed(cli, repeats)
        base_wall, base_cpu = _timed([sys.executable, "-c", "import pandas"], repeats)
        rows = sum(1 for _ in out.open()) - 1
    return {"cli_wall_s": wall, "cli_cpu_s": cpu, "import_pandas_wall_s": base_wall,
            "import_pandas_cpu_s": base_cpu, "cli_rows_written": rows, "load_average_1min": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--baseline-points", type=int, default=500,
                    help="points the per-point loop is timed on (its time is scaled to --points)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of the command (best is kept)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    fit = make_fit(args.draws)
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"N": 10 ** rng.uniform(8, 11, args.points), "D": 10 ** rng.uniform(9, 12, args.points)})

    t0, c0 = time.perf_counter(), time.process_time()
    fast = predict_points(fit, table)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0

    k = min(args.baseline_points, args.points)
    t0, c0 = time.perf_counter(), time.process_time()
    slow = [(float(fit.predict(N=n, D=d)), *(float(v) for v in fit.predict_interval(N=n, D=d)))
            for n, d in zip(table.N[:k], table.D[:k], strict=True)]
    t_loop = (time.perf_counter() - t0) * args.points / k
    c_loop = (time.process_time() - c0) * args.points / k
    slow = np.array(slow)
    diff = float(np.max(np.abs(fast[["loss", "loss_lo", "loss_hi"]].to_numpy()[:k] - slow)))
    out = {"points": args.points, "draws": args.draws, "vectorised_s": t_vec, "per_point_loop_s": t_loop,
           "vectorised_cpu_s": c_vec, "per_point_loop_cpu_s": c_loop, "loop_measured_on": k,
           "speedup": t_loop / t_vec, "max_abs_difference": diff}
    out |= time_cli(fit, table, args.repeats)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"predict --at: {args.points} points × {args.draws} draws (loss and 95% interval)")
    print(f"  vectorised (predict_points)        {t_vec:8.3f} s wall  {c_vec:8.3f} s CPU")
    print(f"  per-point loop (baseline)          {t_loop:8.3f} s wall  {c_loop:8.3f} s CPU"
          f"   (timed on {k} points, scaled)")
    print(f"  ratio loop / vectorised            {t_loop / t_vec:8.1f}x   max |difference| {diff:.2e}")
    print(f"the whole command, fresh interpreter, best of {args.repeats} "
          f"(load average {out['load_average_1min']:.1f} on {os.cpu_count()} CPUs)")
    print(f"  scalinglab predict --at --out      {out['cli_wall_s']:8.3f} s wall  {out['cli_cpu_s']:8.3f} s CPU"
          f"   ({out['cli_rows_written']} rows written)")
    print(f"  baseline: python -c 'import pandas' {out['import_pandas_wall_s']:7.3f} s wall  "
          f"{out['import_pandas_cpu_s']:8.3f} s CPU")
    print(f"  ratio command / import pandas      {out['cli_cpu_s'] / out['import_pandas_cpu_s']:8.2f}x CPU")


if __name__ == "__main__":
    main()
