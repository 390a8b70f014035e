"""Wall time of a sweep with runs at once (``--jobs N``) against the same sweep run one after another.

Four 600-step runs on the smoke preset's data (1–3 layers, 12k–83k non-embedding parameters, one torch
thread per run), through the real CLI in subprocesses. The data is prepared first (untimed); then
``--jobs 1`` (the baseline) and ``--jobs N`` train the same runs from scratch in the same folder, and the
benchmark prints both wall times, their ratio, and whether the two ``curves.csv`` are byte-identical.

    .venv/bin/python benchmarks/bench_sweep_jobs.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """
name = "jobs-bench"
seed = 0

[data]
source = "stdlib"
max_docs = 60
vocab_size = 512
val_fraction = 0.1

[model]
seq_len = 64
head_dim = 16
aspect_ratio = 16

[train]
batch_size = 8
lr = 3e-3
warmup_steps = 5
checkpoint_every = 100
eval_windows = 32
cpu_threads = 1

[[runs]]
layers = 1
width = 32
tokens = 307200

[[runs]]
layers = 2
width = 32
tokens = 307200

[[runs]]
layers = 2
width = 48
tokens = 307200

[[runs]]
layers = 3
width = 48
tokens = 307200
"""


def sweep(spec: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "run", "--spec", str(spec), "--out", str(out),
                    "--jobs", str(jobs), "-q"], check=True)
    return time.perf_counter() - start


def clear_runs(out: Path) -> None:
    shutil.rmtree(out / "runs", ignore_errors=True)
    for name in ("runs.csv", "curves.csv"):
        (out / name).unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.toml", Path(tmp) / "out"
        spec.write_text(SPEC)
        sweep(spec, out, 1)  # prepares the data (corpus, BPE, shards); untimed
        clear_runs(out)
        t_seq = sweep(spec, out, 1)
        seq_curves = (out / "curves.csv").read_bytes()
        clear_runs(out)
        t_par = sweep(spec, out, args.jobs)
        same = (out / "curves.csv").read_bytes() == seq_curves
    print(f"baseline --jobs 1: {t_seq:.1f} s")
    print(f"--jobs {args.jobs}:         {t_par:.1f} s")
    print(f"speed-up: {t_seq / t_par:.2f}x   curves.csv identical: {same}")


if __name__ == "__main__":
    main()
