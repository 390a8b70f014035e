"""Score imports: lm-evaluation-harness result files and Open LLM Leaderboard exports into a score table.

The score table is the one that ``skills`` (Sloth), ``observe`` (observational scaling) and
``density`` (the Densing law) read: one row per model, a ``Model`` column, the metadata columns those
commands look for by default, and one column per benchmark holding a score in [0, 1].

Sources:

* **lm-evaluation-harness result files** (``results_<date>.json``, written by ``lm_eval
  --output_path``): a JSON object whose ``results`` maps each task to its metrics, keyed
  ``"<metric>,<filter>"`` (``"acc,none"``, ``"acc_norm,none"``, ``"exact_match,strict-match"``; harness
  versions before 0.4 wrote bare ``"acc"``), next to ``*_stderr`` keys and an ``alias``. Group
  aggregates (``mmlu``, ``leaderboard_bbh``) also appear under ``groups`` and their members under
  ``group_subtasks``. The model's name is the top-level ``model_name`` or the ``pretrained=`` entry of
  ``config.model_args``; ``config.model_num_parameters`` (written for Hugging Face models) gives the
  size. The Open LLM Leaderboard v2 per-model result files are harness result files of its
  ``leaderboard`` task group, so they read the same way; its v1 result files (tasks named
  ``harness|arc:challenge|25``, model under ``config_general.model_name``) are read too.
* **Open LLM Leaderboard v2 "contents" exports** (CSV, Parquet or JSON Lines): one row per
  evaluated model with ``fullname``, ``#Params (B)``, the raw scores ``IFEval Raw`` ... ``MMLU-PRO Raw``
  (fractions; the unsuffixed columns are the leaderboard's normalised percentages and are not read)
  and ``Upload To Hub Date``.

Tasks map to benchmark columns through :data:`MAPPING` (documented in docs/benchmark_laws.md,
"Importing scores"); ``mapping`` adds or overrides entries. Metadata that the harness does not record
(family, pre-training tokens, release date) comes from a ``meta`` table joined on ``Model``.

Every problem is one :class:`~scalinglab.errors.InputError` naming the file and the key (or row and
column), and nothing is written unless every source reads cleanly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.io import read_table
from scalinglab.data.validate import numeric_column
from scalinglab.errors import InputError
from scalinglab.results import Result
from scalinglab.skills.sloth_data import PARAMS_COLUMN, TOKENS_COLUMN

__all__ = ["DEFAULT_METRICS", "MAPPING", "Benchmark", "ImportedScores", "import_scores", "parse_mapping"]

#: The columns written besides the benchmarks. ``Family``/``#Params (B)`` are what ``skills`` reads,
#: ``Model Family``/``Model Size (B)`` what ``observe`` and ``density`` read: both are written.
FAMILY_COLUMNS = ("Family", "Model Family")
SIZE_COLUMNS = (PARAMS_COLUMN, "Model Size (B)")
DATE_COLUMN = "release_date"
UPLOAD_COLUMN = "hf_upload_date"

#: Metric preference for tasks mapped without a metric: the first of these the task reports
#: (with filter ``none`` first, then the file's order of filters).
DEFAULT_METRICS = ("acc_norm", "acc", "exact_match", "pass@1")


@dataclass(frozen=True)
class Benchmark:
    """A benchmark column, the harness tasks that measure it, and which metric gives its score.

    ``metrics`` are ``"metric,filter"`` keys in order of preference; with ``combine="mean"`` the score is
    the mean of all of them (every one must be there).
    """

    column: str
    tasks: tuple[str, ...]
    metrics: tuple[str, ...] = ()
    combine: str = "first"
    contents: str | None = None  #: the Open LLM Leaderboard contents column with the raw score


#: The documented mapping. Open LLM Leaderboard v1 tasks and metrics as its "About" page lists them
#: (ARC 25-shot acc_norm, HellaSwag 10-shot acc_norm, MMLU 5-shot acc, TruthfulQA mc2, Winogrande
#: 5-shot acc, GSM8K 5-shot exact match); v2 (the harness's ``leaderboard_*`` tasks): IFEval is the mean of
#: prompt- and instruction-level strict accuracy, BBH/GPQA/MuSR acc_norm, MATH Lvl 5 exact match,
#: MMLU-PRO acc. Column names are those of the Sloth score table (``bundled:sloth_scores``).
MAPPING: tuple[Benchmark, ...] = (
    Benchmark("MMLU", ("mmlu",), ("acc,none",)),
    Benchmark("ARC", ("arc_challenge",), ("acc_norm,none", "acc,none")),
    Benchmark("HellaSwag", ("hellaswag",), ("acc_norm,none", "acc,none")),
    Benchmark("Winogrande", ("winogrande",), ("acc,none",)),
    Benchmark("TruthfulQA", ("truthfulqa_mc2",), ("acc,none",)),
    Benchmark("GSM8K", ("gsm8k",), ("exact_match,strict-match", "exact_match,flexible-extract")),
    Benchmark("IFEval", ("leaderboard_ifeval", "ifeval"),
              ("prompt_level_strict_acc,none", "inst_level_strict_acc,none"), "mean", "IFEval Raw"),
    Benchmark("BBH", ("leaderboard_bbh",), ("acc_norm,none",), contents="BBH Raw"),
    Benchmark("MATH Lvl 5", ("leaderboard_math_hard",), ("exact_match,none",), contents="MATH Lvl 5 Raw"),
    Benchmark("GPQA", ("leaderboard_gpqa",), ("acc_norm,none",), contents="GPQA Raw"),
    Benchmark("MUSR", ("leaderboard_musr",), ("acc_norm,none",), contents="MUSR Raw"),
    Benchmark("MMLU-PRO", ("leaderboard_mmlu_pro",), ("acc,none",), contents="MMLU-PRO Raw"),
)

#: Meta-table column names accepted for each output column.
META_ALIASES = {
    "Family": ("Family", "Model Family", "family"),
    PARAMS_COLUMN: (PARAMS_COLUMN, "Model Size (B)", "params_b"),
    TOKENS_COLUMN: (TOKENS_COLUMN, "tokens_t"),
    DATE_COLUMN: (DATE_COLUMN,),
}
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".parquet", ".pq", ".jsonl", ".ndjson")


def parse_mapping(items: Sequence[str] | None) -> dict[str, Benchmark]:
    """``TASK=COLUMN`` or ``TASK=COLUMN:METRIC`` entries (METRIC like ``acc`` or ``acc_norm,none``)."""
    out: dict[str, Benchmark] = {}
    for item in items or ():
        task, sep, rest = item.partition("=")
        column, _, metric = rest.partition(":")
        task, column, metric = task.strip(), column.strip(), metric.strip()
        if not sep or not task or not column:
            raise InputError(f"a mapping entry is TASK=COLUMN or TASK=COLUMN:METRIC, got {item!r}")
        if metric and "," not in metric:
            metric += ",none"
        out[task] = Benchmark(column, (task,), (metric,) if metric else ())
    return out


def _split_key(key: str) -> tuple[str, str]:
    metric, _, filt = key.partition(",")
    return metric, filt or "none"


def _number(value: Any, file: str, key: str) -> float:
    """A score in [0, 1]; text (even "0.5": the harness writes JSON numbers) is an error naming the key."""
    if isinstance(value, str):
        raise InputError(f"score {value!r} is text, not a number (the harness writes scores as JSON numbers)",
                         file=file, key=key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"score {value!r} is not a finite number", file=file, key=key)
    if not 0.0 <= float(value) <= 1.0:
        raise InputError(f"score {value!r} is outside [0, 1]", file=file, key=key)
    return float(value)


def _score(bench: Benchmark, task: str, metrics: Mapping[str, Any], file: str) -> float:
    """The benchmark's score from one task's metrics dictionary."""
    have = {_split_key(k): k for k in metrics if k != "alias" and "_stderr" not in k}
    shown = ", ".join(sorted(k for k in metrics if k != "alias" and "_stderr" not in k)) or "none"
    if bench.metrics:
        wanted = [_split_key(m) for m in bench.metrics]
        found = [have[w] for w in wanted if w in have]
        if bench.combine == "mean":
            if len(found) < len(wanted):
                missing = [",".join(w) for w in wanted if w not in have]
                raise InputError(f"task {task!r} lacks metric(s) {', '.join(missing)} for {bench.column} "
                                 f"(it has: {shown})", file=file, key=f"results.{task}")
            return float(np.mean([_number(metrics[k], file, f"results.{task}.{k}") for k in found]))
        if not found:
            raise InputError(f"task {task!r} has none of the metrics {', '.join(bench.metrics)} for "
                             f"{bench.column} (it has: {shown})", file=file, key=f"results.{task}")
        return _number(metrics[found[0]], file, f"results.{task}.{found[0]}")
    for name in DEFAULT_METRICS:
        keys = [k for (m, f), k in have.items() if m == name]
        keys.sort(key=lambda k: _split_key(k)[1] != "none")
        if keys:
            return _number(metrics[keys[0]], file, f"results.{task}.{keys[0]}")
    raise InputError(f"task {task!r} has none of the metrics {', '.join(DEFAULT_METRICS)} (it has: {shown}); "
                     f"name one in `mapping` as TASK=COLUMN:METRIC", file=file, key=f"results.{task}")


#: Open LLM Leaderboard v1 result files name tasks ``harness|<task>|<shots>`` with bare metric names.
_V1_TASKS = {"arc:challenge": "arc_challenge", "hellaswag": "hellaswag", "winogrande": "winogrande"}


def _from_leaderboard_v1(results: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Open LLM Leaderboard v1 results (``harness|arc:challenge|25``, ...) as harness task entries: MMLU
    is the mean accuracy over the ``hendrycksTest-*`` subjects (the v1 leaderboard's average), TruthfulQA
    its ``mc2``, GSM8K its ``acc`` (exact match); ``all`` (the leaderboard's own averages) is left out."""
    out: dict[str, Any] = {}
    mmlu: list[float] = []
    for key, metrics in results.items():
        if key == "all":
            continue
        if not isinstance(metrics, dict):
            raise InputError("a task's metrics must be an object", file=file, key=f"results.{key}")
        parts = str(key).split("|")
        task = parts[1] if len(parts) == 3 and parts[0] == "harness" else str(key)
        if task.startswith("hendrycksTest-"):
            mmlu.append(_number(metrics.get("acc"), file, f"results.{key}.acc"))
        elif task == "truthfulqa:mc":
            out["truthfulqa_mc2"] = {"acc,none": metrics.get("mc2")} if "mc2" in metrics else metrics
        elif task == "gsm8k":
            out["gsm8k"] = {"exact_match,strict-match": metrics["acc"]} if "acc" in metrics else metrics
        else:
            out[_V1_TASKS.get(task, task)] = metrics
    if mmlu:
        out["mmlu"] = {"acc,none": float(np.mean(mmlu))}
    return out


