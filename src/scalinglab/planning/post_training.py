"""Scaling of post-training gains: the SFT laws fitted to a ``post_runs.csv`` (``scalinglab post fit``).

The response is a stage's held-out metric (default: ``eval_loss``, the SFT model's cross-entropy on the
held-out task answers, nats/token), the inputs are the base model's size N (non-embedding parameters,
column ``N``) and the fine-tuning data D (column ``examples``: SFT examples, all tasks together). Rows
are the ``sft`` stage and the ``sft_scan`` data-size scan (``tasks.sft_sizes``) of every base run.

Two leave-out checks, one per law, each the use its paper makes of its law:

* ``sft-multiplicative`` (Zhang et al. 2024, arXiv:2402.17193, eq. 1, L = A·N^−α·D^−β + E, the joint
  law in base-model size and fine-tuning data) is fitted on every base model but the largest and
  predicts the largest one's loss at each D; the predicted *gain* is the largest base model's
  measured held-out loss before fine-tuning minus the predicted SFT loss, against the measured gain.
* ``sft`` (Lin et al. 2024, arXiv:2402.02314, eq. 2, the rectified law L(D) = B/(D_l + D^β) + E) is
  fitted per base model on all but its largest D and predicts the loss at that D (their use: choose
  a model to fine-tune from runs on subsets of the data).

Both fits go through :class:`scalinglab.fitting.ScalingLawFit` (Huber on log-loss residuals, global
start scan), so a point is a (base run, D) pair and the errors are relative errors of the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.errors import InputError
from scalinglab.fitting import ScalingLawFit
from scalinglab.results import Result, html_table

SFT_STAGES = ("sft", "sft_scan")
NEEDED = ("base_run", "N", "stage", "examples")


def _read(source: str | Path | pd.DataFrame, metric: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        frame, name = source.copy(), "<frame>"
    else:
        name = str(source)
        try:
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise InputError("no such file", file=name) from None
        except IsADirectoryError:  # it was a traceback (report --post FOLDER)
            raise InputError("is a directory, not a post_runs.csv", file=name) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            raise InputError(f"not a readable CSV: {str(e).splitlines()[0]}", file=name) from None
    for col in (*NEEDED, metric):
        if col not in frame.columns:
            raise InputError(f"no column {col!r} (is this a post_runs.csv?)", file=name, column=col)
    return frame, name


def _numbers(frame: pd.DataFrame, cols: tuple[str, ...], name: str) -> pd.DataFrame:
    out = frame.copy()
    for col in cols:
        vals = pd.to_numeric(out[col], errors="coerce")
        bad = vals.isna() | ~np.isfinite(vals) | (vals <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{col} must be a positive number, got {out[col].iloc[i]!r}", file=name,
                             row=int(out.index[i]) + 2, column=col)
        out[col] = vals.astype(float)
    return out


def _fit(law: str, frame: pd.DataFrame, seed: int) -> Any:
    return ScalingLawFit(law, seed=seed).fit(frame).result_


def _law_curves(fit: Any, pts: pd.DataFrame, n_grid: int = 40) -> list[dict[str, Any]]:
    """The fitted multiplicative law along D for every base model (the report's figure draws these)."""
    d = np.geomspace(float(pts["D"].min()), float(pts["D"].max()), n_grid)
    out = []
    for run, grp in pts.groupby("base_run", sort=False):
        n = float(grp["N"].iloc[0])
        out.append({"base_run": str(run), "N": n, "D": d.tolist(),
                    "predicted": fit.predict(N=np.full_like(d, n), D=d).tolist()})
    return out


@dataclass
class PostFitResult(Result):
    """The two SFT-law checks on one post_runs.csv (see the module docstring)."""

    source: str
    metric: str
    largest: dict[str, Any]
    multiplicative: dict[str, Any]
    rectified: list[dict[str, Any]] = field(default_factory=list)
    gains: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "metric": self.metric, "largest": self.largest,
                "multiplicative": self.multiplicative, "rectified": self.rectified, "gains": self.gains,
                "stages": self.stages}

    @classmethod
    def from_dict(cls, d: Any, source: str = "<dict>") -> PostFitResult:
        keys = ("source", "metric", "largest", "multiplicative", "rectified", "gains", "stages")
        if not isinstance(d, dict) or any(k not in d for k in keys):
            missing = [k for k in keys if not isinstance(d, dict) or k not in d]
            raise InputError(f"not a post fit: missing key {missing[0]!r}", file=source)
        return cls(**{k: d[k] for k in keys})

    def text(self) -> str:
        m, big = self.multiplicative, self.largest
        p = ", ".join(f"{k} = {v:.4g}" for k, v in m["params"].items())
        lines = [f"Post-training law fit of {self.metric} ({self.source})",
                 f"sft-multiplicative (Zhang et al. 2024) on {m['n_points']} points of the {m['n_bases']} "
                 f"smaller base models: {p}",
                 f"predicting the largest base model, {big['base_run']} (N = {big['N']:.4g}):"]
        lines += [f"  D = {r['D']:>7.0f}: measured {r['measured']:.4f}, predicted {r['predicted']:.4f} "
                  f"({100 * r['rel_error']:+.1f} %)" for r in m["predictions"]]
        lines.append(f"  mean absolute relative error {100 * m['mare']:.2f} %")
        g = m.get("gain")
        if g:
            lines.append(f"  gain of SFT at D = {g['D']:.0f}: measured {g['measured']:.4f} (base {g['base']:.4f} -> "
                         f"{g['measured_sft']:.4f}), predicted {g['predicted']:.4f}")
        if self.rectified:
            lines.append("sft (Lin et al. 2024), per base model, fitted without its largest D:")
            lines += [f"  {r['base_run']}: D = {r['D']:.0f} measured {r['measured']:.4f}, predicted "
                      f"{r['predicted']:.4f} ({100 * r['rel_error']:+.1f} %)" for r in self.rectified]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        m = self.multiplicative
        rows = [(r["D"], r["measured"], r["predicted"], r["rel_error"]) for r in m["predictions"]]
        out = html_table(["D (examples)", "measured", "predicted", "rel. error"], rows,
                         caption=f"sft-multiplicative: {self.largest['base_run']} predicted from the smaller bases")
        if self.rectified:
            out += html_table(["base run", "N", "D", "measured", "predicted", "rel. error"],
                              [(r["base_run"], r["N"], r["D"], r["measured"], r["predicted"], r["rel_error"])
                               for r in self.rectified], caption="sft (rectified), largest D held out")
        return out


