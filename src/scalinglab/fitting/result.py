"""FitResult: a fitted (or preset) law with its parameters in raw units, diagnostics and bootstrap draws.

One JSON shape (``to_dict``) serves the CLI's ``--json`` and ``--out``, the report and the tests; a
FIT.json written by hand with only ``law`` and ``params`` loads too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.fitting.html import DEFAULT_BUDGETS, render_fit_html
from scalinglab.laws.base import Law
from scalinglab.laws.presets import get_preset
from scalinglab.laws.registry import get_law
from scalinglab.results import Result, readable
from scalinglab.serialize import dumps, read_json, write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from scalinglab.data.runs import RunsTable

__all__ = ["DEFAULT_BUDGETS", "Allocation", "FitResult"]


@dataclass
class FitResult(Result):
    """A law with parameters (raw units), fit diagnostics and bootstrap draws; see the module docstring."""

    law: Law
    params: dict[str, float]
    objective: float | None = None
    objective_spec: dict[str, Any] | None = None
    n_points: int | None = None
    fit_seconds: float | None = None
    converged: bool | None = None
    convergence: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    draws: np.ndarray | None = None  # (K, P) raw-unit bootstrap draws
    bootstrap_seed: int | None = None
    source: str | None = None
    bootstrap_converged: int | None = None  # how many of the K refits converged
    data_compute: list[float] | None = None  # [min, max] of C = 6ND over the fitted runs
    #: How the refits went: {"converged": count, "seconds": refit time, "method": solver}.
    bootstrap_info: dict[str, Any] | None = None

    #: Allocations and predictions beyond this factor of the largest run's compute are flagged.
    EXTRAPOLATION_FACTOR = 1e3

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_params(cls, law: str | Law, params: dict[str, float], source: str | None = None) -> FitResult:
        law = get_law(law)
        missing = [p for p in law.param_names if p not in params]
        if missing:
            raise ScalingLabError(f"law {law.name!r} needs parameters {', '.join(law.param_names)}; "
                                  f"missing {', '.join(missing)}")
        return cls(law, {k: float(params[k]) for k in law.param_names}, source=source)

    @classmethod
    def from_preset(cls, name: str) -> FitResult:
        preset = get_preset(name)
        return cls.from_params(preset.law, preset.params, source=f"preset {name}: {preset.source}")

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> FitResult:
        if not isinstance(d, dict) or "law" not in d or "params" not in d:
            kind = str(d.get("format") or d.get("kind") or "") if isinstance(d, dict) else ""
            seen = f" (its kind is {kind!r}: not a FIT.json from `scalinglab fit --out`)" if kind else ""
            raise InputError(f"a fit needs at least 'law' and 'params'{seen}", file=source)
        if not isinstance(d["law"], str):
            raise InputError("'law' must be a law name", file=source, key="law")
        try:
            law = get_law(d["law"])
        except ScalingLabError as exc:
            raise InputError(str(exc), file=source, key="law") from None
        from scalinglab.fitting.schema import check_fit_fields, check_params

        check_params(law, d["params"], source)
        params = d["params"]
        draws = check_fit_fields(law, d, source)
        boot = d.get("bootstrap") or {}
        return cls(law, {k: float(params[k]) for k in law.param_names}, objective=d.get("objective"),
                   objective_spec=d.get("objective_spec"), n_points=d.get("n_points"),
                   fit_seconds=d.get("fit_seconds"), converged=d.get("converged"),
                   convergence=d.get("convergence") or {}, warnings=list(d.get("warnings") or []),
                   draws=draws, bootstrap_seed=boot.get("seed"), source=d.get("source", source),
                   bootstrap_info=_bootstrap_info(boot), bootstrap_converged=boot.get("converged"),
                   data_compute=d.get("data_compute"))

    @classmethod
    def load(cls, path: str | Path) -> FitResult:
        """Read a FIT.json (errors name the file)."""
        return cls.from_dict(read_json(path), source=str(path))

    # -- use --------------------------------------------------------------------------------------
    def predict(self, **X: Any) -> np.ndarray:
        """Predicted loss at inputs (``N=``, ``D=``, or ``C=`` as the law needs)."""
        return self.law.predict(self.params, **X)

    @property
    def intervals_withheld(self) -> str | None:
        """Why no interval is shown (most bootstrap refits did not converge), or None."""
        k = self.bootstrap_converged if self.bootstrap_converged is not None else \
            (self.bootstrap_info or {}).get("converged")
        n = 0 if self.draws is None else len(self.draws)
        if self.draws is None or k is None or 2 * k > n:
            return None
        return f"only {k} of {n} bootstrap refits converged: no intervals shown"

    @property
    def _interval_draws(self) -> np.ndarray | None:
        return None if self.intervals_withheld else self.draws

    def extrapolation(self, C: float) -> str | None:
        """A note when ``C`` is more than ~3 orders of magnitude of compute beyond the fitted runs."""
        if not self.data_compute or not C > self.EXTRAPOLATION_FACTOR * self.data_compute[1]:
            return None
        return (f"C = {C:.3g} FLOPs is {C / self.data_compute[1]:.2g}x the largest fitted run's compute "
                f"({self.data_compute[1]:.3g}): an extrapolation over more than 3 orders of magnitude")

    def predict_draws(self, **X: Any) -> np.ndarray | None:
        """(K, ...) predictions under every bootstrap draw, or None without (trustworthy) draws."""
        draws = self._interval_draws
        if draws is None:
            return None
        missing = [k for k in self.law.inputs if X.get(k) is None]
        if missing:
            raise ValueError(f"law {self.law.name!r} needs inputs {', '.join(self.law.inputs)}; missing {missing}")
        arrays = {k: np.asarray(X[k], dtype=float) for k in self.law.inputs}
        shape = np.broadcast(*arrays.values()).shape
        F = self.law.features({k: np.broadcast_to(v, shape).ravel() for k, v in arrays.items()})
        theta = draws.copy()  # raw → internal (logs of scale parameters), all draws in one batch
        for j, p in enumerate(self.law.parameters):
            if p.log:
                theta[:, j] = np.log(theta[:, j])
        n = max(1, len(next(iter(F.values()))))
        step = max(1, 400_000 // n)  # draws per batch: arrays of ~0.4M values stay in cache
        out = np.concatenate([self.law.log_predict(theta[i:i + step], F) for i in range(0, len(theta), step)])
        return np.exp(out).reshape((len(theta), *shape))

    def predict_interval(self, level: float = 0.95, **X: Any) -> tuple[np.ndarray, np.ndarray] | None:
        draws = self.predict_draws(**X)
        if draws is None:
            return None
        q = 100 * (1 - level) / 2
        return np.percentile(draws, q, axis=0), np.percentile(draws, 100 - q, axis=0)

    def predict_runs(self, runs: RunsTable) -> np.ndarray:
        """The prediction at every run of a runs table (its columns of the law's inputs)."""
        return self.predict(**{k: runs.column(k) for k in self.law.inputs})

    @property
    def has_nd(self) -> bool:
        """True for laws of exactly N and D (they have contours and a compute-optimal frontier)."""
        return set(self.law.inputs) == {"N", "D"}

    def frontier(self, C: np.ndarray, level: float = 0.95) -> dict[str, Any] | None:
        """Loss along the compute-optimal frontier (laws of N, D) or along C (laws of C), with bands.

        Returns ``{"loss", "lo", "hi"}`` (``lo``/``hi`` None without bootstrap draws) plus ``N``, ``D`` and
        their intervals for laws of N and D; None for laws that have no loss-vs-compute curve.
        """
        C = np.asarray(C, dtype=float)
        if self.has_nd:
            sol = self.optimal(C, level)
            out = {"loss": sol["loss"], "N": sol["N"], "D": sol["D"], "lo": None, "hi": None}
            if "loss_interval" in sol:
                out["lo"], out["hi"] = sol["loss_interval"]
                out["N_interval"], out["D_interval"] = sol["N_interval"], sol["D_interval"]
            return out
        if tuple(self.law.inputs) == ("C",):
            band = self.predict_interval(level, C=C)
            return {"loss": self.predict(C=C), "lo": band[0] if band else None, "hi": band[1] if band else None}
        return None

    @property
    def optimal_exponents(self) -> dict[str, float] | None:
        return self.law.optimal_exponents(self.params)

    def optimal(self, C: float | np.ndarray, level: float = 0.95) -> dict[str, Any]:
        """Compute-optimal N, D (C = 6ND), tokens per parameter and loss; intervals from draws."""
        C = np.asarray(C, dtype=float)
        if np.any(~np.isfinite(C)) or np.any(C <= 0):
            raise ScalingLabError("compute budget must be a positive number of FLOPs")
        sol = self.law.optimal(self.params, C)
        if sol is None:
            raise ScalingLabError(f"law {self.law.name!r} has no compute-optimal allocation with these "
                                  "parameters (it needs N and D, and positive exponents)")
        for key in ("N", "D"):
            bad = ~(np.isfinite(sol[key]) & (np.asarray(sol[key]) > 0))
            if np.any(bad):
                c = float(np.broadcast_to(C, np.shape(sol[key]))[bad][0])
                raise ScalingLabError(f"the compute-optimal {key} at C = {c:g} is outside the float range")
        out: dict[str, Any] = {"C": C, "N": sol["N"], "D": sol["D"], "tokens_per_param": sol["D"] / sol["N"],
                               "loss": sol["loss"]}
        if self._interval_draws is not None:
            q = 100 * (1 - level) / 2
            sols = [self.law.optimal(dict(zip(self.law.param_names, row, strict=True)), C) for row in self.draws]
            for key in ("N", "D", "loss"):
                arr = np.array([s[key] for s in sols])
                out[f"{key}_interval"] = [np.percentile(arr, q, axis=0), np.percentile(arr, 100 - q, axis=0)]
        return out

    def allocation(self, C: float | list[float] | np.ndarray, level: float = 0.95) -> Allocation:
        """:meth:`optimal` per budget as a result (one row per budget, with intervals from draws)."""
        budgets = [float(c) for c in np.atleast_1d(np.asarray(C, dtype=float))]
        sol = self.optimal(np.array(budgets), level)
        rows = []
        for i, c in enumerate(budgets):
            row = {"C": c, "N": float(sol["N"][i]), "D": float(sol["D"][i]),
                   "tokens_per_param": float(sol["tokens_per_param"][i]), "loss": float(sol["loss"][i])}
            for key in ("N", "D", "loss"):
                if f"{key}_interval" in sol:
                    lo, hi = sol[f"{key}_interval"]
                    row[f"{key}_interval"] = [float(lo[i]), float(hi[i])]
            rows.append(row)
        return Allocation(rows)

    def ci(self, level: float = 0.95) -> dict[str, list[float]] | None:
        """Percentile intervals for every parameter and, where defined, for a and b (None if withheld)."""
        if self._interval_draws is None:
            return None
        q = 100 * (1 - level) / 2
        out = {name: [float(np.percentile(self.draws[:, j], q)), float(np.percentile(self.draws[:, j], 100 - q))]
               for j, name in enumerate(self.law.param_names)}
        if self.optimal_exponents is not None:
            ex = [self.law.optimal_exponents(dict(zip(self.law.param_names, r, strict=True))) for r in self.draws]
            for key in ("a", "b"):
                vals = np.array([e[key] for e in ex])
                out[key] = [float(np.percentile(vals, q)), float(np.percentile(vals, 100 - q))]
        return out

    # -- output -------------------------------------------------------------------------------------
    def to_dict(self, include_draws: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {"law": self.law.name, "formula": self.law.formula, "params": dict(self.params)}
        if self.objective is not None:
            d["objective"] = self.objective
        if self.objective_spec is not None:
            d["objective_spec"] = self.objective_spec
        for key in ("n_points", "fit_seconds", "converged"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.convergence:
            d["convergence"] = self.convergence
        d["warnings"] = list(self.warnings)
        ci = self.ci()
        if ci is not None:
            d["ci"] = ci
        if self.optimal_exponents is not None:
            d["optimal"] = self.optimal_exponents
        if self.source:
            d["source"] = self.source
        if self.data_compute:
            d["data_compute"] = list(self.data_compute)
        if self.draws is not None:
            d["bootstrap"] = {"n": int(self.draws.shape[0]), "seed": self.bootstrap_seed, "level": 0.95,
                              **(self.bootstrap_info or {})}
            if self.bootstrap_converged is not None:
                d["bootstrap"]["converged"] = self.bootstrap_converged
            if self.intervals_withheld:
                d["bootstrap"]["intervals"] = self.intervals_withheld
            if include_draws:
                d["bootstrap"]["draws"] = self.draws.tolist()
        return d

    def to_json(self, include_draws: bool = True) -> str:
        return dumps(self.to_dict(include_draws))

    def save(self, path: str | Path) -> None:
        """Write the JSON atomically (temporary file in the same folder, then rename)."""
        write_text_atomic(path, self.to_json() + "\n")

    def text(self) -> str:
        """The plain-text fit report (:meth:`report` at the default budgets)."""
        return self.report()

    def report(self, budgets: tuple[float, ...] = DEFAULT_BUDGETS) -> str:
        """A plain-text fit report: law, parameters with intervals, objective, convergence, allocation."""
        lines = [f"Law: {self.law.title or self.law.name}   {self.law.formula}"]
        if self.source:
            lines.append(f"Data: {self.source}" + (f" ({self.n_points} points)" if self.n_points else ""))
        if self.objective is not None:
            spec = self.objective_spec or {}
            lines.append(f"Objective: {self.objective:.8g} ({spec.get('description', spec.get('name', ''))})")
        if self.convergence:
            c = self.convergence
            lines.append(f"Convergence: {'yes' if self.converged else 'NO'}; {c.get('n_starts')} starts polished "
                         f"after scanning {c.get('n_scanned')}, {c.get('n_agree')} reached the optimum; "
                         f"|grad| = {c.get('grad_norm', float('nan')):.2g}; {self.fit_seconds:.3g} s")
        b = self.bootstrap_info
        if b and self.draws is not None:
            lines.append(f"Bootstrap: {b.get('converged')} of {len(self.draws)} refits converged "
                         f"({b.get('method')}, {b.get('seconds', float('nan')):.3g} s, "
                         f"{b.get('cpu_seconds', float('nan')):.3g} s CPU)")
        ci = self.ci()
        if self.intervals_withheld:
            lines.append(f"Intervals: {self.intervals_withheld}")
        lines.append("")
        lines.append(f"  {'parameter':<10} {'value':>14}" + (f"   {'95% interval':>30}" if ci else ""))
        for name, value in self.params.items():
            row = f"  {name:<10} {value:>14.6g}"
            if ci:
                row += f"   ({ci[name][0]:>12.6g}, {ci[name][1]:>12.6g})"
            lines.append(row)
        ex = self.optimal_exponents
        if ex:
            lines.append("")
            txt = f"Compute-optimal exponents: N_opt ∝ C^{ex['a']:.4f}, D_opt ∝ C^{ex['b']:.4f}"
            if ci:
                txt += f"  (a in ({ci['a'][0]:.3f}, {ci['a'][1]:.3f}), b in ({ci['b'][0]:.3f}, {ci['b'][1]:.3f}))"
            lines.append(txt)
            opt = self.optimal(np.array(budgets))
            lines.append("")
            head = f"  {'C (FLOPs)':>10} {'N_opt':>11} {'D_opt':>11} {'D/N':>7} {'loss':>8}"
            if "N_interval" in opt:
                head += f"   {'95%: N_opt':>22}   {'D_opt':>22}"
            lines.append(head)
            for i, c in enumerate(budgets):
                row = (f"  {c:>10.3g} {opt['N'][i]:>11.4g} {opt['D'][i]:>11.4g} "
                       f"{opt['tokens_per_param'][i]:>7.1f} {opt['loss'][i]:>8.4f}")
                if "N_interval" in opt:
                    (n_lo, n_hi), (d_lo, d_hi) = opt["N_interval"], opt["D_interval"]
                    row += f"   ({n_lo[i]:>9.3g}, {n_hi[i]:>9.3g})   ({d_lo[i]:>9.3g}, {d_hi[i]:>9.3g})"
                lines.append(row + ("  *" if self.extrapolation(c) else ""))
            far = [c for c in budgets if self.extrapolation(c)]
            if far and self.data_compute:
                lines.append(f"  * more than 3 orders of magnitude of compute beyond the fitted runs (largest "
                             f"{self.data_compute[1]:.3g} FLOPs): an extrapolation, not a measurement")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Notebook view: parameters with intervals, allocation table, warnings (fitting.html)."""
        return render_fit_html(self)

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"FitResult(law={self.law.name!r}, {ps})"


@dataclass
class Allocation(Result):
    """Compute-optimal N, D, tokens per parameter and loss per budget (:meth:`FitResult.allocation`)."""

    rows: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)  # budgets far beyond the fitted runs

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:  # type: ignore[override]
        """One budget: its row; several: the list of rows (the ``optimal --json`` shape)."""
        return self.rows[0] if len(self.rows) == 1 else self.rows

    def text(self) -> str:
        out = []
        for row in self.rows:
            txt = (f"C = {row['C']:.4g} FLOPs: N = {row['N']:.4g} params, D = {row['D']:.4g} tokens "
                   f"({row['tokens_per_param']:.1f} tokens/param), "
                   f"loss {readable(row['loss'])}")
            if "N_interval" in row:
                txt += (f"\n  95%: N in ({row['N_interval'][0]:.3g}, {row['N_interval'][1]:.3g}), "
                        f"D in ({row['D_interval'][0]:.3g}, {row['D_interval'][1]:.3g})")
            out.append(txt)
        return "\n".join(out)


def _bootstrap_info(boot: dict[str, Any]) -> dict[str, Any] | None:
    """The refit summary kept from a FIT.json's ``bootstrap`` block (well-typed keys only)."""
    out = {k: boot[k] for k in ("converged", "seconds", "cpu_seconds", "method")
           if k in boot and isinstance(boot[k], (int, float, str)) and not isinstance(boot[k], bool)}
    return out or None
