"""Importers: learning curves from where they live in practice, into the long curves format.

Every importer returns a frame with columns ``model, N, D, step, loss`` (one row per checkpoint):

* experiment-tracker exports as CSV/JSONL, e.g. a Weights & Biases run-history export
  (``run.history()`` / "Export CSV": columns ``_step``, ``train/loss``, maybe a tokens column);
* TensorBoard event files, read with tensorboard's ``EventAccumulator`` (scalars of one tag);
* MLflow's local file store (``mlruns/``), read from its directory layout directly:
  ``<experiment_id>/<run_id>/metrics/<metric path>`` holds lines ``timestamp value step``,
  ``params/<name>`` one value, ``meta.yaml`` the ``run_name``. MLflow ≥ 3 keeps this file store in
  maintenance mode (writing needs ``MLFLOW_ALLOW_FILE_STORE=true``), but existing ``mlruns/`` folders
  are everywhere and reading the layout needs no MLflow install;
* the Hitchhiker's Guide families (Choshen et al. 2024) from the ColPret meta-dataset files:
  GPT-3, OPT and Pile-T5, with the guide's token and loss conventions.

Tokens seen D come from a tokens column/metric when there is one, else ``step × tokens_per_step``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.io import read_table
from scalinglab.errors import InputError
from scalinglab.results import Result

STEP_ALIASES = ("_step", "step", "global_step", "trainer/global_step", "iteration", "iter")
TOKEN_ALIASES = ("tokens", "tokens_seen", "train/tokens", "num_tokens", "consumed_tokens",
                 "train/tokens_seen", "trainer/tokens")
LOSS_ALIASES = ("train/loss", "loss", "train_loss", "val/loss", "eval/loss", "val_loss", "validation_loss",
                "lm loss", "train/lm_loss")


def _finish(step: np.ndarray, loss: np.ndarray, tokens: np.ndarray | None, tokens_per_step: float | None,
            model: str, n_params: float | None, source: str) -> pd.DataFrame:
    """Assemble the curves frame; D from tokens or step × tokens_per_step; drop (and count, in
    ``attrs["dropped"]``) rows without a finite positive loss and D."""
    if n_params is None:
        raise InputError("the number of parameters N is needed (`n_params`)", file=source)
    if not (np.isfinite(n_params) and n_params > 0):  # inf was written as N; -1 and nan read as 'not given'
        raise InputError(f"`n_params` must be a positive finite number, got {n_params:g}", file=source)
    if tokens_per_step is not None and not (np.isfinite(tokens_per_step) and tokens_per_step > 0):
        raise InputError(f"`tokens_per_step` must be a positive finite number, got {tokens_per_step:g}",
                         file=source)
    if tokens is None:
        if tokens_per_step is None:
            raise InputError("no tokens column/metric found; give `tokens_per_step` (tokens per optimiser "
                             "step = batch size × sequence length) or `tokens_metric`", file=source)
        with np.errstate(over="ignore"):  # a D past the float range is dropped below, as a non-finite one
            tokens = step * float(tokens_per_step)
    out = pd.DataFrame({"model": model, "N": float(n_params), "D": np.asarray(tokens, dtype=float),
                        "step": np.asarray(step, dtype=float), "loss": np.asarray(loss, dtype=float)})
    ok = np.isfinite(out["loss"]) & np.isfinite(out["D"]) & (out["D"] > 0) & (out["loss"] > 0)
    dropped = int((~ok).sum())
    out = out[ok].sort_values("D", kind="stable").reset_index(drop=True)
    if out.empty:
        raise InputError(f"no checkpoints with a positive loss and D > 0 (all {dropped} rows dropped)",
                         file=source)
    out.attrs["dropped"] = dropped
    return out


def _pick(columns: Sequence[str], given: str | None, aliases: Sequence[str], what: str, source: str,
          required: bool = True) -> str | None:
    if given is not None:
        if given not in columns:
            raise InputError(f"{what} {given!r} not found (available: {', '.join(map(str, columns))})",
                             file=source, column=given)
        return given
    lower = {str(c).lower(): c for c in columns}
    for a in aliases:
        if a.lower() in lower:
            return lower[a.lower()]
    if required:
        raise InputError(f"no {what} found (looked for {', '.join(aliases[:5])}); name it explicitly",
                         file=source)
    return None


# -- experiment-tracker exports (W&B run history) --------------------------------------------------------
def read_tracker_export(path: str | Path, *, metric: str | None = None, step_col: str | None = None,
                        tokens_col: str | None = None, tokens_per_step: float | None = None,
                        model: str | None = None, n_params: float | None = None) -> pd.DataFrame:
    """A W&B-style run-history export (CSV/TSV/JSONL/Parquet): ``_step``, a loss metric, maybe tokens.

    Rows without the metric (W&B logs different keys at different steps) are skipped.
    """
    source = str(path)
    raw = read_table(path)
    cols = list(raw.columns)
    mcol = _pick(cols, metric, LOSS_ALIASES, "loss metric", source)
    scol = _pick(cols, step_col, STEP_ALIASES, "step column", source)
    tcol = _pick(cols, tokens_col, TOKEN_ALIASES, "tokens column", source, required=False)
    loss = pd.to_numeric(raw[mcol], errors="coerce").to_numpy(dtype=float)
    step = pd.to_numeric(raw[scol], errors="coerce").to_numpy(dtype=float)
    tokens = pd.to_numeric(raw[tcol], errors="coerce").to_numpy(dtype=float) if tcol else None
    return _finish(step, loss, tokens, tokens_per_step, model or Path(path).stem, n_params, source)


# -- TensorBoard -----------------------------------------------------------------------------------------
def read_tensorboard(logdir: str | Path, *, tag: str | None = None, tokens_tag: str | None = None,
                     tokens_per_step: float | None = None, model: str | None = None,
                     n_params: float | None = None) -> pd.DataFrame:
    """Scalars of ``tag`` from TensorBoard event files in ``logdir`` (a run folder or one event file)."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as exc:  # pragma: no cover - tensorboard is an optional dependency
        raise InputError("reading TensorBoard events needs the 'tensorboard' package") from exc
    path = Path(logdir)
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    tags = acc.Tags().get("scalars", [])
    if not tags:
        raise InputError("no scalar summaries in the event files", file=str(path))
    tag = _pick(tags, tag, LOSS_ALIASES, "scalar tag", str(path))
    events = acc.Scalars(tag)
    step = np.array([e.step for e in events], dtype=float)
    loss = np.array([e.value for e in events], dtype=float)
    tokens = None
    ttag = _pick(tags, tokens_tag, TOKEN_ALIASES, "tokens tag", str(path), required=False)
    if ttag:
        tok = {e.step: e.value for e in acc.Scalars(ttag)}
        tokens = np.array([tok.get(int(s), np.nan) for s in step], dtype=float)
    name = model or (path.name if path.is_dir() else path.parent.name)
    return _finish(step, loss, tokens, tokens_per_step, name, n_params, str(path))


