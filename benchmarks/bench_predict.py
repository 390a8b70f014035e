"""Benchmark: `predict --at` over a table of points, vectorised, vs a per-point loop.

Both paths predict the loss and its 95% interval at the same points from the same FitResult (the
Epoch AI 2024 Chinchilla preset with bootstrap draws drawn around it, seeded). The baseline calls
``FitResult.predict`` and ``predict_interval`` once per point, as a loop over rows would; the vectorised
path is ``scalinglab.fitting.points.predict_points`` on the whole table (what `predict --at` runs).
Prints both times (wall clock and CPU time of this process, which a busy machine inflates less), the
speed-up ratio, and the largest difference between the two answers.

It then times the whole command, ``scalinglab predict --fit FIT.json --at points.csv --out pred.csv``, in
fresh interpreters with this tree's ``src`` (imports, reading, predicting, writing: wall clock and the
child's CPU time, median and best of ``--repeats``), interleaved run by run with the named baselines
measured the same way: the same command from ``--baseline-src`` (e.g. ``/work/main/src``, the code before
a change; its output must be the same bytes) and a fresh interpreter that only imports pandas. Each figure
carries the range of the 1-minute load average seen during its runs, since wall clock on a shared machine
is mostly waiting; CPU time is inflated less. Whether Python's bytecode cache is on is printed too
(``PYTHONDONTWRITEBYTECODE`` makes every run compile the project's modules from source).

    .venv/bin/python benchmarks/bench_predict.py [--points 10000] [--draws 200] [--baseline-points 500]
        [--repeats 7] [--baseline-src /work/main/src] [--cli-only] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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


SRC = Path(__file__).resolve().parents[1] / "src"


def _load() -> float:
    """The 1-minute load average (what `uptime` prints first)."""
    return os.getloadavg()[0]


def _run_once(cmd: list[str], src: str | None) -> tuple[float, float, float]:
    """Wall clock, CPU time (user + system of the child) and the load average of one run of ``cmd``."""
    env = dict(os.environ) if src is None else {**os.environ, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, _load()


def _summary(runs: list[tuple[float, float, float]]) -> dict:
    """Median and best wall clock and CPU time, and the load averages seen, of a list of runs."""
    walls, cpus, loads = (sorted(x) for x in zip(*runs, strict=True))
    return {"wall_median_s": statistics.median(walls), "wall_best_s": walls[0],
            "cpu_median_s": statistics.median(cpus), "cpu_best_s": cpus[0], "runs": len(runs),
            "load_min": loads[0], "load_max": loads[-1]}


def time_cli(fit: FitResult, table: pd.DataFrame, repeats: int, baseline_src: str | None) -> dict:
    """The `predict --at` command end to end in fresh interpreters (this tree's src), interleaved run by run
    with the named baselines: the same command from ``baseline_src`` (e.g. /work/main/src, the code before a
    change) and ``python -c "import pandas"``; the outputs of the two commands must be the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        fit_path, points = Path(tmp) / "fit.json", Path(tmp) / "points.csv"
        fit.save(fit_path)
        table.to_csv(points, index=False)

        def cli(out: str) -> list[str]:
            return [sys.executable, "-m", "scalinglab", "predict", "--fit", str(fit_path), "--at", str(points),
                    "--out", str(Path(tmp) / out)]

        runs: dict[str, list] = {"cli": [], "import_pandas": []} | ({"baseline_cli": []} if baseline_src else {})
        for _ in range(repeats):  # A/B/C in turn, so that the three see the same load
            runs["cli"].append(_run_once(cli("pred.csv"), str(SRC)))
            if baseline_src:
                runs["baseline_cli"].append(_run_once(cli("pred_baseline.csv"), baseline_src))
            runs["import_pandas"].append(_run_once([sys.executable, "-c", "import pandas"], None))
        out = {k: _summary(v) for k, v in runs.items()}
        written = (Path(tmp) / "pred.csv").read_bytes()
        out["cli_rows_written"] = written.count(b"\n") - 1
        if baseline_src:
            out["same_bytes_as_baseline"] = written == (Path(tmp) / "pred_baseline.csv").read_bytes()
    out["bytecode_cache"] = "off (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "on"
    return out


def _print_cli(out: dict, repeats: int, baseline_src: str | None) -> None:
    """The whole-command figures: medians (best), CPU and wall, load, ratios against the baselines."""
    print(f"the whole command, fresh interpreter, median (best) of {repeats} runs on {os.cpu_count()} CPUs, "
          f"bytecode cache {out['bytecode_cache']}")

    def line(label: str, s: dict) -> None:
        print(f"  {label:36s} {s['cpu_median_s']:6.3f} ({s['cpu_best_s']:.3f}) s CPU  "
              f"{s['wall_median_s']:6.3f} ({s['wall_best_s']:.3f}) s wall   load {s['load_min']:.1f}-{s['load_max']:.1f}")

    line("scalinglab predict --at --out", out["cli"])
    if baseline_src:
        line(f"baseline: the same, {baseline_src}", out["baseline_cli"])
    line("baseline: python -c 'import pandas'", out["import_pandas"])
    print(f"  ({out['cli_rows_written']} rows written"
          + (f"; same bytes as the baseline command: {out['same_bytes_as_baseline']})" if baseline_src else ")"))
    if baseline_src:
        b, c = out["baseline_cli"], out["cli"]
        print(f"  ratio baseline command / command     {b['cpu_median_s'] / c['cpu_median_s']:6.2f}x CPU  "
              f"{b['wall_median_s'] / c['wall_median_s']:6.2f}x wall")
    p, c = out["import_pandas"], out["cli"]
    print(f"  ratio command / import pandas         {c['cpu_median_s'] / p['cpu_median_s']:6.2f}x CPU  "
          f"{c['wall_median_s'] / p['wall_median_s']:6.2f}x wall")


def time_vectorised(fit: FitResult, table: pd.DataFrame, baseline_points: int) -> dict:
    """predict_points on the whole table vs a per-point loop (timed on ``baseline_points``, scaled)."""
    n = len(table)
    t0, c0 = time.perf_counter(), time.process_time()
    fast = predict_points(fit, table)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    k = min(baseline_points, n)
    t0, c0 = time.perf_counter(), time.process_time()
    slow = [(float(fit.predict(N=a, D=b)), *(float(v) for v in fit.predict_interval(N=a, D=b)))
            for a, b in zip(table.N[:k], table.D[:k], strict=True)]
    t_loop, c_loop = (time.perf_counter() - t0) * n / k, (time.process_time() - c0) * n / k
    diff = float(np.max(np.abs(fast[["loss", "loss_lo", "loss_hi"]].to_numpy()[:k] - np.array(slow))))
    return {"vectorised_s": t_vec, "per_point_loop_s": t_loop, "vectorised_cpu_s": c_vec,
            "per_point_loop_cpu_s": c_loop, "loop_measured_on": k, "speedup": t_loop / t_vec,
            "max_abs_difference": diff, "load_average_1min": _load()}


def _print_vectorised(out: dict) -> None:
    print(f"predict --at: {out['points']} points × {out['draws']} draws (loss and 95% interval), "
          f"load {out['load_average_1min']:.1f}")
    print(f"  vectorised (predict_points)        {out['vectorised_s']:8.3f} s wall  {out['vectorised_cpu_s']:8.3f} s CPU")
    print(f"  per-point loop (baseline)          {out['per_point_loop_s']:8.3f} s wall  "
          f"{out['per_point_loop_cpu_s']:8.3f} s CPU   (timed on {out['loop_measured_on']} points, scaled)")
    print(f"  ratio loop / vectorised            {out['speedup']:8.1f}x   max |difference| "
          f"{out['max_abs_difference']:.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--baseline-points", type=int, default=500,
                    help="points the per-point loop is timed on (its time is scaled to --points)")
    ap.add_argument("--repeats", type=int, default=7, help="runs of the command (median and best are kept)")
    ap.add_argument("--baseline-src", default=None,
                    help="also time the same command with this PYTHONPATH (e.g. /work/main/src: the code before "
                         "a change), interleaved run by run")
    ap.add_argument("--cli-only", action="store_true", help="time only the whole command")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    fit = make_fit(args.draws)
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"N": 10 ** rng.uniform(8, 11, args.points), "D": 10 ** rng.uniform(9, 12, args.points)})
    out = {"points": args.points, "draws": args.draws}
    if not args.cli_only:
        out |= time_vectorised(fit, table, args.baseline_points)
    out["command"] = time_cli(fit, table, args.repeats, args.baseline_src)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    if not args.cli_only:
        _print_vectorised(out)
    _print_cli(out["command"], args.repeats, args.baseline_src)


if __name__ == "__main__":
    main()