def _model_name(doc: dict[str, Any], file: str) -> str:
    general = doc.get("config_general")
    name = doc.get("model_name") or (general.get("model_name") if isinstance(general, dict) else None)
    if isinstance(name, str) and name.strip():
        return name.strip()
    config = doc.get("config")
    args = config.get("model_args") if isinstance(config, dict) else None
    if isinstance(args, dict):
        args = ",".join(f"{k}={v}" for k, v in args.items())
    if isinstance(args, str):
        for part in args.split(","):
            key, _, value = part.partition("=")
            if key.strip() in ("pretrained", "model", "path") and value.strip():
                return value.strip()
    raise InputError("no model name: expected 'model_name', or 'pretrained=NAME' in config.model_args",
                     file=file, key="model_name")


def _related(task: str, mapped: set[str], subtasks: Mapping[str, Sequence[str]] | None) -> bool:
    """Whether ``task`` is a member (at any depth) or an enclosing group of a mapped task."""
    if subtasks:
        def members(group: str, seen: frozenset[str] = frozenset()) -> set[str]:
            out: set[str] = set()
            for sub in subtasks.get(group, ()) if group not in seen else ():
                out |= {sub} | members(sub, seen | {group})
            return out

        return (any(task in members(m) for m in mapped)
                or bool(members(task) & mapped))
    return any(task.startswith(m + "_") or m.startswith(task + "_") for m in mapped)


