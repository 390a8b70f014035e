"""The observational-scaling analyses behind ``scalinglab observe fit|evaluate`` (Ruan et al. 2024).

:func:`load_observations` reads a models × benchmarks table (and an optional target joined on a key,
rescaled and floor-corrected), :func:`observe_fit` fits the PC capability measures (and, with a target,
the sigmoid link and the equivalent-compute map), :func:`observe_evaluate` runs a holdout protocol.
Both return :class:`~scalinglab.results.Result` objects; errors name parameters as `name`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import InputError
from scalinglab.results import Result
from scalinglab.skills import observational as obs

__all__ = ["ObservationalEvaluation", "ObservationalFit", "load_observations", "observe_evaluate",
           "observe_fit"]

FAMILY_COLUMN = "Model Family"


@dataclass(frozen=True)
class Target:
    """The downstream task: its column, the file it comes from, its scale and random-guess floor."""

    column: str | None = None
    file: str | None = None
    key: str = "Model"
    scale: float = 1.0
    floor: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "scale": self.scale, "floor": self.floor}


def _select_families(df: pd.DataFrame, data: str, paper_set: bool, families: Sequence[str] | None
                     ) -> pd.DataFrame:
    if (paper_set or families) and FAMILY_COLUMN not in df.columns:
        raise InputError(f"column {FAMILY_COLUMN!r} is needed to select families", file=data,
                         column=FAMILY_COLUMN)
    if paper_set:
        df = obs.paper_analysis_set(df)
    if families:
        unknown = [f for f in families if f not in set(df[FAMILY_COLUMN])]
        if unknown:
            raise InputError(f"unknown family {unknown[0]!r}; available: "
                             + ", ".join(sorted(map(str, df[FAMILY_COLUMN].dropna().unique()))),
                             file=data, column=FAMILY_COLUMN)
        df = df[df[FAMILY_COLUMN].isin(families)]
    return df


def load_observations(data: str, benchmarks: Sequence[str] | None = None, target: Target = Target(), *,
                      paper_set: bool = False, families: Sequence[str] | None = None
                      ) -> tuple[pd.DataFrame, list[str]]:
    """The table (with a ``target`` column when one is named) and its benchmark columns."""
    if not (np.isfinite(target.scale) and target.scale > 0):  # nan read as 'no model has the target'
        raise InputError(f"`target_scale` must be a positive finite number, got {target.scale:g}")
    if not 0.0 <= target.floor < 1.0:
        raise InputError(f"`target_floor` must be in [0, 1), got {target.floor:g}")
    df, bench = obs.load_score_table(data, list(benchmarks) if benchmarks else None, target=target.column,
                                     target_file=target.file, target_scale=target.scale, key=target.key)
    if target.column is not None and target.floor:
        df["target"] = (df["target"] - target.floor) / (1.0 - target.floor)
    return _select_families(df, data, paper_set, families), bench


def _names(df: pd.DataFrame) -> list[str]:
    return df["Model"].astype(str).tolist() if "Model" in df.columns else [str(i) for i in df.index]


def _link_dict(link: obs.SigmoidLink, k: int) -> dict[str, Any]:
    return {"form": "y = floor + (1 - floor) * sigmoid(intercept + coef . PC)",
            "intercept": link.intercept_, "coef": dict(zip([f"PC-{i + 1}" for i in range(k)],
                                                             link.coef_.tolist(), strict=True)),
            "floor": link.floor_, "converged": link.converged_}


def _models_text(models: pd.DataFrame, limit: int = 40) -> list[str]:
    cols = [c for c in ("model", "split", "actual", "predicted", "capability", "equivalent_flops")
            if c in models.columns]
    shown = models.sort_values("predicted", ascending=False).head(limit) if "predicted" in models else models
    cells = [[f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in cols]
             for _, row in shown.iterrows()]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    if len(models) > limit:
        lines.append(f"... {len(models) - limit} more (use --json)")
    return lines


def _pca_text(pca: obs.CapabilityPCA, bench: list[str], n_models: int) -> list[str]:
    k = len(pca.explained_variance_ratio_)
    w = max(len("variance share"), *(len(b) for b in bench))
    lines = [f"PCA on {n_models} models × {len(bench)} benchmarks "
             f"({pca.n_imputed_} missing scores imputed, {pca.n_iter_} iterations)", "PC measures (loadings)",
             " " * w + "".join(f"{f'PC-{i + 1}':>9}" for i in range(k)),
             f"{'variance share':<{w}}" + "".join(f"{r:>9.3f}" for r in pca.explained_variance_ratio_),
             f"{'cumulative':<{w}}" + "".join(f"{c:>9.3f}" for c in np.cumsum(pca.explained_variance_ratio_))]
    lines += [f"{name:<{w}}" + "".join(f"{pca.components_[i, j]:>+9.3f}" for i in range(k))
              for j, name in enumerate(bench)]
    return lines


@dataclass
class ObservationalFit(Result):
    """PC measures of every model; with a target, the link, its predictions and equivalent compute."""

    data: str
    bench: list[str]
    pca: obs.CapabilityPCA
    models: pd.DataFrame
    target: Target
    law: obs.ObservationalScalingLaw | None = None
    n_models_in_file: int | None = None
    equivalent: obs.EquivalentCompute | None = None
    reference_family: str | None = None

    def to_dict(self) -> dict[str, Any]:
        pca, k = self.pca, len(self.pca.explained_variance_ratio_)
        out: dict[str, Any] = {"data": self.data, "n_models": len(self.models), "benchmarks": self.bench}
        if self.law is not None:
            out["n_models_in_file"] = self.n_models_in_file
        out["pca"] = {"explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
                      "cumulative": np.cumsum(pca.explained_variance_ratio_).tolist(),
                      "loadings": {f"PC-{i + 1}": dict(zip(self.bench, pca.components_[i].tolist(), strict=True))
                                   for i in range(k)},
                      "n_imputed": pca.n_imputed_, "n_iter": pca.n_iter_}
        if self.law is not None:
            out["target"] = self.target.to_dict()
            out["link"] = _link_dict(self.law.link_, k)
            out["train_mse"] = self.law.train_mse_
            if self.equivalent is not None:
                e = self.equivalent
                out["equivalent_compute"] = {"reference_family": self.reference_family,
                                             "form": "C = slope * ln(FLOPs/1e21) + intercept",
                                             "slope": e.slope_, "intercept": e.intercept_, "r2": e.r2_,
                                             "n_models": e.n_models_}
        out["models"] = self.models.to_dict(orient="records")
        return out

    def text(self) -> str:
        lines = _pca_text(self.pca, self.bench, len(self.models))
        if self.law is None:
            return "\n".join(lines)
        link, law = self.law.link_, self.law
        terms = " ".join(f"{w:+.3f}·PC{i + 1}" for i, w in enumerate(link.coef_))
        lines += ["", f"{self.target.column} (÷{self.target.scale:g}) = {link.floor_:.3f} + "
                      f"{1 - link.floor_:.3f}·σ({link.intercept_:+.3f} {terms})   train MSE "
                      f"{law.train_mse_:.2e} on {law.n_train_} models"]
        if self.equivalent is not None:
            e = self.equivalent
            lines.append(f"equivalent compute ({self.reference_family}, {e.n_models_} models, R² {e.r2_:.3f}): "
                         f"C = {e.slope_:.3f}·ln(FLOPs/1e21) {e.intercept_:+.3f}")
        return "\n".join(lines + _models_text(self.models))


def observe_fit(data: str, benchmarks: Sequence[str] | None = None, target: Target = Target(), *,
                paper_set: bool = False, families: Sequence[str] | None = None, n_components: int = 3,
                delta: float = 1.0, reference_family: str | None = None) -> ObservationalFit:
    """Fit PC capability measures; with a target column also the sigmoid link on all its models."""
    df, bench = load_observations(data, benchmarks, target, paper_set=paper_set, families=families)
    if len(df) < max(n_components, 2) + 1:
        raise InputError(f"only {len(df)} models; too few for {n_components} components", file=data)
    cols = [f"PC-{i + 1}" for i in range(n_components)]
    if target.column is None:
        if reference_family:
            raise InputError("`reference_family` needs `target` (the map uses the fitted link)")
        pca = obs.CapabilityPCA(n_components).fit(df[bench])
        models = pd.DataFrame((pca.train_completed_ - pca.mean_) @ pca.components_.T, columns=cols)
        models.insert(0, "model", _names(df))
        return ObservationalFit(data, bench, pca, models, target)
    fitted = df.dropna(subset=["target"])
    if len(fitted) < n_components + 3:
        raise InputError(f"only {len(fitted)} models have {target.column!r}; need at least "
                         f"{n_components + 3}", file=target.file or data, column=target.column)
    law = obs.ObservationalScalingLaw(bench, n_components=n_components, delta=delta)
    law.fit(fitted, fitted["target"].to_numpy(float))
    models = pd.DataFrame(law.pc_measures(fitted), columns=cols)
    models.insert(0, "model", _names(fitted))
    models["actual"] = fitted["target"].to_numpy(float)
    models["predicted"] = law.train_pred_
    models["capability"] = law.capability(fitted)
    equiv = None
    if reference_family:
        equiv = obs.fit_equivalent_compute(law, df, reference_family)
        models["equivalent_flops"] = equiv.transform(models["capability"].to_numpy())
    return ObservationalFit(data, bench, law.pca_, models, target, law, len(df), equiv, reference_family)


@dataclass
class ObservationalEvaluation(Result):
    """A holdout protocol's errors and per-model predictions (:class:`obs.HoldoutResult`)."""

    data: str
    target: Target
    protocol: dict[str, Any]
    n_components: int
    result: obs.HoldoutResult

    def to_dict(self) -> dict[str, Any]:
        res = self.result
        return {"data": self.data, "target": self.target.to_dict(), "protocol": self.protocol,
                "n_components": self.n_components, "n_train": res.n_train, "n_test": res.n_test,
                "train_mse": res.train_mse, "test_mse": res.test_mse,
                "link": _link_dict(res.law.link_, self.n_components),
                "explained_variance_ratio": res.law.pca_.explained_variance_ratio_.tolist(),
                "models": res.predictions.to_dict(orient="records")}

    def text(self) -> str:
        res, p = self.result, self.protocol
        proto = (f"top {p['holdout_top']:g} by {p['rank_by']} held out" if "holdout_top" in p
                 else f"{p['cutoff_by']} <= {p['cutoff']:g} trains")
        test = res.predictions[res.predictions["split"] == "test"]
        return "\n".join([f"{self.target.column}: {proto}; {res.n_train} train / {res.n_test} test models, "
                          f"{self.n_components} PCs",
                          f"train MSE {res.train_mse:.2e}   test MSE {res.test_mse:.2e}", *_models_text(test)])


