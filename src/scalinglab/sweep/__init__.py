"""Sweep lab: produce the runs that scaling laws are fitted on, from corpus to ``runs.csv``.

Pipeline: corpus (:mod:`.corpus`) -> quality filter (:mod:`.filters`) -> MinHash near-duplicate removal
(:mod:`.dedupe`) -> byte-level BPE (:mod:`.tokenizer`) -> memory-mapped token shards (:mod:`.shards`)
-> GPT decoder (:mod:`.model`) trained by a single-file loop (:mod:`.train`) with atomic checkpoints,
exact resume and eval gates -> sweep specs and presets (:mod:`.spec`, :mod:`.presets`) run by an
executor (:mod:`.executors`: local / torchrun, Slurm via submitit, Ray) -> ``runs.csv`` and
``curves.csv`` (:mod:`.runner`).

Importing this package does not import torch; only :mod:`.model`, :mod:`.train` and the executors'
job function do. The sweep writes tables and never imports the fitting, planning or report modules.
"""

from __future__ import annotations

from scalinglab.lazy import lazy_exports
from scalinglab.sweep.presets import PRESETS, preset
from scalinglab.sweep.spec import RunConfig, SweepSpec, load_spec, spec_from_dict

# imported on first use: the runner and the executors (they stay torch-free until a run starts)
__getattr__, __dir__ = lazy_exports(__name__, {"runner": "require_torch run_status run_sweep",
                                              "executors": "make_executor"})
__all__ = ["PRESETS", "RunConfig", "SweepSpec", "load_spec", "make_executor", "preset", "require_torch",
           "run_status", "run_sweep", "spec_from_dict"]
