"""Post-training lab: a sweep's base models -> SFT -> DPO -> instruct models, on verifiable tasks.

Pipeline: a finished sweep run (:mod:`.base`: model, tokenizer and validation loss read from its folder)
-> Hugging Face export (:mod:`.export`) -> seeded task generators with held-out evaluation and a chat
format (:mod:`.tasks`) -> supervised fine-tuning and DPO by a single-file loop with atomic checkpoints
and exact resume (:mod:`.train`) -> eval gates between stages and ``post_runs.csv`` (:mod:`.pipeline`,
presets in :mod:`.presets`).

Importing this package imports neither torch nor transformers; :mod:`.base`, :mod:`.train` and
:mod:`.pipeline` import torch, :mod:`.export` also transformers (the ``post`` extra). It may import the
sweep and lower layers, never the CLI.
"""

from __future__ import annotations

from scalinglab.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "export": "export_hf", "pipeline": "run_one_stage run_post summary_text",
    "presets": "PRESETS presets_text resolve_post_spec"})
__all__ = ["PRESETS", "export_hf", "presets_text", "resolve_post_spec", "run_one_stage", "run_post", "summary_text"]
