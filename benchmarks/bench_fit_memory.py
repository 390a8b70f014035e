"""Benchmark: peak resident memory and time of `scalinglab fit` on generated 10k, 100k and 1M-row tables.

Each table is drawn from the Chinchilla law at Epoch's fitted constants (Besiroglu et al. 2024) with
2 % log-normal noise, N in [1e7, 1e10] parameters and D in [1e9, 1e12] tokens, written as CSV; each size
is fitted by the real CLI in its own process, whose peak RSS (``ru_maxrss`` from ``wait4``), wall time
and CPU time (user + system) are printed. Baseline in the same run: the same fit on the 240 bundled runs (the fixed cost of Python,
NumPy, pandas and SciPy). Acceptance (issue 11): the 1M-row fit stays under 2 GB.

    .venv/bin/python benchmarks/bench_fit_memory.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}


def make_table(n: int, path: Path, seed: int = 0) -> None:
    """A runs table of ``n`` rows drawn from the Chinchilla law with 2 % noise."""
    rng = np.random.default_rng(seed)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))
    p = EPOCH
    loss = (p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]) * np.exp(rng.normal(0, 0.02, n))
    pd.DataFrame({"N": N, "D": D, "loss": loss}).to_csv(path, index=False)


def run_fit(table: str, tmp: str) -> tuple[float, float, float, str]:
    """(peak RSS in MB, wall s, CPU s, the fit's summary lines) of `scalinglab fit TABLE` in a child."""
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out_path, err_path = Path(tmp) / "out.txt", Path(tmp) / "err.txt"
    t0 = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "scalinglab", "fit", table], stdout=out, stderr=err,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"fit on {table} failed:\n{err_path.read_text()}")
    head = " | ".join(line.strip() for line in out_path.read_text().splitlines()[2:4])
    return usage.ru_maxrss / 1024, wall, usage.ru_utime + usage.ru_stime, head  # ru_maxrss: KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        rss0, t0, c0, _ = run_fit("bundled:chinchilla", tmp)
        print(f"baseline: 240 bundled runs   peak RSS {rss0:6.0f} MB   {t0:7.1f} s wall  {c0:7.1f} s CPU")
        for n in sizes:
            path = Path(tmp) / f"runs_{n}.csv"
            make_table(n, path)
            rss, wall, cpu, head = run_fit(str(path), tmp)
            verdict = "OK" if rss < 2048 else "OVER 2 GB"
            print(f"{n:>9,} rows      peak RSS {rss:6.0f} MB   {wall:7.1f} s wall  {cpu:7.1f} s CPU   "
                  f"({rss / rss0:.2f}x baseline RSS; {verdict})")
            print(f"          {head}")


if __name__ == "__main__":
    main()