@dataclass
class _Row:
    model: str
    scores: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # column -> (value, date, file)
    meta: dict[str, Any] = field(default_factory=dict)


def _read_harness(path: Path, by_task: dict[str, Benchmark], rows: dict[str, _Row], skip_unknown: bool,
                  skipped: set[str]) -> int:
    """Read one harness result file into ``rows``; returns how many older scores it replaced."""
    from scalinglab.serialize import read_json

    file = str(path)
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise InputError("not an lm-evaluation-harness result file (expected a JSON object)", file=file)
    results = doc.get("results")
    if not isinstance(results, dict):
        raise InputError("no 'results' object: not an lm-evaluation-harness result file", file=file,
                         key="results")
    groups = doc.get("groups") if isinstance(doc.get("groups"), dict) else {}
    entries = {**groups, **results}
    if any(str(k).startswith("harness|") for k in results):
        entries = _from_leaderboard_v1(results, file)
    subtasks = doc.get("group_subtasks") if isinstance(doc.get("group_subtasks"), dict) else None
    model = _model_name(doc, file)
    date = doc.get("date")
    date = float(date) if isinstance(date, int | float) and not isinstance(date, bool) else -math.inf
    row = rows.setdefault(model, _Row(model))
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    n_params = config.get("model_num_parameters")
    if isinstance(n_params, int | float) and not isinstance(n_params, bool) and n_params > 0:
        row.meta.setdefault(PARAMS_COLUMN, float(n_params) / 1e9)
    mapped = set(by_task) & set(entries)
    replaced = 0
    for task, metrics in entries.items():
        if task in by_task:
            if not isinstance(metrics, dict):
                raise InputError("a task's metrics must be an object", file=file, key=f"results.{task}")
            bench = by_task[task]
            value = _score(bench, task, metrics, file)
            old = row.scores.get(bench.column)
            if old is not None:
                replaced += 1
                if old[1] > date:
                    continue
            row.scores[bench.column] = (value, date, file)
        elif not _related(task, mapped, subtasks):
            if not skip_unknown:
                raise InputError(f"unknown task {task!r}: map it to a benchmark column in `mapping` "
                                 f"(TASK=COLUMN[:METRIC]), or skip unmapped tasks with `skip_unknown`",
                                 file=file, key=f"results.{task}")
            skipped.add(task)
    if not mapped:
        raise InputError("no task of this file maps to a benchmark column (tasks: "
                         f"{', '.join(entries) or 'none'})", file=file, key="results")
    return replaced


