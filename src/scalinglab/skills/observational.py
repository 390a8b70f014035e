"""Observational scaling laws (Ruan, Maddison & Hashimoto 2024, arXiv:2405.10938).

Instead of training a controlled family of models, an observational scaling law uses *many*
public models from *different* families. Their scores on a handful of standard benchmarks form
a matrix ``B`` (models × benchmarks). The paper's finding is that ``B`` is low-rank: the first
principal component alone explains ~80 % of its variance, the top three ~97 %. The principal
components (PC measures) are therefore a family-independent "capability" coordinate, and a
downstream task (agentic, emergent, post-training) is modelled as::

    y = h + (1 - h) · σ(w · PC + c)            (sigmoid link with a floor h ∈ [0, h_max])

fitted with a robust Huber loss. Because the within-family relation between PC measures and
log-compute is linear, ``C = w · PC + c`` can be mapped to the *equivalent compute* of a reference
family (``C = a · log FLOPs + b`` fitted on that family only), which puts the fitted curve on a
familiar x-axis.

What this module provides (scikit-learn style: configure in ``__init__``, ``fit`` returns
``self``, learned values end in ``_``):

* :class:`CapabilityPCA`: PCA on the benchmark matrix with the paper's imputation of missing
  scores (iterative rank-k PCA imputation on standardised scores, fitted on the *training* rows
  only; new rows are completed by least squares against the frozen training components).
* :class:`SigmoidLink`: the floor-sigmoid link with a Huber loss and a few restarts.
* :class:`ObservationalScalingLaw`: PCA measures + link, end to end.
* :class:`EquivalentCompute`: PC-measure → log-FLOPs map within a reference family.
* :func:`holdout_split` / :func:`evaluate_holdout`: the paper's "hold out the top 10 %" and
  FLOP-cutoff protocols, with train/test MSE.
* Loading helpers that validate the score matrix (unknown benchmarks, scores outside [0, 1]) and
  raise :class:`scalinglab.errors.InputError` with file/row/column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from scalinglab.data.io import read_table
from scalinglab.data.io import resolve_path as resolve_table_path
from scalinglab.data.validate import check_columns
from scalinglab.errors import InputError, ScalingLabError, check_is_fitted
from scalinglab.fitting.links import best_of, logistic, sigmoid_with_floor, with_floor
from scalinglab.fitting.objectives import huber
from scalinglab.results import Result

__all__ = [
    "BASE_BENCHMARKS",
    "EVAL_BASE_MODEL_FAMILIES",
    "INSTRUCT_BENCHMARKS",
    "PREREGISTERED_BASE_MODELS",
    "CapabilityPCA",
    "EquivalentCompute",
    "HoldoutResult",
    "ObservationalScalingLaw",
    "SigmoidLink",
    "evaluate_holdout",
    "holdout_split",
    "load_score_table",
    "paper_analysis_set",
]

#: The eight base-model benchmarks of the paper's matrix B (Open LLM Leaderboard v1 + XWinograd,
#: HumanEval), as named in ``base_llm_benchmark_eval.csv``.
BASE_BENCHMARKS: tuple[str, ...] = (
    "MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval",
)
#: The seven benchmarks available for instruction-tuned / proprietary models (Sec. 4.2).
INSTRUCT_BENCHMARKS: tuple[str, ...] = (
    "MMLU", "ARC-C", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K", "HumanEval",
)
#: ``EVAL_BASE_MODEL_FAMILIES`` of the authors' ``utils/constants.py`` (commit 4d6e1e4).
EVAL_BASE_MODEL_FAMILIES: tuple[str, ...] = (
    "Llama-2", "Llama", "Llama-3", "Llama-3.1", "Qwen2", "Qwen1.5", "Qwen", "Mistral", "Mixtral",
    "Yi", "Yi-1.5", "Gemma", "Gemma-2", "Falcon", "Phi", "Pythia", "BLOOM", "GPT-Neo/J", "OPT",
    "MPT", "XGLM", "CodeLlama", "StarCoder", "StarCoder2", "DeepSeek-Coder", "DeepSeek-V2",
    "DeepSeek-Coder-V2", "Jamba",
)
#: Models released after the paper (May 2024) and kept out of its analysis set.
PREREGISTERED_BASE_MODELS: tuple[str, ...] = (
    "Meta-Llama-3.1-405B-FP8", "Meta-Llama-3.1-70B", "Meta-Llama-3.1-8B", "Qwen1.5-110B",
    "Qwen2-72B", "Qwen2-57B-A14B", "Qwen2-7B", "Qwen2-1.5B", "Qwen2-0.5B", "DeepSeek-V2",
    "DeepSeek-Coder-V2-Base", "gemma-2-27b", "gemma-2-9b", "gemma-2-2b", "Mixtral-8x22B-v0.1",
    "Mistral-Nemo-Base-2407", "Yi-1.5-34B", "Yi-1.5-9B", "Yi-1.5-6B", "Jamba-v0.1",
)

_EPS = 1e-12


# ----------------------------------------------------------------------------------------------
# Data loading and validation
# ----------------------------------------------------------------------------------------------

def resolve_path(path: str | Path) -> Path:
    """:func:`scalinglab.data.io.resolve_path` (a user path, or ``bundled:NAME``), checked to be a file."""
    text = str(path)
    try:
        p = resolve_table_path(text)
    except InputError:
        raise
    except ScalingLabError as exc:  # an unknown bundled name: the error names what was given
        raise InputError(str(exc), file=text) from None
    if p.is_dir():  # it said 'no such file'
        raise InputError("is a directory, not a table file", file=text)
    if not p.is_file():
        raise InputError("no such file", file=text)
    return p


def check_unit_interval(df: pd.DataFrame, columns: Sequence[str], *, file: str,
                        scale: float = 1.0) -> None:
    """Scores must be fractions in [0, 1] (after dividing by ``scale``); NaN means missing."""
    for col in columns:
        values = pd.to_numeric(df[col], errors="coerce")
        bad_text = values.isna() & df[col].notna()
        if bad_text.any():
            row = int(np.flatnonzero(bad_text.to_numpy())[0]) + 1
            raise InputError(f"score {df[col].iloc[row - 1]!r} is not a number", file=file,
                             row=row, column=col)
        scaled = values.to_numpy(float) / scale
        bad = np.flatnonzero(~np.isnan(scaled) & ((scaled < 0.0) | (scaled > 1.0)))
        if bad.size:
            row = int(bad[0]) + 1
            hint = "" if scale == 1.0 else f" after dividing by {scale:g}"
            raise InputError(f"score {values.iloc[row - 1]:g} is outside [0, 1]{hint}", file=file,
                             row=row, column=col)


def load_score_table(path: str | Path, benchmarks: Sequence[str] | None = None, *,
                     target: str | None = None, target_file: str | Path | None = None,
                     target_scale: float = 1.0, key: str = "Model") -> tuple[pd.DataFrame, list[str]]:
    """Read a models × benchmarks CSV (and optionally a target joined on ``key``) and validate it.

    Returns the table and the benchmark list (``BASE_BENCHMARKS`` or ``INSTRUCT_BENCHMARKS``,
    whichever the file has, unless given). The target column is divided by ``target_scale`` into a
    new column ``"target"``; raw benchmark scores and the scaled target must lie in [0, 1].
    """
    p = resolve_path(path)
    df = read_table(p)
    if benchmarks is None:
        benchmarks = next((list(b) for b in (BASE_BENCHMARKS, INSTRUCT_BENCHMARKS)
                           if all(c in df.columns for c in b)), None)
        if benchmarks is None:
            raise InputError("could not find the default benchmark columns; pass `benchmarks` "
                             f"(expected {', '.join(BASE_BENCHMARKS)})", file=str(path))
    benchmarks = list(benchmarks)
    if len(set(benchmarks)) != len(benchmarks):
        raise InputError("benchmark names repeat", file=str(path))
    check_columns(df, benchmarks, file=str(path), what="benchmark")
    check_unit_interval(df, benchmarks, file=str(path))
    if target is not None:
        if target_file is not None:
            tp = resolve_path(target_file)
            tdf = read_table(tp)
            for frame, name in ((df, str(path)), (tdf, str(target_file))):
                if key not in frame.columns:
                    raise InputError(f"join key {key!r} missing", file=name, column=key)
            check_columns(tdf, [target], file=str(target_file), what="target")
            check_unit_interval(tdf, [target], file=str(target_file), scale=target_scale)
            tdf = tdf[[key, target]].drop_duplicates(subset=key)
            df = df.drop(columns=[target], errors="ignore").merge(tdf, on=key, how="left")
        else:
            check_columns(df, [target], file=str(path), what="target")
            check_unit_interval(df, [target], file=str(path), scale=target_scale)
        if target in benchmarks:
            raise InputError("the target cannot also be a PCA benchmark", file=str(path),
                             column=target)
        df["target"] = pd.to_numeric(df[target], errors="coerce") / target_scale
    return df, benchmarks


def paper_analysis_set(df: pd.DataFrame, *, model_col: str = "Model",
                       family_col: str = "Model Family") -> pd.DataFrame:
    """The paper's 77-model / 21-family set: ``EVAL_BASE_MODEL_FAMILIES`` minus preregistered."""
    short = df[model_col].astype(str).str.split("/").str[-1]
    keep = df[family_col].isin(EVAL_BASE_MODEL_FAMILIES) & ~short.isin(PREREGISTERED_BASE_MODELS)
    return df.loc[keep]


