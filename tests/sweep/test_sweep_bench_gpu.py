"""``benchmarks/bench_gpu.py --device cpu``: the GPU benchmark's smoke mode runs the same code end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gpu.py"


@pytest.mark.slow
def test_bench_gpu_cpu_smoke_mode(tmp_path):
    pytest.importorskip("torch", reason="training needs PyTorch (scalinglab[train])")
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--device", "cpu", "--steps", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    eager, compiled = report["runs"]
    assert not eager["compile"] and compiled["compile"]
    assert eager["tokens_per_s"] > 0 and compiled["tokens_per_s"] > 0 and eager["mfu"] is None  # no CPU peak
    assert report["compile_speedup"] == pytest.approx(compiled["tokens_per_s"] / eager["tokens_per_s"])
    assert report["ddp_gloo"]["world_size"] == 2 and report["ddp_gloo"]["status"] == "finished"
    assert "compiled vs eager (baseline)" in proc.stdout