def _read_contents(path: Path, rows: dict[str, _Row]) -> int:
    """Read an Open LLM Leaderboard contents export; returns how many duplicate rows were left out."""
    file = str(path)
    df = read_table(path)
    name_col = "fullname" if "fullname" in df.columns else "Model" if "Model" in df.columns else None
    if name_col is None:
        raise InputError("no model column (expected 'fullname', as in the leaderboard's contents export)",
                         file=file)
    cols = [b for b in MAPPING if b.contents and b.contents in df.columns]
    if not cols:
        wanted = ", ".join(b.contents for b in MAPPING if b.contents)
        raise InputError(f"no raw score columns (expected some of {wanted})", file=file)
    values = {b.column: numeric_column(df, b.contents, file=file, unit=True, what="score",
                                       hint=" (raw scores are fractions)") for b in cols}
    params = (numeric_column(df, PARAMS_COLUMN, file=file, what="size") if PARAMS_COLUMN in df.columns
              else None)
    upload = df["Upload To Hub Date"] if "Upload To Hub Date" in df.columns else None
    names = df[name_col]
    seen: set[str] = set()
    dropped = 0
    for i in range(len(df)):
        if pd.isna(names.iloc[i]) or not str(names.iloc[i]).strip():
            raise InputError("empty model name", file=file, row=i + 1, column=name_col)
        model = str(names.iloc[i]).strip()
        if model in seen:  # the export has one row per (model, precision): keep the first
            dropped += 1
            continue
        seen.add(model)
        row = rows.setdefault(model, _Row(model))
        for column, v in values.items():
            if not np.isnan(v[i]):
                row.scores[column] = (float(v[i]), -math.inf, file)
        if params is not None and params[i] > 0:  # a size of 0 is the leaderboard's "unknown"
            row.meta.setdefault(PARAMS_COLUMN, float(params[i]))
        if upload is not None and not pd.isna(upload.iloc[i]):
            row.meta.setdefault(UPLOAD_COLUMN, str(upload.iloc[i])[:10])
    return dropped