# ----------------------------------------------------------------------------------------------
# PCA capability measures with imputation
# ----------------------------------------------------------------------------------------------

def _as_matrix(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    arr = np.asarray(X.to_numpy(float) if isinstance(X, pd.DataFrame) else X, dtype=float)
    if arr.ndim != 2:
        raise ValueError("expected a 2-D models × benchmarks matrix")
    return arr


def _top_components(Z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre, SVD, and return (centre, top-k right singular vectors, all singular values)."""
    centre = Z.mean(axis=0)
    _, s, vt = np.linalg.svd(Z - centre, full_matrices=False)
    return centre, vt[:k], s


class CapabilityPCA:
    """Principal-component capability measures of a benchmark matrix with missing scores.

    Imputation follows the paper's recipe: standardise each benchmark on the training rows, fill
    missing cells with the column mean, then alternate "fit a rank-``impute_rank`` PCA / replace
    the missing cells by its reconstruction" until the filled cells move less than ``tol``
    (standardised units) or ``max_iter`` is reached; un-standardise and clip to ``clip``. The PC
    measures are then a plain (unstandardised) PCA of the completed training matrix, so PC-1
    weights benchmarks by their raw spread, as in the paper.

    ``transform`` never refits: a new row's missing scores are the least-squares completion
    against the frozen imputation components (the fixed point of the same iteration), so test
    models cannot leak into the fit. Each component's sign is chosen so that its loadings sum to
    a positive number (higher PC-1 = more capable).
    """

    def __init__(self, n_components: int = 3, *, impute_rank: int = 1, max_iter: int = 1000,
                 tol: float = 1e-4, clip: tuple[float, float] | None = (0.0, 1.0)) -> None:
        self.n_components = n_components
        self.impute_rank = impute_rank
        self.max_iter = max_iter
        self.tol = tol
        self.clip = clip

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame | np.ndarray) -> CapabilityPCA:
        """Impute the training matrix and fit the PCA. ``X`` may be a DataFrame (keeps names)."""
        self.benchmarks_ = list(X.columns) if isinstance(X, pd.DataFrame) else None
        A = _as_matrix(X)
        n, p = A.shape
        if not 1 <= self.n_components <= min(n, p):
            raise InputError(f"`n_components` = {self.n_components} must be between 1 and "
                             f"min(models, benchmarks) = {min(n, p)}")
        if not 1 <= self.impute_rank < p:
            raise InputError(f"impute_rank={self.impute_rank} must be between 1 and {p - 1}")
        missing = np.isnan(A)
        empty = np.flatnonzero(missing.all(axis=0))
        if empty.size:
            name = self.benchmarks_[empty[0]] if self.benchmarks_ else f"#{empty[0]}"
            raise InputError(f"benchmark {name!r} has no scores among the {n} training models",
                             column=str(name))
        if missing.all(axis=1).any():
            raise InputError("a training model has no benchmark scores at all", row=int(
                np.flatnonzero(missing.all(axis=1))[0]) + 1)
        self.impute_mean_ = np.nanmean(A, axis=0)
        scale = np.nanstd(A, axis=0)
        self.impute_scale_ = np.where(scale > _EPS, scale, 1.0)
        Z = (A - self.impute_mean_) / self.impute_scale_
        Z[missing] = 0.0
        self.n_iter_ = 0
        centre, comps, _ = _top_components(Z, self.impute_rank)
        if missing.any():
            for it in range(1, self.max_iter + 1):
                recon = (Z - centre) @ comps.T @ comps + centre
                step = np.max(np.abs(recon[missing] - Z[missing]))
                Z[missing] = recon[missing]
                self.n_iter_ = it
                centre, comps, _ = _top_components(Z, self.impute_rank)
                if step < self.tol:
                    break
        self.impute_center_, self.impute_components_ = centre, comps
        completed = self._finish(Z)
        self.n_imputed_ = int(missing.sum())
        self.mean_, vt, s = (completed.mean(axis=0), *_top_components(completed, self.n_components)[1:])
        signs = np.where(vt.sum(axis=1) < 0, -1.0, 1.0)
        self.components_ = vt * signs[:, None]
        var = s ** 2 / max(n - 1, 1)
        total = var.sum()
        self.explained_variance_ = var[: self.n_components]
        self.explained_variance_ratio_ = var[: self.n_components] / total if total > 0 else var[
            : self.n_components]
        self.train_completed_ = completed
        return self

    def _finish(self, Z: np.ndarray) -> np.ndarray:
        out = Z * self.impute_scale_ + self.impute_mean_
        return np.clip(out, *self.clip) if self.clip is not None else out

    # -- applying --------------------------------------------------------------------------------
    def impute(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Complete the missing scores of new rows against the frozen training components."""
        self._check_fitted()
        A = self._align(X)
        Z = (A - self.impute_mean_) / self.impute_scale_
        missing = np.isnan(Z)
        V = self.impute_components_
        for i in np.flatnonzero(missing.any(axis=1)):
            obs = ~missing[i]
            if not obs.any():
                raise InputError("a model has no benchmark scores at all", row=int(i) + 1)
            # Fixed point of "project, reconstruct, refill": least squares on the observed cells.
            t, *_ = np.linalg.lstsq(V[:, obs].T, Z[i, obs] - self.impute_center_[obs], rcond=None)
            Z[i, ~obs] = self.impute_center_[~obs] + t @ V[:, ~obs]
        return self._finish(Z)

    def transform(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """PC measures (models × n_components) of new rows."""
        return (self.impute(X) - self.mean_) @ self.components_.T

    def fit_transform(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Fit, then PC measures of the (in-sample imputed) training rows."""
        self.fit(X)
        return (self.train_completed_ - self.mean_) @ self.components_.T

    def _align(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        if isinstance(X, pd.DataFrame) and self.benchmarks_ is not None:
            check_columns(X, self.benchmarks_, file="<input>", what="benchmark")
            X = X[self.benchmarks_]
        A = _as_matrix(X).copy()
        if A.shape[1] != self.components_.shape[1]:
            raise ValueError(f"expected {self.components_.shape[1]} benchmarks, got {A.shape[1]}")
        return A

    def _check_fitted(self) -> None:
        check_is_fitted(self, "components_")


# ----------------------------------------------------------------------------------------------
# Sigmoid link with a floor, fitted with a Huber loss
# ----------------------------------------------------------------------------------------------

_sigmoid = logistic  # overflow-free logistic (scalinglab.fitting.links)


class SigmoidLink:
    """``y = h + (1 - h) · σ(X @ coef + intercept)`` with the floor ``h`` in ``[0, floor_max]``.

    The floor absorbs a task's random-guess/base rate, the ceiling is fixed at 1 (the paper's
    ``sigmoid-parametric`` with fixed height). The loss is Huber with threshold ``delta`` on the
    residuals (``delta=1`` is the authors' notebook setting; for scores in [0, 1] it equals least
    squares, smaller values down-weight outliers). The objective is non-convex, so L-BFGS-B is run
    from the paper's start (intercept 0, slopes 0.01, floor 0) and from a logit-least-squares start,
    keeping the best.
    """

    def __init__(self, *, fit_floor: bool = True, floor_max: float = 0.2, delta: float = 1.0,
                 max_iter: int = 2000) -> None:
        if not (delta > 0 and np.isfinite(delta)):  # 0 or nan left the sigmoid at its start, silently
            raise InputError(f"`delta` (the Huber threshold) must be a positive finite number, got {delta:g}")
        self.fit_floor = fit_floor
        self.floor_max = floor_max
        self.delta = delta
        self.max_iter = max_iter

    def _unpack(self, theta: np.ndarray, k: int) -> tuple[float, np.ndarray, float]:
        return theta[0], theta[1: k + 1], (theta[k + 1] if self.fit_floor else 0.0)

    def fit(self, X: np.ndarray, y: np.ndarray) -> SigmoidLink:
        """Fit the link on features ``X`` (models × k) and targets ``y`` in [0, 1]."""
        X = np.atleast_2d(np.asarray(X, float))
        y = np.asarray(y, float)
        if X.shape[0] != y.shape[0]:
            raise ValueError("X and y have different numbers of rows")
        n, k = X.shape
        n_params = k + 1 + int(self.fit_floor)
        if n < n_params:
            raise InputError(f"only {n} models with a target; the link has {n_params} parameters")
        delta = self.delta

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            c, w, h = self._unpack(theta, k)
            s = _sigmoid(c + X @ w)
            r = with_floor(s, h) - y
            rho, dr = huber(r, delta)
            loss = rho.sum()
            dz = dr * (1.0 - h) * s * (1.0 - s)
            grad = [dz.sum(), X.T @ dz]
            if self.fit_floor:
                grad.append([np.sum(dr * (1.0 - s))])
            return float(loss), np.concatenate([np.atleast_1d(g) for g in grad])

        starts = [np.concatenate([[0.0], np.full(k, 1e-2), [0.0] if self.fit_floor else []])]
        yc = np.clip(y, 0.02, 0.98)
        design = np.column_stack([np.ones(n), X])
        beta, *_ = np.linalg.lstsq(design, np.log(yc / (1 - yc)), rcond=None)
        starts.append(np.concatenate([beta, [0.0] if self.fit_floor else []]))
        if self.fit_floor:
            h0 = min(max(np.min(y) * 0.9, 0.0), self.floor_max)
            yh = np.clip((y - h0) / (1 - h0), 0.02, 0.98)
            beta_h, *_ = np.linalg.lstsq(design, np.log(yh / (1 - yh)), rcond=None)
            starts.append(np.concatenate([beta_h, [h0]]))
        bounds = [(None, None)] * (k + 1) + ([(0.0, self.floor_max)] if self.fit_floor else [])
        best = best_of(starts, lambda theta0: minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                                                       options={"maxiter": self.max_iter}), lambda r: r.fun)
        c, w, h = self._unpack(best.x, k)
        self.intercept_, self.coef_, self.floor_ = float(c), np.asarray(w, float), float(h)
        self.objective_ = float(best.fun)
        self.converged_ = bool(best.success)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The linear aggregate ``X @ coef + intercept`` (the capability measure ``C``)."""
        return np.atleast_2d(np.asarray(X, float)) @ self.coef_ + self.intercept_

    def link(self, z: np.ndarray) -> np.ndarray:
        """The nonlinearity applied to an aggregate ``z``."""
        return sigmoid_with_floor(z, self.floor_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.link(self.decision_function(X))

    def inverse(self, y: np.ndarray) -> np.ndarray:
        """Aggregate ``z`` that yields score ``y`` (NaN outside the open range (floor, 1))."""
        y = np.asarray(y, float)
        u = (y - self.floor_) / (1.0 - self.floor_)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log(u / (1.0 - u))
        return np.where((u > 0) & (u < 1), z, np.nan)


# ----------------------------------------------------------------------------------------------
# End-to-end law and equivalent compute
# ----------------------------------------------------------------------------------------------

class ObservationalScalingLaw:
    """PC measures of ``benchmarks`` → floor-sigmoid → target score (paper Eq. 7 + Sec. 3.3)."""

    def __init__(self, benchmarks: Sequence[str] | None = None, *, n_components: int = 3,
                 impute_rank: int = 1, fit_floor: bool = True, floor_max: float = 0.2,
                 delta: float = 1.0) -> None:
        self.benchmarks = benchmarks
        self.n_components = n_components
        self.impute_rank = impute_rank
        self.fit_floor = fit_floor
        self.floor_max = floor_max
        self.delta = delta

    def fit(self, scores: pd.DataFrame, y: np.ndarray | pd.Series) -> ObservationalScalingLaw:
        """Fit PCA (and imputation) and the link on the training models only."""
        self.benchmarks_ = list(self.benchmarks or scores.columns)
        y = np.asarray(y, float)
        if np.isnan(y).any():
            raise InputError("the target is missing for some training models")
        self.pca_ = CapabilityPCA(self.n_components, impute_rank=self.impute_rank)
        pcs = self.pca_.fit_transform(scores[self.benchmarks_])
        self.link_ = SigmoidLink(fit_floor=self.fit_floor, floor_max=self.floor_max,
                                 delta=self.delta).fit(pcs, y)
        self.train_pred_ = self.link_.predict(pcs)
        self.train_mse_ = float(np.mean((self.train_pred_ - y) ** 2))
        self.n_train_ = len(y)
        return self

    def pc_measures(self, scores: pd.DataFrame) -> np.ndarray:
        return self.pca_.transform(scores[self.benchmarks_])

    def capability(self, scores: pd.DataFrame) -> np.ndarray:
        """The aggregate ``C = w · PC + c`` that the sigmoid is applied to."""
        return self.link_.decision_function(self.pc_measures(scores))

    def predict(self, scores: pd.DataFrame) -> np.ndarray:
        return self.link_.predict(self.pc_measures(scores))


class EquivalentCompute:
    """``C = slope · ln(FLOPs) + intercept`` within one reference family, and its inverse.

    The paper shows that, inside a family, PC measures are linear in log-compute; fitting that
    line on the reference family (e.g. Llama-2) turns any model's capability ``C`` into the FLOPs
    a reference-family model would need to reach it.
    """

    def fit(self, capability: np.ndarray, flops: np.ndarray) -> EquivalentCompute:
        c = np.asarray(capability, float)
        f = np.asarray(flops, float)
        ok = np.isfinite(c) & np.isfinite(f) & (f > 0)
        if ok.sum() < 2 or np.ptp(np.log(f[ok])) == 0:
            raise InputError(f"the reference family has {int(ok.sum())} model(s) with distinct "
                             "positive FLOPs; need at least 2")
        self.slope_, self.intercept_ = np.polyfit(np.log(f[ok]), c[ok], 1)
        self.n_models_ = int(ok.sum())
        pred = self.slope_ * np.log(f[ok]) + self.intercept_
        ss = np.sum((c[ok] - c[ok].mean()) ** 2)
        self.r2_ = float(1 - np.sum((c[ok] - pred) ** 2) / ss) if ss > 0 else 1.0
        return self

    def transform(self, capability: np.ndarray) -> np.ndarray:
        """Equivalent FLOPs (same unit as the fitted ``flops``) of capability values."""
        return np.exp((np.asarray(capability, float) - self.intercept_) / self.slope_)

    def inverse_transform(self, flops: np.ndarray) -> np.ndarray:
        return self.slope_ * np.log(np.asarray(flops, float)) + self.intercept_


# ----------------------------------------------------------------------------------------------
# Holdout protocols
# ----------------------------------------------------------------------------------------------

def holdout_split(df: pd.DataFrame, *, by: str, top_fraction: float | None = None,
                  cutoff: float | None = None) -> tuple[pd.Index, pd.Index]:
    """Train/test index split, either "top fraction by ``by``" or "``by`` above ``cutoff``".

    * ``top_fraction``: rank by ``by`` (descending, missing values first as in the authors'
      code) and put the first ``int(top_fraction · n)`` models in the test set.
    * ``cutoff``: models with ``by <= cutoff`` train; the rest, including models with an unknown
      value, are test (the paper's FLOP-cutoff protocol).
    """
    if (top_fraction is None) == (cutoff is None):
        raise InputError("give exactly one of a top fraction or a cutoff")
    if cutoff is not None and not np.isfinite(cutoff):
        raise InputError(f"`cutoff` must be a finite number, got {cutoff:g}")
    if by not in df.columns:
        raise InputError(f"unknown column {by!r} to split by", column=by)
    values = pd.to_numeric(df[by], errors="coerce")
    if top_fraction is not None:
        if not 0.0 < top_fraction < 1.0:
            raise InputError(f"top fraction {top_fraction} must be in (0, 1)")
        n_test = int(top_fraction * len(df))
        order = values.sort_values(ascending=False, na_position="first", kind="stable").index
        test, train = order[:n_test], order[n_test:]
    else:
        is_train = values <= cutoff
        train, test = df.index[is_train.to_numpy()], df.index[~is_train.to_numpy()]
    return pd.Index(train), pd.Index(test)


@dataclass
class HoldoutResult(Result):
    """Outcome of :func:`evaluate_holdout`: errors, the fitted law, and per-model predictions."""

    law: ObservationalScalingLaw
    train_mse: float
    test_mse: float
    n_train: int
    n_test: int
    predictions: pd.DataFrame = field(repr=False)
    equivalent: EquivalentCompute | None = None

    def to_dict(self) -> dict[str, Any]:
        """Errors, sizes and the per-model predictions (records)."""
        return {"n_train": self.n_train, "n_test": self.n_test, "train_mse": self.train_mse,
                "test_mse": self.test_mse, "models": self.predictions.to_dict(orient="records")}

    def text(self) -> str:
        return (f"{self.n_train} train / {self.n_test} test models: train MSE {self.train_mse:.2e}, "
                f"test MSE {self.test_mse:.2e}")


def evaluate_holdout(df: pd.DataFrame, benchmarks: Sequence[str], *, target: str = "target",
                     by: str | None = None, top_fraction: float | None = None,
                     cutoff: float | None = None, n_components: int = 3, delta: float = 1.0,
                     floor_max: float = 0.2, fit_floor: bool = True,
                     reference_family: str | None = None, family_col: str = "Model Family",
                     flops_col: str = "FLOPs (1E21)", model_col: str = "Model") -> HoldoutResult:
    """Fit on the training models (PCA and imputation included) and score the held-out ones.

    Models without a target value are dropped first (as in the paper); ``by`` defaults to the
    target itself, i.e. "hold out the best ``top_fraction`` of models".
    """
    data = df.dropna(subset=[target])
    if len(data) < n_components + 3:
        raise InputError(f"only {len(data)} models have the target; too few to fit and hold out")
    train_idx, test_idx = holdout_split(data, by=by or target, top_fraction=top_fraction,
                                        cutoff=cutoff)
    if len(test_idx) == 0:
        raise InputError("the holdout rule leaves no test models")
    if len(train_idx) == 0:  # it said '`n_components` = 3 must be between 1 and min(models, benchmarks) = 0'
        raise InputError("the holdout rule leaves no train models" + (
            f": no model has {by!r} <= `cutoff` {cutoff:g}" if cutoff is not None else ""))
    train, test = data.loc[train_idx], data.loc[test_idx]
    law = ObservationalScalingLaw(benchmarks, n_components=n_components, delta=delta,
                                  floor_max=floor_max, fit_floor=fit_floor)
    law.fit(train, train[target].to_numpy(float))
    test_pred = law.predict(test)
    test_mse = float(np.mean((test_pred - test[target].to_numpy(float)) ** 2))
    rows = pd.DataFrame({
        "model": pd.concat([train[model_col], test[model_col]]).astype(str).to_numpy()
        if model_col in data.columns else np.r_[train.index, test.index].astype(str),
        "split": ["train"] * len(train) + ["test"] * len(test),
        "actual": np.r_[train[target].to_numpy(float), test[target].to_numpy(float)],
        "predicted": np.r_[law.train_pred_, test_pred],
        "capability": np.r_[law.capability(train), law.capability(test)],
    })
    equiv = None
    if reference_family is not None:
        equiv = fit_equivalent_compute(law, df, reference_family, family_col=family_col,
                                       flops_col=flops_col)
        rows["equivalent_flops"] = equiv.transform(rows["capability"].to_numpy())
    return HoldoutResult(law, law.train_mse_, test_mse, len(train), len(test), rows, equiv)


def fit_equivalent_compute(law: ObservationalScalingLaw, df: pd.DataFrame, reference_family: str,
                           *, family_col: str = "Model Family",
                           flops_col: str = "FLOPs (1E21)") -> EquivalentCompute:
    """Map ``law``'s capability to log-FLOPs within ``reference_family`` rows of ``df``."""
    for col in (family_col, flops_col):
        if col not in df.columns:
            raise InputError(f"column {col!r} is needed for equivalent compute", column=col)
    ref = df[df[family_col] == reference_family]
    if ref.empty:
        fams = sorted(map(str, df[family_col].dropna().unique()))
        raise InputError(f"unknown reference family {reference_family!r}; available: "
                         + ", ".join(fams), column=family_col)
    ref = ref[pd.to_numeric(ref[flops_col], errors="coerce") > 0]
    if len(ref) < 2:
        raise InputError(f"reference family {reference_family!r} has {len(ref)} model(s) with "
                         f"known {flops_col}; need at least 2", column=flops_col)
    return EquivalentCompute().fit(law.capability(ref), ref[flops_col].to_numpy(float))
