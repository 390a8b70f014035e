"""Test-time compute: pass@k from repeated samples, laws of coverage in k, fitted per model.

``passk`` (Chen et al. 2021's unbiased estimator), ``data`` (per-problem counts and aggregate curves),
one module per law family (``brown``, ``beta``, ``saturating``, ``sizes``), ``registry``, and ``fit``
(fitting every model of a table, with a bootstrap over problems) → ``TestTimeFit``.
"""
