"""The Sloth analyses behind ``scalinglab skills fit|predict|evaluate``, as library calls returning results.

* :func:`fit_skills`: fit :class:`~scalinglab.skills.sloth.Sloth` on every model of a score table
  (:class:`SkillsFit`: loadings, slopes, floors; ``save_model`` writes the model file).
* :func:`predict_family`: predict a family's larger models from its ``k`` smallest, refitting on the
  table less those models, or with a saved model (checked against the options the caller gave and
  the training models it recorded) (:class:`FamilyPrediction`).
* :func:`evaluate_skills`: the paper's leave-family-group-out protocol with the published numbers
  beside it where the setting matches (Maia Polo et al. 2025, Fig. 1) (:class:`SkillsEvaluation`).

Every result follows :class:`scalinglab.results.Result`. Errors name parameters as `name`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scalinglab.errors import InputError
from scalinglab.events import ProgressCallback
from scalinglab.results import Result
from scalinglab.seeding import check_whole
from scalinglab.skills.sloth import FEATURE_NAMES, METHODS, Sloth
from scalinglab.skills.sloth_data import ScoreTable, load_scores, resolve_benchmarks

__all__ = ["FamilyPrediction", "SkillsEvaluation", "SkillsFit", "evaluate_skills", "fit_skills",
           "load_table", "predict_family"]


def check_method(method: str) -> None:
    """An unknown method is an InputError listing the methods."""
    if method not in METHODS:
        raise InputError(f"unknown `method` {method!r}; choose one of {', '.join(METHODS)}")


def load_table(data: str, suite: str = "v2", benchmarks: str | None = None,
               family_column: str | None = None) -> ScoreTable:
    """The score table of ``data`` (a path or ``bundled:NAME``) for a suite or benchmark list."""
    from scalinglab.skills.observational import resolve_path

    names = resolve_benchmarks(None if benchmarks else suite, benchmarks)
    resolve_path(data)  # a missing file or bundled name is one error naming it
    return load_scores(str(data), names, family_column=family_column)  # errors say bundled:NAME, not its path


def _fmt_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    return [title, line(header), *[line(r) for r in rows]]


def _training_models(table: ScoreTable) -> dict[str, list[str]]:
    """Training models by family, each family's in size order (the table is sorted that way)."""
    out: dict[str, list[str]] = {}
    for m, f in zip(table.models, table.families, strict=True):
        out.setdefault(str(f), []).append(str(m))
    return out