def _sources(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.rglob("results*.json"))
            if not found:
                raise InputError("no result files (results*.json) in this folder", file=str(p))
            files += found
        elif str(p).startswith("bundled:"):  # was "no such file"
            raise InputError("a bundled data set is a score table already (use it as DATA); import-scores reads "
                             "harness results and leaderboard exports", file=str(p))
        elif not p.exists():
            raise InputError("no such file", file=str(p))
        else:
            files.append(p)
    if not files:
        raise InputError("no result files given")
    return files


def _join_meta(rows: dict[str, _Row], meta: str | Path, key: str) -> None:
    file = str(meta)
    df = read_table(meta)
    if key not in df.columns:
        raise InputError("model column missing (the meta table is joined on it)", file=file, column=key)
    picked: dict[str, str] = {}
    for out, aliases in META_ALIASES.items():
        for a in aliases:
            if a in df.columns:
                picked[out] = a
                break
    numeric = {}
    for out in (PARAMS_COLUMN, TOKENS_COLUMN):
        if out in picked:
            numeric[out] = numeric_column(df, picked[out], file=file, positive=True,
                                          what="size" if out == PARAMS_COLUMN else "token count")
    extra = [c for c in df.columns if c != key and c not in picked.values()]
    index: dict[str, int] = {}
    for i, name in enumerate(df[key]):
        name = str(name).strip()
        if name in index:
            raise InputError(f"model {name!r} appears twice (rows {index[name] + 1} and {i + 1})",
                             file=file, row=i + 1, column=key)
        index[name] = i
    for model, row in rows.items():
        if model not in index:
            raise InputError(f"no row for model {model!r}", file=file, column=key)
        i = index[model]
        for out, col in picked.items():
            value = numeric[out][i] if out in numeric else df[col].iloc[i]
            if not pd.isna(value):
                row.meta[out] = float(value) if out in numeric else str(value)
        for col in extra:
            if not pd.isna(df[col].iloc[i]):
                row.meta[col] = df[col].iloc[i]