# -- MLflow file store -------------------------------------------------------------------------------------
def _meta_value(meta: Path, key: str) -> str | None:
    if not meta.is_file():
        return None
    for line in meta.read_text().splitlines():
        m = re.match(rf"^{re.escape(key)}:\s*(.*)$", line)
        if m:
            return m.group(1).strip().strip("'\"")
    return None


def _read_metric_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``timestamp value step`` lines → (steps, values); the last value logged at a step wins."""
    by_step: dict[float, float] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        parts = line.split()
        if len(parts) < 2:
            continue
        try:
            value = float(parts[1])
            step = float(parts[2]) if len(parts) > 2 else float(len(by_step))
        except ValueError:
            raise InputError(f"line {number}: expected 'timestamp value step', got {line.strip()[:60]!r}",
                             file=str(path)) from None
        by_step[step] = value
    steps = np.array(sorted(by_step), dtype=float)
    return steps, np.array([by_step[s] for s in steps], dtype=float)


def read_mlflow(root: str | Path, *, metric: str = "train/loss", tokens_metric: str | None = None,
                params_param: str | None = None, n_params: float | None = None,
                tokens_per_step: float | None = None, experiment: str | None = None,
                runs: Sequence[str] | None = None) -> pd.DataFrame:
    """All runs with ``metric`` in an MLflow file store (``mlruns/``): one curve per run, named by run_name.

    N comes from the run parameter ``params_param`` (e.g. ``n_params``) or ``n_params`` for all runs.
    """
    root = Path(str(root).removeprefix("file://").removeprefix("file:"))
    if not root.is_dir():
        raise InputError("no such MLflow store folder", file=str(root))
    frames = []
    for meta in sorted(root.glob("*/*/meta.yaml")):
        run_dir = meta.parent
        exp_dir = run_dir.parent
        if experiment is not None and experiment not in (exp_dir.name, _meta_value(exp_dir / "meta.yaml", "name")):
            continue
        if _meta_value(meta, "lifecycle_stage") == "deleted":
            continue
        mfile = run_dir / "metrics" / metric
        if not mfile.is_file():
            continue
        name = _meta_value(meta, "run_name") or run_dir.name
        if runs is not None and name not in runs and run_dir.name not in runs:
            continue
        step, loss = _read_metric_file(mfile)
        n = n_params
        if params_param is not None:
            pfile = run_dir / "params" / params_param
            if not pfile.is_file():
                raise InputError(f"run {name!r} has no parameter {params_param!r}", file=str(run_dir))
            text = pfile.read_text().strip()
            try:
                n = float(text)
            except ValueError:
                n = parse_count(text)
        tokens = None
        if tokens_metric is not None:
            tf = run_dir / "metrics" / tokens_metric
            if not tf.is_file():
                raise InputError(f"run {name!r} has no metric {tokens_metric!r}", file=str(run_dir))
            ts, tv = _read_metric_file(tf)
            lookup = dict(zip(ts, tv, strict=True))
            tokens = np.array([lookup.get(s, np.nan) for s in step])
        frames.append(_finish(step, loss, tokens, tokens_per_step, name, n, str(run_dir)))
    if not frames:
        raise InputError(f"no runs with metric {metric!r}", file=str(root))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["dropped"] = sum(f.attrs.get("dropped", 0) for f in frames)
    return out


# -- the Hitchhiker's Guide families ------------------------------------------------------------------------
#: Pile-T5 parameter counts used by the guide (ColPret util/read_data.py).
T5_PILE_PARAMS = {"base": 247586304, "large": 783173632, "xl": 2849804288, "xxl": 11135426560}
_SIZE = re.compile(r"^\s*([0-9.]+)\s*([kKmMbBtT]?)")


def parse_count(text: str | float) -> float:
    """'125M' / '1.3B' / '13.0B' / 6.7e9 → a number."""
    if isinstance(text, (int, float)):
        return float(text)
    m = _SIZE.match(str(text))
    if not m:
        raise InputError(f"cannot read a parameter count from {text!r}")
    mult = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}[m.group(2).lower()]
    return float(m.group(1)) * mult


def gpt3_curves(folder: str | Path) -> pd.DataFrame:
    """GPT-3 validation-loss curves digitised from Brown et al. 2020 Fig. 3.1 (ColPret raw_data/gpt3).

    ``step`` in extracted.csv is billions of tokens; N from the Table 2.1 metadata (125M … 175B).
    """
    folder = Path(folder)
    df = read_table(folder / "extracted.csv")
    meta = read_table(folder / "gpt3_metadata.csv")
    names = ["small", "medium", "large", "xl", "2.7b", "6.7b", "13b", "175b"]
    sizes = [parse_count(v) for v in meta["num_params"]]
    n_of = dict(zip(names, sorted(sizes), strict=True))
    df = df.dropna(subset=["val_loss"])
    return pd.DataFrame({"model": "gpt3-" + df["model"].astype(str), "N": df["model"].map(n_of),
                         "D": df["step"].astype(float) * 1e9, "step": df["step"].astype(float),
                         "loss": df["val_loss"].astype(float)}).reset_index(drop=True)


def opt_curves(path: str | Path, log2_perplexity: bool = False) -> pd.DataFrame:
    """OPT validation curves (Xia et al. 2023 training trajectories; ColPret opt_trajectories.csv).

    Tokens as the guide derives them: steps × the OPT batch size of that model size (0.5M tokens
    below 1B, 1M below 6B, 2M below 10B, 4M below 60B, 2M for 175B; Zhang et al. 2022 Table 1).
    The file holds perplexity. The guide's loader renames ``ppl`` to ``loss``, so its OPT fits run on
    raw perplexity (its log2 normalisation never applies); that is the default here because it is
    what reproduces the guide's OPT heatmap. ``log2_perplexity=True`` gives bits per token.
    """
    df = read_table(path)
    N = df["model_size"].map(parse_count).astype(float)
    batch = np.select([N < 1e9, N < 6e9, N < 10e9, N < 60e9], [5e5, 1e6, 2e6, 4e6], 2e6)
    ppl = df["ppl"].astype(float)
    return pd.DataFrame({"model": "opt-" + df["model_size"].astype(str), "N": N,
                         "D": df["steps"].astype(float) * batch, "step": df["steps"].astype(float),
                         "loss": np.log2(ppl) if log2_perplexity else ppl})


def t5_pile_curves(path: str | Path) -> pd.DataFrame:
    """Pile-T5 curves (EleutherAI; ColPret t5_pile.csv): D = steps × 1e6 as in the guide, loss = log2(ppl)."""
    df = read_table(path)
    df = df[df["steps"] > 0]
    return pd.DataFrame({"model": "pile-t5-" + df["model_name"].astype(str),
                         "N": df["model_name"].map(T5_PILE_PARAMS).astype(float),
                         "D": df["steps"].astype(float) * 1e6, "step": df["steps"].astype(float),
                         "loss": np.log2(df["val_perplexity"].astype(float))}).reset_index(drop=True)


GUIDE_FAMILIES = {"gpt3": ("raw_data/gpt3", gpt3_curves),
                  "opt": ("aggregated_eval/opt_trajectories.csv", opt_curves),
                  "t5-pile": ("aggregated_eval/t5_pile.csv", t5_pile_curves)}


def guide_family(name: str, root: str | Path) -> pd.DataFrame:
    """One of the guide's families from a ColPret data folder (``root`` = the hitchhiker folder)."""
    if name not in GUIDE_FAMILIES:
        raise InputError(f"unknown family {name!r}; choose one of {', '.join(GUIDE_FAMILIES)}")
    rel, fn = GUIDE_FAMILIES[name]
    return fn(Path(root) / rel)


