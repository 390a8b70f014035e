"""Benchmark-level laws: Sloth skills, observational scaling, and the Densing law."""

from __future__ import annotations

from scalinglab.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "observational_study": "Target observe_evaluate observe_fit",
    "score_import": "import_scores parse_mapping",
    "sloth_study": "evaluate_skills fit_skills predict_family"})
__all__ = ["Target", "evaluate_skills", "fit_skills", "import_scores", "observe_evaluate", "observe_fit",
           "parse_mapping", "predict_family"]