# -- fit ---------------------------------------------------------------------------------------------------
@dataclass
class SkillsFit(Result):
    """A Sloth model fitted on a whole score table, with what the report shows of it."""

    model: Sloth
    table: ScoreTable
    data: str
    suite: str | None
    family_column: str | None
    min_models: int
    model_file: str | None = None

    def save_model(self, path: str | Path) -> None:
        """Write the model file (for ``predict_family(model_file=...)``) with its provenance."""
        from datetime import UTC, datetime

        from scalinglab import __version__

        t = self.table
        self.model.save(path, provenance={
            "data": self.data, "suite": self.suite, "family_column": self.family_column,
            "min_models": self.min_models, "n_models": len(t), "n_dropped_rows": t.n_dropped,
            "training_models": _training_models(t), "created_by": f"scalinglab {__version__}",
            "created": datetime.now(UTC).isoformat(timespec="seconds")})
        self.model_file = str(path)

    def to_dict(self) -> dict[str, Any]:
        m, t = self.model, self.table
        out: dict[str, Any] = {
            "method": m.method, "skills": m.loadings_.shape[0], "seed": m.seed, "n_models": len(t),
            "n_families": len(m.families_), "n_dropped_rows": t.n_dropped,
            "benchmarks": list(t.benchmarks), "train_mae_pp": 100 * m.train_mae_,
            "floors": dict(zip(t.benchmarks, m.floors_.tolist(), strict=True)),
            "loadings": {b: m.loadings_[:, j].tolist() for j, b in enumerate(t.benchmarks)},
            "bias": dict(zip(t.benchmarks, m.bias_.tolist(), strict=True)),
        }
        names = ("log F",) if m.method.startswith("flops") else FEATURE_NAMES
        out["slopes"] = {f: m.slopes_[i].tolist() for i, f in enumerate(names)}
        if m.method != "flops-shared":
            out["family_intercepts"] = {f: m.family_intercepts_[i].tolist() for i, f in enumerate(m.families_)}
        if self.model_file is not None:
            out["model_file"] = self.model_file
        return out

    def text(self) -> str:
        m, t = self.model, self.table
        lines = [f"Sloth [{m.method}] on {t.source}: {len(t)} models, {len(m.families_)} families, "
                 f"{len(t.benchmarks)} benchmarks ({t.n_dropped} incomplete rows left out); training MAE "
                 f"{100 * m.train_mae_:.2f} pp"]
        if m.method.startswith("flops"):
            lines += _fmt_table("log-FLOPs law per benchmark", ("benchmark", "slope", "floor c"),
                                [(b, f"{m.slopes_[0, j]:.3f}", f"{m.floors_[j]:.3f}")
                                 for j, b in enumerate(t.benchmarks)])
        else:
            skills = [f"skill {i + 1}" for i in range(m.loadings_.shape[0])]
            lines += _fmt_table("Loadings λ (standardised, varimax-rotated skills)",
                                ("benchmark", *skills, "floor c"),
                                [(b, *[f"{v:.3f}" for v in m.loadings_[:, j]], f"{m.floors_[j]:.3f}")
                                 for j, b in enumerate(t.benchmarks)])
            lines += _fmt_table("Skill slopes β (shared by all families)", ("feature", *skills),
                                [(f, *[f"{v:.3f}" for v in m.slopes_[i]]) for i, f in enumerate(FEATURE_NAMES)])
        if self.model_file is not None:
            lines.append(f"wrote {self.model_file}")
        return "\n".join(lines)


def fit_skills(data: str, *, suite: str = "v2", benchmarks: str | None = None, skills: int = 2,
               method: str = "sloth", seed: int = 0, family_column: str | None = None,
               min_models: int = 1) -> SkillsFit:
    """Fit the skills law on every model of ``data`` (families with at least ``min_models`` models)."""
    check_method(method)
    check_whole(min_models, "min_models", 1, "a whole number of at least 1")
    table = load_table(data, suite, benchmarks, family_column).with_min_models(min_models)
    if len(table) == 0:
        raise InputError(f"no family has {min_models} complete models")
    model = Sloth(skills, method, seed=seed).fit(table.params_b, table.tokens_t, table.families, table.scores,
                                                 benchmarks=table.benchmarks, floors=table.floors)
    return SkillsFit(model, table, data, None if benchmarks else suite, family_column, min_models)