def fit_post_runs(source: str | Path | pd.DataFrame, metric: str = "eval_loss", seed: int = 0) -> PostFitResult:
    """Fit the SFT laws to a post_runs.csv and predict the largest base model (see the module docstring)."""
    frame, name = _read(source, metric)
    sft = frame[frame["stage"].isin(SFT_STAGES)]
    if sft.empty:
        raise InputError("no sft or sft_scan rows", file=name, column="stage")
    sft = _numbers(sft, ("N", "examples", metric), name)
    pts = pd.DataFrame({"base_run": sft["base_run"], "N": sft["N"], "D": sft["examples"], "loss": sft[metric]})
    pts = pts.drop_duplicates(["base_run", "D"]).sort_values(["N", "D"]).reset_index(drop=True)
    sizes = sorted(pts["N"].unique())
    if len(sizes) < 2:
        raise InputError("the leave-largest-out fit needs base models of at least two sizes", file=name, column="N")
    big_n = sizes[-1]
    train, test = pts[pts["N"] < big_n], pts[pts["N"] == big_n]
    fit = _fit("sft-multiplicative", train[["N", "D", "loss"]], seed)
    pred = fit.predict(N=test["N"].to_numpy(), D=test["D"].to_numpy())
    rel = pred / test["loss"].to_numpy() - 1.0
    big_run = str(test["base_run"].iloc[0])
    mult: dict[str, Any] = {
        "params": {k: float(v) for k, v in fit.params.items()}, "n_points": len(train),
        "n_bases": int(train["base_run"].nunique()),
        "predictions": [{"D": float(d), "measured": float(y), "predicted": float(p), "rel_error": float(e)}
                        for d, y, p, e in zip(test["D"], test["loss"], pred, rel, strict=True)],
        "mare": float(np.mean(np.abs(rel))), "warnings": list(fit.warnings), "curves": _law_curves(fit, pts)}

    gains = []
    base = frame[frame["stage"] == "base"]
    main = frame[frame["stage"] == "sft"]
    for run in pts["base_run"].unique():
        b, s = base[base["base_run"] == run], main[main["base_run"] == run]
        if b.empty or s.empty:
            continue
        b, s = _numbers(b, (metric,), name), _numbers(s, ("N", "examples", metric), name)
        gains.append({"base_run": str(run), "N": float(s["N"].iloc[0]), "D": float(s["examples"].iloc[0]),
                      "base": float(b[metric].iloc[0]), "sft": float(s[metric].iloc[0]),
                      "gain": float(b[metric].iloc[0] - s[metric].iloc[0])})
    g = next((x for x in gains if x["base_run"] == big_run), None)
    if g:
        p_sft = float(fit.predict(N=np.array([g["N"]]), D=np.array([g["D"]]))[0])
        mult["gain"] = {"D": g["D"], "base": g["base"], "measured_sft": g["sft"], "measured": g["gain"],
                        "predicted_sft": p_sft, "predicted": g["base"] - p_sft}

    rect = []
    need = 5 + 1  # the rectified law's min_points, plus the held-out largest D
    for run, grp in pts.groupby("base_run", sort=False):
        if len(grp) < need:
            continue
        grp = grp.sort_values("D")
        r = _fit("sft", grp.iloc[:-1][["D", "loss"]], seed)
        last = grp.iloc[-1]
        p = float(r.predict(D=np.array([last["D"]]))[0])
        rect.append({"base_run": str(run), "N": float(last["N"]), "D": float(last["D"]),
                     "measured": float(last["loss"]), "predicted": p, "rel_error": p / float(last["loss"]) - 1.0,
                     "params": {k: float(v) for k, v in r.params.items()}})
    return PostFitResult(name, metric, {"base_run": big_run, "N": float(big_n)}, mult, rect, gains,
                         _stage_rows(frame))


STAGE_COLUMNS = ("base_run", "N", "stage", "from", "examples", "pairs", "prompts", "steps", "accuracy", "eval_loss",
                 "reward_accuracy", "reward_margin", "reward", "promoted", "reason")


def _stage_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows (the columns a reader compares), numbers as numbers, blanks as None."""
    out = []
    for _, r in frame.iterrows():
        row: dict[str, Any] = {}
        for c in STAGE_COLUMNS:
            v = r.get(c, "")
            if c in ("base_run", "stage", "from", "promoted", "reason"):
                row[c] = str(v)
                continue
            try:
                row[c] = float(v) if str(v).strip() else None
            except ValueError:
                row[c] = None
        out.append(row)
    return out
