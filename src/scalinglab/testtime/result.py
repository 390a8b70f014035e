"""TestTimeFit: a test-time law fitted to each model of a table, with bootstrap draws over problems.

One JSON shape (``to_dict``) serves ``--json``, ``--out`` (the FIT file ``plan test-time`` reads) and the
tests; ``from_dict``/``load`` (the Result protocol of ``scalinglab.results``) validate it and name the
offending field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.results import Result
from scalinglab.testtime.base import TestTimeLaw
from scalinglab.testtime.passk import k_label
from scalinglab.testtime.registry import get_test_time_law

FORMAT = "scalinglab.test-time-fit/1"
REPORT_KS = (1, 10, 100, 1000, 10000, 100000)


@dataclass
class ModelFit:
    """One model's fitted parameters, size, data summary and (optional) bootstrap draws (B, P)."""

    model: str
    N: float
    params: dict[str, float]
    D: float | None = None
    method: str | None = None
    n_problems: int = 0
    n_samples: int = 0
    measured: dict[int, float] = field(default_factory=dict)
    draws: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "N": self.N, "D": self.D, "params": dict(self.params),
                             "n_problems": self.n_problems, "n_samples": self.n_samples,
                             "measured_coverage": {str(k): v for k, v in self.measured.items()}}
        if self.method is not None:
            d["method"] = self.method
        if self.draws is not None:
            d["draws"] = self.draws.tolist()
        return d


@dataclass
class TestTimeFit(Result):
    """A test-time law fitted per model: coverage(model, k), intervals from draws, text/JSON/HTML views."""

    __test__ = False  # not a pytest class
    law: TestTimeLaw
    models: list[ModelFit]
    source: str | None = None
    bootstrap_seed: int | None = None
    fit_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)

    def get(self, model: str) -> ModelFit:
        for m in self.models:
            if m.model == model:
                return m
        raise InputError(f"no model {model!r} in the fit (models: {', '.join(m.model for m in self.models)})")

    def coverage(self, model: str, k: np.ndarray | float) -> np.ndarray:
        """The law's coverage for ``model`` at ``k``."""
        return self.law.coverage(self.get(model).params, k)

    def coverage_draws(self, model: str, k: np.ndarray | float) -> np.ndarray | None:
        """(B, len(k)) coverage under every bootstrap draw, or None without draws."""
        m = self.get(model)
        if m.draws is None:
            return None
        ks = np.atleast_1d(np.asarray(k, dtype=float))
        return np.array([self.law.coverage(dict(zip(self.law.param_names, row, strict=True)), ks)
                         for row in m.draws])

    @property
    def n_draws(self) -> int:
        return min((len(m.draws) for m in self.models if m.draws is not None), default=0)

    # -- protocol: to_dict / from_dict / load / text / _repr_html_ -------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "law": self.law.name, "formula": self.law.formula,
                "parameters": list(self.law.param_names), "source": self.source,
                "bootstrap": {"n": self.n_draws, "seed": self.bootstrap_seed},
                "fit_seconds": self.fit_seconds, "warnings": list(self.warnings),
                "models": [m.to_dict() for m in self.models]}

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> TestTimeFit:
        if not isinstance(d, dict) or "law" not in d or not isinstance(d.get("models"), list):
            raise InputError("a test-time fit needs 'law' and a list 'models' (from `scalinglab test-time fit "
                             "--out`)", file=source)
        try:
            law = get_test_time_law(str(d["law"]))
        except ScalingLabError as exc:
            raise InputError(str(exc), file=source, key="law") from None
        models = [_model_from_dict(m, law, source, i) for i, m in enumerate(d["models"], start=1)]
        if not models:
            raise InputError("the fit has no models", file=source, column="models")
        boot = d.get("bootstrap") or {}
        return cls(law, models, d.get("source"), boot.get("seed"), d.get("fit_seconds"),
                   list(d.get("warnings") or []))

    def text(self, ks: tuple[int, ...] = REPORT_KS) -> str:
        """Parameters per model and coverage at a few k (95 % intervals from the draws)."""
        lines = [f"Test-time law: {self.law.title}   {self.law.formula}"]
        if self.source:
            over = "problems" if self.law.data_kind == "counts" else "the curve's points"
            lines.append(f"Data: {self.source}" + (f"; bootstrap over {over}: {self.n_draws} resamples"
                                                   if self.n_draws else ""))
        names = self.law.param_names
        lines.append("")
        lines.append(f"  {'model':<16} {'N':>9} " + " ".join(f"{p:>10}" for p in names) + f" {'exponent':>9}")
        for m in self.models:
            ex = self.law.exponent(m.params)
            lines.append(f"  {m.model:<16} {m.N:>9.3g} " + " ".join(f"{m.params[p]:>10.4g}" for p in names)
                         + (f" {ex:>9.4f}" if ex is not None else ""))
        lines.append("")
        lines.append("  coverage (law)   " + "".join(f"{k_label(k):>22}" for k in ks))
        for m in self.models:
            cov = self.coverage(m.model, np.array(ks, dtype=float))
            draws = self.coverage_draws(m.model, ks)
            cells = []
            for j in range(len(ks)):
                cell = f"{cov[j]:.4f}"
                if draws is not None:
                    lo, hi = np.percentile(draws[:, j], [2.5, 97.5])
                    cell += f" ({lo:.3f}-{hi:.3f})"
                cells.append(f"{cell:>22}")
            lines.append(f"  {m.model:<16} " + "".join(cells))
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _number(v: Any, source: str, row: int, column: str, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or (positive and v <= 0):
        raise InputError(f"must be a finite{' positive' if positive else ''} number, got {v!r}", file=source,
                         row=row, column=column)
    return float(v)


def _model_from_dict(m: Any, law: TestTimeLaw, source: str, row: int) -> ModelFit:
    if not isinstance(m, dict) or "model" not in m or not isinstance(m.get("params"), dict):
        raise InputError("each model needs 'model', 'N' and 'params'", file=source, row=row, column="models")
    params = {}
    for name in law.param_names:
        if name not in m["params"]:
            raise InputError(f"missing parameter {name!r} of law {law.name!r}", file=source, row=row, column=name)
        params[name] = _number(m["params"][name], source, row, name)
    draws = None
    if m.get("draws"):
        try:
            draws = np.asarray(m["draws"], dtype=float)
        except (TypeError, ValueError):
            draws = np.zeros(0)
        if draws.ndim != 2 or draws.shape[1] != len(law.param_names) or not np.all(np.isfinite(draws)):
            raise InputError("draws must be a list of finite parameter vectors", file=source, row=row,
                             column="draws")
    D = m.get("D")
    counts = {key: int(_number(m.get(key) or 0, source, row, key)) for key in ("n_problems", "n_samples")}
    measured = m.get("measured_coverage") or {}
    try:
        measured = {int(k): _number(v, source, row, "measured_coverage") for k, v in measured.items()}
    except (AttributeError, ValueError):
        raise InputError("measured_coverage must map k to a coverage", file=source, row=row,
                         column="measured_coverage") from None
    return ModelFit(str(m["model"]), _number(m.get("N"), source, row, "N", positive=True), params,
                    None if D is None else _number(D, source, row, "D", positive=True), m.get("method"),
                    counts["n_problems"], counts["n_samples"], measured, draws)