@dataclass
class ImportedScores(Result):
    """The score table built from result files (``frame``), and where it was written."""

    frame: pd.DataFrame
    benchmarks: tuple[str, ...]
    files: int
    replaced: int = 0
    duplicates: int = 0
    skipped_tasks: tuple[str, ...] = ()
    out: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "models": [str(m) for m in self.frame["Model"]],
                "benchmarks": list(self.benchmarks), "files": self.files,
                "missing_scores": int(self.frame[list(self.benchmarks)].isna().to_numpy().sum()),
                "replaced": self.replaced, "duplicates": self.duplicates,
                "skipped_tasks": list(self.skipped_tasks)}

    def text(self) -> str:
        where = f"wrote {self.out}" if self.out else "score table"
        lines = [f"{where}: {len(self.frame)} model(s) × {len(self.benchmarks)} benchmark(s) "
                 f"({', '.join(self.benchmarks)}) from {self.files} file(s)"]
        missing = int(self.frame[list(self.benchmarks)].isna().to_numpy().sum())
        if missing:
            lines.append(f"{missing} score(s) missing (blank cells)")
        if self.replaced:
            lines.append(f"{self.replaced} score(s) given again by another run: the newest run's kept")
        if self.duplicates:
            lines.append(f"{self.duplicates} duplicate leaderboard row(s) left out (first kept)")
        if self.skipped_tasks:
            lines.append(f"skipped unmapped tasks: {', '.join(self.skipped_tasks)}")
        return "\n".join(lines)

    def write(self, path: str | Path) -> None:
        """Write the table (CSV, TSV, Parquet or JSON Lines by suffix) atomically."""
        from scalinglab.data.write import write_table

        write_table(self.frame, path)
        self.out = str(path)


def import_scores(sources: Sequence[str | Path], *, mapping: Mapping[str, Benchmark] | None = None,
                  meta: str | Path | None = None, meta_key: str = "Model", family: str | None = None,
                  skip_unknown: bool = False) -> ImportedScores:
    """Read harness result files (folders are searched for ``results*.json``) and leaderboard contents
    tables into one score table.

    ``mapping`` (task name -> :class:`Benchmark`, see :func:`parse_mapping`) adds to or overrides
    :data:`MAPPING`; ``meta`` is a table joined on ``meta_key`` (every imported model needs a row) giving
    ``Family``, ``#Params (B)``, ``Pretraining Data Size (T)``, ``release_date`` and any other columns;
    ``family`` names the family of models the meta table leaves without one. When a model's benchmark is
    scored by several harness runs, the newest (the files' ``date``) is kept.
    """
    by_task = {t: b for b in MAPPING for t in b.tasks}
    by_task.update(mapping or {})
    rows: dict[str, _Row] = {}
    skipped: set[str] = set()
    files = _sources(sources)
    replaced = duplicates = 0
    for path in files:
        if path.suffix.lower() in TABLE_SUFFIXES:
            duplicates += _read_contents(path, rows)
        else:
            replaced += _read_harness(path, by_task, rows, skip_unknown, skipped)
    if meta is not None:
        _join_meta(rows, meta, meta_key)
    if family is not None:
        for row in rows.values():
            row.meta.setdefault("Family", family)
    order = list(dict.fromkeys([b.column for b in MAPPING] + [b.column for b in by_task.values()]))
    benchmarks = tuple(c for c in order if any(c in r.scores for r in rows.values()))
    records = []
    for row in rows.values():
        rec: dict[str, Any] = {"Model": row.model}
        if "Family" in row.meta:
            rec.update(dict.fromkeys(FAMILY_COLUMNS, row.meta["Family"]))
        if PARAMS_COLUMN in row.meta:
            rec.update(dict.fromkeys(SIZE_COLUMNS, row.meta[PARAMS_COLUMN]))
        rec.update({k: v for k, v in row.meta.items() if k not in ("Family", PARAMS_COLUMN)})
        rec.update({c: row.scores[c][0] if c in row.scores else np.nan for c in benchmarks})
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    front = [c for c in ("Model", *FAMILY_COLUMNS, *SIZE_COLUMNS, TOKENS_COLUMN, DATE_COLUMN, UPLOAD_COLUMN)
             if c in frame.columns]
    rest = [c for c in frame.columns if c not in front and c not in benchmarks]
    frame = frame[front + rest + list(benchmarks)]
    return ImportedScores(frame, benchmarks, len(files), replaced, duplicates, tuple(sorted(skipped)))