@dataclass
class ImportedCurves(Result):
    """Checkpoints gathered from tracker exports (``frame``), and where they were written."""

    frame: pd.DataFrame
    out: str | None = None
    dropped: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "rows": int(len(self.frame)), "dropped": self.dropped,
                "models": {str(m): int(n) for m, n in self.frame.groupby("model").size().items()}}

    def text(self) -> str:
        return f"wrote {self.out}: {len(self.frame)} checkpoints of {self.frame['model'].nunique()} run(s)"

    def write(self, path: str | Path) -> None:
        """Write the curves CSV atomically."""
        from scalinglab.serialize import write_text_atomic

        write_text_atomic(path, self.frame.to_csv(index=False))
        self.out = str(path)


def import_curves(sources: Sequence[str], fmt: str = "wandb", *, metric: str | None = None,
                  tokens_metric: str | None = None, tokens_per_step: float | None = None,
                  n_params: float | None = None, params_param: str | None = None, model: str | None = None,
                  family: str | None = None) -> ImportedCurves:
    """Read W&B/TensorBoard/MLflow exports or a guide family (``fmt``) into one long curves frame."""
    if model is not None and len(sources) > 1:
        raise InputError("`model` names one run; give one source, or let names come from the files")
    frames = []
    for src in sources:
        if fmt == "wandb":
            frames.append(read_tracker_export(src, metric=metric, tokens_col=tokens_metric,
                                              tokens_per_step=tokens_per_step, model=model, n_params=n_params))
        elif fmt == "tensorboard":
            frames.append(read_tensorboard(src, tag=metric, tokens_tag=tokens_metric,
                                           tokens_per_step=tokens_per_step, model=model, n_params=n_params))
        elif fmt == "mlflow":
            frames.append(read_mlflow(src, metric=metric or "train/loss", tokens_metric=tokens_metric,
                                      params_param=params_param, n_params=n_params, tokens_per_step=tokens_per_step))
        elif fmt == "guide":
            if family is None:
                raise InputError("`fmt` guide needs `family` gpt3|opt|t5-pile")
            frames.append(guide_family(family, src))
        else:
            raise InputError(f"unknown `fmt` {fmt!r}; choose wandb, tensorboard, mlflow or guide")
    dropped = sum(int(f.attrs.get("dropped", 0)) for f in frames)
    return ImportedCurves(pd.concat(frames, ignore_index=True), dropped=dropped)