def observe_evaluate(data: str, target: Target, benchmarks: Sequence[str] | None = None, *,
                     paper_set: bool = False, families: Sequence[str] | None = None,
                     holdout_top: float | None = None, rank_by: str | None = None, cutoff: float | None = None,
                     cutoff_by: str = "FLOPs (1E21)", n_components: int = 3, delta: float = 1.0,
                     reference_family: str | None = None) -> ObservationalEvaluation:
    """Fit on the training models only (PCA and imputation included) and score the held-out ones."""
    df, bench = load_observations(data, benchmarks, target, paper_set=paper_set, families=families)
    if (holdout_top is None) == (cutoff is None):
        raise InputError("give exactly one of `holdout_top` or `cutoff`")
    if holdout_top is not None and not 0.0 < holdout_top < 1.0:  # it said 'top fraction 0.0 must be ...'
        raise InputError(f"`holdout_top` must be a fraction in (0, 1), got {holdout_top:g}")
    by = (rank_by or "target") if holdout_top is not None else cutoff_by
    if by != "target" and by not in df.columns:
        raise InputError(f"unknown column {by!r}", file=data, column=by)
    res = obs.evaluate_holdout(df, bench, by=by, top_fraction=holdout_top, cutoff=cutoff,
                               n_components=n_components, delta=delta, reference_family=reference_family)
    protocol = ({"holdout_top": holdout_top, "rank_by": rank_by or target.column} if holdout_top is not None
                else {"cutoff": cutoff, "cutoff_by": cutoff_by})
    return ObservationalEvaluation(data, target, protocol, n_components, res)
