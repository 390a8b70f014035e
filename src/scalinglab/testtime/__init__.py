"""Test-time compute: pass@k from repeated samples, laws of coverage in k, fitted per model.

``passk`` (Chen et al. 2021's unbiased estimator), ``data`` (per-problem counts and aggregate curves),
one module per law family (``brown``, ``beta``, ``saturating``, ``sizes``), ``registry``, and ``fit``
(fitting every model of a table, with a bootstrap over problems) → ``TestTimeFit``.
"""

from __future__ import annotations

from scalinglab.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "bins": "allocate_by_difficulty allocate_by_difficulty_file", "data": "load_counts",
    "fit": "fit_test_time_file", "passk": "Coverage", "registry": "LawTable", "sizes": "fit_sizes"})
__all__ = ["Coverage", "LawTable", "allocate_by_difficulty", "allocate_by_difficulty_file", "fit_sizes",
           "fit_test_time_file", "load_counts"]