# -- predict -----------------------------------------------------------------------------------------------
@dataclass
class FamilyPrediction(Result):
    """Predicted (and, for held-out models, actual) scores of a family's models."""

    family: str
    model: Sloth
    test: ScoreTable
    points: list[tuple[float, float]]
    trained_on: list[str]
    n_other: int
    model_file: str | None = None
    predicted: np.ndarray = field(init=False, repr=False)   # (held-out models, J)

    def __post_init__(self) -> None:
        m = self.model
        self.predicted = (m.predict(self.test.params_b, self.test.tokens_t, self.test.families)
                          if len(self.test) else np.empty((0, len(m.benchmarks_))))

    @property
    def mae_pp(self) -> float | None:
        """MAE (pp) over the held-out models and benchmarks; None without held-out models."""
        return 100 * float(np.mean(np.abs(self.predicted - self.test.scores))) if len(self.test) else None

    def rows(self) -> list[dict[str, Any]]:
        bench, t = self.model.benchmarks_, self.test
        rows = [{"model": str(t.models[i]), "params_b": float(t.params_b[i]), "tokens_t": float(t.tokens_t[i]),
                 "predicted": dict(zip(bench, self.predicted[i].tolist(), strict=True)),
                 "actual": dict(zip(bench, t.scores[i].tolist(), strict=True))} for i in range(len(t))]
        for s, tok in self.points:
            pred = self.model.predict([s], [tok], [self.family])[0]
            rows.append({"model": f"{self.family} {s:g}B/{tok:g}T (hypothetical)", "params_b": s,
                         "tokens_t": tok, "predicted": dict(zip(bench, pred.tolist(), strict=True)),
                         "actual": None})
        return rows

    def to_dict(self) -> dict[str, Any]:
        m = self.model
        return {"family": self.family, "method": m.method, "skills": m.n_skills, "seed": m.seed,
                "trained_on": self.trained_on, "predictions": self.rows(), "mae_pp": self.mae_pp,
                "model_file": self.model_file}

    def text(self) -> str:
        m, bench = self.model, self.model.benchmarks_
        saved = "" if self.model_file is None else f", saved model {self.model_file}"
        lines = [f"{self.family}: fitted with {', '.join(self.trained_on) or 'none of its models'} (and "
                 f"{self.n_other} models of other families) [{m.method}{saved}]"]
        cells = []
        for r in self.rows():
            cells.append((r["model"], *[f"{100 * r['predicted'][b]:.1f}" if r["actual"] is None else
                                        f"{100 * r['predicted'][b]:.1f} ({100 * r['actual'][b]:.1f})"
                                        for b in bench]))
        lines += _fmt_table("Predicted (actual) scores, %", ("model", *bench), cells)
        if self.mae_pp is not None:
            lines.append(f"MAE over {len(self.test)} held-out model(s) × {len(bench)} benchmarks: "
                         f"{self.mae_pp:.2f} pp")
        return "\n".join(lines)


def _empty_table(benchmarks: Sequence[str], source: str) -> ScoreTable:
    J = len(benchmarks)
    return ScoreTable(np.array([], dtype=str), np.array([], dtype=str), np.empty(0), np.empty(0),
                      np.empty((0, J)), tuple(benchmarks), np.zeros(J), source)


def _refit_split(data: str | None, family: str, points: list, k: int, suite: str, benchmarks: str | None,
                 skills: int, method: str, seed: int, family_column: str | None) -> tuple:
    """Fit on DATA less FAMILY's larger models: (model, held-out table, trained_on, n_other)."""
    from scalinglab.skills.sloth_protocol import split_fold

    if data is None:
        raise InputError("give DATA (the score table to fit on), or `model_file` MODEL.json from "
                         "`scalinglab skills fit DATA --out MODEL.json`")
    table = load_table(data, suite, benchmarks, family_column)
    counts = table.family_counts()
    if family not in counts:
        close = [f for f in counts if family.lower() in f.lower()][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise InputError(f"family {family!r} has no complete model in {table.source}{hint}")
    if counts[family] <= k and not points:
        raise InputError(f"family {family!r} has {counts[family]} complete model(s); `train_per_family` {k} "
                         f"needs at least {k + 1} ({k} to train on, 1 to predict), or give `points`")
    if counts[family] < k:
        raise InputError(f"family {family!r} has {counts[family]} complete model(s), fewer than "
                         f"`train_per_family` {k}")
    train, test = split_fold(table, [family], min(k, counts[family] - 1)) \
        if counts[family] > k else (table, table.subset(np.zeros(len(table), bool)))
    model = Sloth(skills, method, seed=seed).fit(train.params_b, train.tokens_t, train.families, train.scores,
                                                 benchmarks=train.benchmarks, floors=train.floors)
    trained_on = [str(m) for m, f in zip(train.models, train.families, strict=True) if f == family]
    return model, test, trained_on, len(train) - len(trained_on)


def _check_saved(model: Sloth, src: str, family: str, given: dict[str, Any], suite: str,
                 benchmarks: str | None) -> None:
    """Options the caller gave must agree with the saved model; the family must be in it."""
    for name, saved in (("method", model.method), ("skills", model.n_skills), ("seed", model.seed)):
        if name in given and given[name] != saved:
            raise InputError(f"`{name}` {given[name]} differs from the saved model's ({saved}); leave it out "
                             "with `model_file`", file=src)
    if "benchmarks" in given or "suite" in given:
        if resolve_benchmarks(None if benchmarks else suite, benchmarks) != model.benchmarks_:
            raise InputError(f"{'`benchmarks`' if benchmarks else '`suite` ' + suite} differs from the "
                             f"saved model's benchmarks ({', '.join(model.benchmarks_)}); leave it out "
                             "with `model_file`", file=src)
    if model.method != "flops-shared" and family not in model.families_:
        close = [f for f in model.families_ if family.lower() in f.lower()][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise InputError(f"family {family!r} was not in the model's training data, so its intercept "
                         "is unknown: fit with at least one of its models (`scalinglab skills fit DATA "
                         f"--out MODEL.json`){hint}", file=src)


def _saved_split(model_file: str | Path, data: str | None, family: str, points: list, k: int,
                 given: dict[str, Any], suite: str, benchmarks: str | None,
                 family_column: str | None) -> tuple:
    """Load a saved model; held out = FAMILY's models in DATA that it was not fitted on."""
    from scalinglab.skills.observational import resolve_path

    src = str(model_file)
    model = Sloth.load(model_file)
    _check_saved(model, src, family, given, suite, benchmarks)
    recorded = model.provenance_.get("training_models")
    trained = list(recorded.get(family, [])) if recorded is not None else None
    if trained is not None and "train_per_family" in given and k != len(trained):
        raise InputError(f"`train_per_family` {k} differs from the saved model, which was fitted on "
                         f"{len(trained)} model(s) of {family!r}; leave it out with `model_file`", file=src)
    if data is None:
        if not points:
            raise InputError("give DATA (the family's models, with their actual scores) or `points` "
                             "to predict with `model_file`")
        return model, _empty_table(model.benchmarks_, src), trained or [], len(model.skills_) - len(trained or [])
    resolve_path(data)
    table = load_scores(str(data), model.benchmarks_, family_column=family_column)
    rows = np.flatnonzero(table.families == family)
    if not rows.size and not points:
        raise InputError(f"family {family!r} has no complete model in {table.source}; give `points` "
                         "to predict")
    if trained is None:     # no record of the training models: the k smallest were trained on
        trained = [str(m) for m in table.models[rows[:k]]]
    held = rows[~np.isin(table.models[rows], trained)]
    if not held.size and not points:
        raise InputError(f"every complete model of family {family!r} in {table.source} was used to fit "
                         "the model, so none is held out to predict; give `points`", file=src)
    return model, table.subset(held), trained, len(model.skills_) - len(trained)


def parse_points(text: str | None) -> list[tuple[float, float]]:
    """``points`` as text, PARAMS_B:TOKENS_T pairs, comma-separated (``70:15,405:15``)."""
    points = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        try:
            s, t = (float(v) for v in item.split(":"))
        except ValueError:
            raise InputError(f"`points` expects PARAMS_B:TOKENS_T pairs like 70:15, got {item!r}") from None
        if not (0 < s < math.inf and 0 < t < math.inf):  # inf:15 was predicted as a row of nan
            raise InputError(f"`points` sizes and token counts must be positive finite numbers, got {item!r}")
        points.append((s, t))
    return points


def predict_family(family: str, data: str | None = None, *, train_per_family: int = 1,
                   points: Sequence[tuple[float, float]] | str | None = (), model_file: str | Path | None = None,
                   suite: str = "v2", benchmarks: str | None = None, skills: int = 2, method: str = "sloth",
                   seed: int = 0, family_column: str | None = None,
                   given: Collection[str] = ()) -> FamilyPrediction:
    """Predict ``family``'s larger models of ``data`` (and hypothetical ``points``: (size B, tokens T)).

    Without ``model_file`` the law is refitted on ``data`` less the family's models beyond its
    ``train_per_family`` smallest; with it, the saved model predicts the family's models it was not
    fitted on. ``given`` names the options the caller set explicitly: with a saved model they must
    agree with it (``method``, ``skills``, ``seed``, ``benchmarks``/``suite``, ``train_per_family``).
    """
    check_method(method)
    if train_per_family < 1:
        raise InputError("`train_per_family` must be at least 1 (the family intercept needs a model)")
    points = parse_points(points) if isinstance(points, str) or points is None else list(points)
    if model_file is None:
        split = _refit_split(data, family, points, train_per_family, suite, benchmarks, skills, method, seed,
                             family_column)
    else:
        opts = {"method": method, "skills": skills, "seed": seed, "benchmarks": benchmarks, "suite": suite,
                "train_per_family": train_per_family}
        split = _saved_split(model_file, data, family, points, train_per_family,
                             {k: v for k, v in opts.items() if k in given}, suite, benchmarks, family_column)
    model, test, trained_on, n_other = split
    return FamilyPrediction(family, model, test, points, trained_on, n_other,
                            None if model_file is None else str(model_file))


# -- evaluate ----------------------------------------------------------------------------------------------
@dataclass
class SkillsEvaluation(Result):
    """The leave-family-group-out result with the paper's numbers where the setting matches."""

    result: Any                 # sloth_protocol.EvalResult
    table: ScoreTable
    suite: str | None
    paper_mae_pp: float | None
    paper_folds_mae_pp: dict[str, float | None] | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "paper_mae_pp": self.paper_mae_pp,
                "paper_folds_mae_pp": self.paper_folds_mae_pp}

    def text(self) -> str:
        r, paper_folds = self.result, self.paper_folds_mae_pp
        header = ["held-out families", "test models", "MAE", *(["paper"] if paper_folds else [])]
        rows = []
        for name, mae in r.folds.items():
            cells = [name, str(r.n_test_models[name]), f"{mae:.2f}"]
            if paper_folds:
                pv = paper_folds.get(name)
                cells.append("" if pv is None else f"{pv:.2f}")
            rows.append(cells)
        title = (f"Leave-family-out MAE (pp): {r.method}, d={r.n_skills}, k={r.train_per_family}, "
                 f"suite={self.suite or ','.join(self.table.benchmarks)}")
        line = f"fold-averaged MAE: {r.mae_pp:.2f} pp"
        if self.paper_mae_pp is not None:
            line += f" (paper: {self.paper_mae_pp:.2f})"
        return "\n".join([*_fmt_table(title, header, rows), line + f"; run time {r.seconds:.1f} s"])


def evaluate_skills(data: str, *, suite: str = "v2", benchmarks: str | None = None, train_per_family: int = 1,
                    skills: int = 2, method: str = "sloth", seed: int = 0, folds: str = "auto",
                    only: Sequence[str] | None = None, family_column: str | None = None,
                    progress: ProgressCallback | None = None) -> SkillsEvaluation:
    """Leave-family-group-out evaluation (paper Fig. 1): fold-averaged MAE in pp, with run time.

    ``progress`` gets one :class:`~scalinglab.events.Progress` per fold (``item`` the fold,
    ``info["mae_pp"]`` its MAE).
    """
    from scalinglab.skills import sloth_protocol as proto

    check_method(method)
    table = load_table(data, suite, benchmarks, family_column)
    suite_name = None if benchmarks else suite
    res = proto.evaluate(table, k=train_per_family, n_skills=skills, method=method, seed=seed,
                         suite=suite_name, folds=folds, only=only, progress=progress)
    k1_v2 = suite_name == "v2" and train_per_family == 1
    paper = proto.PAPER_MAE_PP.get(method) if k1_v2 and (skills == 2 or method.startswith("flops")) else None
    paper_folds = ({n: proto.PAPER_FOLD_MAE_PP[method].get(n) for n in res.folds}
                   if k1_v2 and method in proto.PAPER_FOLD_MAE_PP and (skills == 2 or method == "flops")
                   else None)
    return SkillsEvaluation(res, table, suite_name, None if only else paper, paper_folds)
