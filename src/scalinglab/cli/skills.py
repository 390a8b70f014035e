"""``scalinglab skills``: Sloth skills scaling laws (Maia Polo et al. 2025, arXiv:2412.06540).

* ``fit``: fit the law on a score table and show the interpretable skills (loadings, slopes);
  ``--out MODEL.json`` saves the fitted model.
* ``predict``: predict a family's larger models from its smallest one(s), refitting, or with
  ``--model MODEL.json`` from a saved model (no refit).
* ``evaluate``: the paper's leave-family-group-out protocol (fold-averaged MAE in pp).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scalinglab.cli.common import LazyModule, echo_json, handle_errors
from scalinglab.errors import InputError

np = LazyModule("numpy")

skills_app = typer.Typer(
    help="Sloth skills scaling laws: latent skills from size and tokens with family-specific "
         "efficiency; predict a new family's larger models from its smallest one.",
    no_args_is_help=True,
)

_DATA_HELP = ("Score table CSV (one row per model: family, '#Params (B)', 'Pretraining Data Size (T)', "
              "one column per benchmark with scores in [0, 1]); 'bundled:sloth_scores' for the paper's table.")
DataArg = Annotated[str, typer.Argument(help=_DATA_HELP)]
SuiteOpt = Annotated[str, typer.Option("--suite", help="Benchmarks: v1 (Open LLM Leaderboard v1), "
                                                        "v2 (Leaderboard v2) or all (both).")]
BenchOpt = Annotated[str | None, typer.Option(
    "--benchmarks", help="Comma-separated benchmark columns instead of --suite.")]
SkillsOpt = Annotated[int, typer.Option("--skills", "-d", help="Number of latent skills d.")]
MethodOpt = Annotated[str, typer.Option(
    "--method", help="sloth (trained monotone link, learned floors), basic (sigmoid, chance "
                     "floors), flops (log-FLOPs law per benchmark, family intercepts) or "
                     "flops-shared (one intercept).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the random starts (fits are "
                                                     "deterministic given it).")]
KOpt = Annotated[int, typer.Option("--train-per-family", "-k",
                                   help="Smallest models of each held-out family kept in training.")]
FamColOpt = Annotated[str | None, typer.Option(
    "--family-column", help="Column with the family (default: Family2, else Family).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", help="Also write predicted vs actual scores of the held-out models as a figure "
                   "(.png or .svg).")]

_console = Console(soft_wrap=True, width=120)


def register(app: typer.Typer) -> None:
    app.add_typer(skills_app, name="skills")


def _load(data: str, suite: str, benchmarks: str | None, family_column: str | None):
    from scalinglab.skills.observational import resolve_path
    from scalinglab.skills.sloth_data import load_scores, resolve_benchmarks

    names = resolve_benchmarks(None if benchmarks else suite, benchmarks)
    return load_scores(str(resolve_path(data)), names, family_column=family_column)


def _check_method(method: str) -> None:
    from scalinglab.skills.sloth import METHODS

    if method not in METHODS:
        raise InputError(f"unknown --method {method!r}; choose one of {', '.join(METHODS)}")


def _check_plot(plot: Path | None) -> None:
    if plot is not None:
        from scalinglab.report.skill_figures import check_plot_path

        check_plot_path(plot)


def _fmt(x: float, nd: int = 3) -> str:
    return f"{x:.{nd}f}"


def _given(ctx: typer.Context | None, name: str) -> bool:
    """Whether option ``name`` was given (command line or environment), not left at its default."""
    source = ctx.get_parameter_source(name) if ctx is not None else None
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _check_out(out: Path | None) -> None:
    from scalinglab.atomic import check_writable

    if out is not None and out.is_dir():
        raise InputError("is a directory; give a file name such as model.json", file=str(out))
    if out is not None:
        check_writable(out)


def _training_models(table) -> dict[str, list[str]]:
    """Training models by family, each family's in size order (the table is sorted that way)."""
    out: dict[str, list[str]] = {}
    for m, f in zip(table.models, table.families, strict=True):
        out.setdefault(str(f), []).append(str(m))
    return out


@skills_app.command("fit")
@handle_errors
def fit(data: DataArg, suite: SuiteOpt = "v2", benchmarks: BenchOpt = None, skills: SkillsOpt = 2,
        method: MethodOpt = "sloth", seed: SeedOpt = 0, family_column: FamColOpt = None,
        min_models: Annotated[int, typer.Option(
            "--min-models", help="Leave out families with fewer complete models.")] = 1,
        out_path: Annotated[Path | None, typer.Option(
            "--out", help="Save the fitted model as JSON here, for `skills predict --model`.")] = None,
        json: JsonOpt = False) -> None:
    """Fit the skills law on every model of DATA and show the skills it found."""
    from scalinglab.skills.sloth import FEATURE_NAMES, Sloth

    _check_method(method)
    _check_out(out_path)
    table = _load(data, suite, benchmarks, family_column).with_min_models(min_models)
    if len(table) == 0:
        raise InputError(f"no family has {min_models} complete models")
    model = Sloth(skills, method, seed=seed).fit(table.params_b, table.tokens_t, table.families,
                                                 table.scores, benchmarks=table.benchmarks,
                                                 floors=table.floors)
    if out_path is not None:
        from datetime import UTC, datetime

        from scalinglab import __version__

        model.save(out_path, provenance={
            "data": data, "suite": None if benchmarks else suite, "family_column": family_column,
            "min_models": min_models, "n_models": len(table), "n_dropped_rows": table.n_dropped,
            "training_models": _training_models(table),
            "created_by": f"scalinglab {__version__}",
            "created": datetime.now(UTC).isoformat(timespec="seconds")})
    n_sk = model.loadings_.shape[0]
    skill_names = [f"skill {i + 1}" for i in range(n_sk)]
    out: dict[str, Any] = {
        "method": method, "skills": n_sk, "seed": seed, "n_models": len(table),
        "n_families": len(model.families_), "n_dropped_rows": table.n_dropped,
        "benchmarks": list(table.benchmarks), "train_mae_pp": 100 * model.train_mae_,
        "floors": dict(zip(table.benchmarks, model.floors_.tolist(), strict=True)),
        "loadings": {b: model.loadings_[:, j].tolist() for j, b in enumerate(table.benchmarks)},
        "bias": dict(zip(table.benchmarks, model.bias_.tolist(), strict=True)),
    }
    if not method.startswith("flops"):
        out["slopes"] = {f: model.slopes_[i].tolist() for i, f in enumerate(FEATURE_NAMES)}
    else:
        out["slopes"] = {"log F": model.slopes_[0].tolist()}
    if method != "flops-shared":
        out["family_intercepts"] = {f: model.family_intercepts_[i].tolist()
                                    for i, f in enumerate(model.families_)}
    if out_path is not None:
        out["model_file"] = str(out_path)
    if json:
        echo_json(out)
        return
    _console.print(f"Sloth \\[{method}] on {table.source}: {len(table)} models, "
                   f"{len(model.families_)} families, {len(table.benchmarks)} benchmarks "
                   f"({table.n_dropped} incomplete rows left out); training MAE "
                   f"{100 * model.train_mae_:.2f} pp")
    if method.startswith("flops"):
        tab = Table(title="log-FLOPs law per benchmark")
        for col in ("benchmark", "slope", "floor c"):
            tab.add_column(col, justify="right" if col != "benchmark" else "left")
        for j, b in enumerate(table.benchmarks):
            tab.add_row(b, _fmt(model.slopes_[0, j]), _fmt(model.floors_[j]))
        _console.print(tab)
    else:
        tab = Table(title="Loadings λ (standardised, varimax-rotated skills)")
        tab.add_column("benchmark")
        for s in skill_names:
            tab.add_column(s, justify="right")
        tab.add_column("floor c", justify="right")
        for j, b in enumerate(table.benchmarks):
            tab.add_row(b, *[_fmt(v) for v in model.loadings_[:, j]], _fmt(model.floors_[j]))
        _console.print(tab)
        tab2 = Table(title="Skill slopes β (shared by all families)")
        tab2.add_column("feature")
        for s in skill_names:
            tab2.add_column(s, justify="right")
        for i, f in enumerate(FEATURE_NAMES):
            tab2.add_row(f, *[_fmt(v) for v in model.slopes_[i]])
        _console.print(tab2)
    if out_path is not None:
        _console.print(f"wrote {out_path}", markup=False)


def _parse_points(text: str | None) -> list[tuple[float, float]]:
    if not text:
        return []
    points = []
    for item in text.split(","):
        try:
            s, t = (float(v) for v in item.split(":"))
        except ValueError:
            raise InputError(f"--at expects PARAMS_B:TOKENS_T pairs like 70:15, got {item!r}") from None
        if not (s > 0 and t > 0):
            raise InputError(f"--at sizes and token counts must be positive, got {item!r}")
        points.append((s, t))
    return points


def _empty_table(benchmarks, source: str):
    from scalinglab.skills.sloth_data import ScoreTable

    J = len(benchmarks)
    return ScoreTable(np.array([], dtype=str), np.array([], dtype=str), np.empty(0), np.empty(0),
                      np.empty((0, J)), tuple(benchmarks), np.zeros(J), source)


def _refit_split(data: str | None, family: str, points: list, train_per_family: int, suite: str,
                 benchmarks: str | None, skills: int, method: str, seed: int,
                 family_column: str | None):
    """Fit on DATA less FAMILY's larger models: (model, held-out table, trained_on, n_other)."""
    from scalinglab.skills.sloth import Sloth
    from scalinglab.skills.sloth_protocol import split_fold

    if data is None:
        raise InputError("give DATA (the score table to fit on), or --model MODEL.json from "
                         "`scalinglab skills fit DATA --out MODEL.json`")
    table = _load(data, suite, benchmarks, family_column)
    counts = table.family_counts()
    if family not in counts:
        close = [f for f in counts if family.lower() in f.lower()][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise InputError(f"family {family!r} has no complete model in {table.source}{hint}")
    if counts[family] <= train_per_family and not points:
        raise InputError(f"family {family!r} has {counts[family]} complete model(s); "
                         f"--train-per-family {train_per_family} needs at least "
                         f"{train_per_family + 1} ({train_per_family} to train on, 1 to predict), "
                         "or give --at")
    if counts[family] < train_per_family:
        raise InputError(f"family {family!r} has {counts[family]} complete model(s), fewer than "
                         f"--train-per-family {train_per_family}")
    train, test = split_fold(table, [family], min(train_per_family, counts[family] - 1)) \
        if counts[family] > train_per_family else (table, table.subset(np.zeros(len(table), bool)))
    model = Sloth(skills, method, seed=seed).fit(train.params_b, train.tokens_t, train.families,
                                                 train.scores, benchmarks=train.benchmarks,
                                                 floors=train.floors)
    trained_on = [str(m) for m, f in zip(train.models, train.families, strict=True) if f == family]
    return model, test, trained_on, len(train) - len(trained_on)


def _saved_split(ctx: typer.Context | None, model_file: Path, data: str | None, family: str, points: list, train_per_family: int,
                 suite: str, benchmarks: str | None, skills: int, method: str, seed: int,
                 family_column: str | None):
    """Load a saved model; held out = FAMILY's models in DATA that it was not fitted on."""
    from scalinglab.skills.observational import resolve_path
    from scalinglab.skills.sloth import Sloth
    from scalinglab.skills.sloth_data import load_scores, resolve_benchmarks

    src = str(model_file)
    model = Sloth.load(model_file)
    for opt, name, given, saved in (("--method", "method", method, model.method),
                                    ("--skills", "skills", skills, model.n_skills),
                                    ("--seed", "seed", seed, model.seed)):
        if _given(ctx, name) and given != saved:
            raise InputError(f"{opt} {given} differs from the saved model's ({saved}); leave it out "
                             "with --model", file=src)
    if _given(ctx, "benchmarks") or _given(ctx, "suite"):
        wanted = resolve_benchmarks(None if benchmarks else suite, benchmarks)
        if wanted != model.benchmarks_:
            raise InputError(f"{'--benchmarks' if benchmarks else '--suite ' + suite} differs from the "
                             f"saved model's benchmarks ({', '.join(model.benchmarks_)}); leave it out "
                             "with --model", file=src)
    if model.method != "flops-shared" and family not in model.families_:
        close = [f for f in model.families_ if family.lower() in f.lower()][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise InputError(f"family {family!r} was not in the model's training data, so its intercept "
                         "is unknown: fit with at least one of its models (`scalinglab skills fit DATA "
                         f"--out MODEL.json`){hint}", file=src)
    recorded = model.provenance_.get("training_models")
    trained = list(recorded.get(family, [])) if recorded is not None else None
    if trained is not None and _given(ctx, "train_per_family") and train_per_family != len(trained):
        raise InputError(f"--train-per-family {train_per_family} differs from the saved model, which "
                         f"was fitted on {len(trained)} model(s) of {family!r}; leave it out with "
                         "--model", file=src)
    if data is None:
        if not points:
            raise InputError("give DATA (the family's models, with their actual scores) or --at "
                             "points to predict with --model")
        return model, _empty_table(model.benchmarks_, src), trained or [], len(model.skills_) - len(
            trained or [])
    table = load_scores(str(resolve_path(data)), model.benchmarks_, family_column=family_column)
    rows = np.flatnonzero(table.families == family)
    if not rows.size and not points:
        raise InputError(f"family {family!r} has no complete model in {table.source}; give --at "
                         "points to predict")
    if trained is None:     # no record of the training models: the k smallest were trained on
        trained = [str(m) for m in table.models[rows[:train_per_family]]]
    held = rows[~np.isin(table.models[rows], trained)]
    if not held.size and not points:
        raise InputError(f"every complete model of family {family!r} in {table.source} was used to fit "
                         "the model, so none is held out to predict; give --at points", file=src)
    return model, table.subset(held), trained, len(model.skills_) - len(trained)


@skills_app.command("predict")
@handle_errors
def predict(ctx: typer.Context,
            family: Annotated[str, typer.Option("--family", "-f", help="Family to predict.")],
            data: Annotated[str | None, typer.Argument(
                help=_DATA_HELP + " Optional with --model when only --at points are predicted.")] = None,
            train_per_family: KOpt = 1, suite: SuiteOpt = "v2", benchmarks: BenchOpt = None,
            skills: SkillsOpt = 2, method: MethodOpt = "sloth", seed: SeedOpt = 0,
            at: Annotated[str | None, typer.Option(
                "--at", help="Also predict hypothetical models of the family: PARAMS_B:TOKENS_T, "
                             "comma-separated (e.g. 70:15,405:15).")] = None,
            model_file: Annotated[Path | None, typer.Option(
                "--model", help="Saved model from `skills fit --out`: predict with it instead of "
                                "refitting (it predicts the family's models of DATA it was not "
                                "fitted on).")] = None,
            family_column: FamColOpt = None, json: JsonOpt = False, plot: PlotOpt = None) -> None:
    """Predict FAMILY's larger models from its k smallest (all other families fully used)."""
    _check_method(method)
    _check_plot(plot)
    if train_per_family < 1:
        raise InputError("--train-per-family must be at least 1 (the family intercept needs a model)")
    points = _parse_points(at)
    args = (data, family, points, train_per_family, suite, benchmarks, skills, method, seed, family_column)
    model, test, trained_on, n_other = (_refit_split(*args) if model_file is None
                                        else _saved_split(ctx, model_file, *args))
    method, skills, seed = model.method, model.n_skills, model.seed
    bench = model.benchmarks_
    rows = []
    if len(test):
        pred = model.predict(test.params_b, test.tokens_t, test.families)
        for i in range(len(test)):
            rows.append({"model": str(test.models[i]), "params_b": float(test.params_b[i]),
                         "tokens_t": float(test.tokens_t[i]),
                         "predicted": dict(zip(bench, pred[i].tolist(), strict=True)),
                         "actual": dict(zip(bench, test.scores[i].tolist(), strict=True))})
    for s, t in points:
        pred = model.predict([s], [t], [family])[0]
        rows.append({"model": f"{family} {s:g}B/{t:g}T (hypothetical)", "params_b": s, "tokens_t": t,
                     "predicted": dict(zip(bench, pred.tolist(), strict=True)),
                     "actual": None})
    mae = (100 * float(np.mean(np.abs(model.predict(test.params_b, test.tokens_t, test.families)
                                      - test.scores))) if len(test) else None)
    out = {"family": family, "method": method, "skills": skills, "seed": seed,
           "trained_on": trained_on, "predictions": rows, "mae_pp": mae,
           "model_file": None if model_file is None else str(model_file)}
    if plot is not None:
        if not len(test):
            raise InputError("--plot needs held-out models with actual scores (not only --at points)")
        from scalinglab.report.figures import save
        from scalinglab.report.skill_figures import sloth_predictions

        save(sloth_predictions(model.predict(test.params_b, test.tokens_t, test.families), test.scores,
                               bench, test.families,
                               title=f"Sloth [{method}]: {family} from {len(trained_on)} model(s)"), plot)
    if json:
        echo_json(out)
        return
    saved = "" if model_file is None else f", saved model {model_file}"
    _console.print(f"{family}: fitted with {', '.join(trained_on) or 'none of its models'} (and {n_other} "
                   f"models of other families) \\[{method}{saved}]")
    tab = Table(title="Predicted (actual) scores, %")
    tab.add_column("model")
    for b in bench:
        tab.add_column(b, justify="right")
    for r in rows:
        cells = []
        for b in bench:
            p = 100 * r["predicted"][b]
            cells.append(f"{p:.1f}" if r["actual"] is None else f"{p:.1f} ({100 * r['actual'][b]:.1f})")
        tab.add_row(r["model"], *cells)
    _console.print(tab)
    if mae is not None:
        _console.print(f"MAE over {len(test)} held-out model(s) × {len(bench)} benchmarks: "
                       f"{mae:.2f} pp")


@skills_app.command("evaluate")
@handle_errors
def evaluate(data: DataArg, suite: SuiteOpt = "v2", benchmarks: BenchOpt = None,
             train_per_family: KOpt = 1, skills: SkillsOpt = 2, method: MethodOpt = "sloth",
             seed: SeedOpt = 0,
             folds: Annotated[str, typer.Option(
                 "--folds", help="paper (the paper's held-out family groups), family (each family "
                                 "alone) or auto (paper when available).")] = "auto",
             fold: Annotated[list[str] | None, typer.Option(
                 "--fold", help="Run only this fold (repeatable), e.g. --fold olmo.")] = None,
             family_column: FamColOpt = None, json: JsonOpt = False, plot: PlotOpt = None) -> None:
    """Leave-family-group-out evaluation (paper Fig. 1): fold-averaged MAE in pp, with run time."""
    from scalinglab.skills import sloth_protocol as proto

    _check_method(method)
    _check_plot(plot)
    table = _load(data, suite, benchmarks, family_column)
    suite_name = None if benchmarks else suite

    def progress(name: str, mae: float) -> None:
        if not json and sys.stderr.isatty():
            typer.echo(f"  {name}: {mae:.2f} pp", err=True)

    res = proto.evaluate(table, k=train_per_family, n_skills=skills, method=method, seed=seed,
                         suite=suite_name, folds=folds, only=fold, progress=progress)
    out = res.to_dict()
    paper = None
    if suite_name == "v2" and train_per_family == 1 and (skills == 2 or method.startswith("flops")):
        paper = proto.PAPER_MAE_PP.get(method)
    if fold:
        paper = None
    out["paper_mae_pp"] = paper
    out["paper_folds_mae_pp"] = ({n: proto.PAPER_FOLD_MAE_PP[method].get(n) for n in res.folds}
                                 if suite_name == "v2" and train_per_family == 1
                                 and method in proto.PAPER_FOLD_MAE_PP
                                 and (skills == 2 or method == "flops") else None)
    if plot is not None:
        from scalinglab.report.figures import save
        from scalinglab.report.skill_figures import sloth_predictions

        held = res.predictions
        save(sloth_predictions(held["predicted"], held["actual"], held["benchmarks"], held["families"],
                               title=f"Sloth [{method}], leave-family-out, k={train_per_family}"), plot)
    if json:
        echo_json(out)
        return
    tab = Table(title=f"Leave-family-out MAE (pp): {method}, d={skills}, k={train_per_family}, "
                      f"suite={suite_name or ','.join(table.benchmarks)}")
    tab.add_column("held-out families")
    tab.add_column("test models", justify="right")
    tab.add_column("MAE", justify="right")
    if out["paper_folds_mae_pp"]:
        tab.add_column("paper", justify="right")
    for name, mae in res.folds.items():
        cells = [name, str(res.n_test_models[name]), f"{mae:.2f}"]
        if out["paper_folds_mae_pp"]:
            pv = out["paper_folds_mae_pp"].get(name)
            cells.append("" if pv is None else f"{pv:.2f}")
        tab.add_row(*cells)
    _console.print(tab)
    line = f"fold-averaged MAE: {res.mae_pp:.2f} pp"
    if paper is not None:
        line += f" (paper: {paper:.2f})"
    _console.print(line + f"; run time {res.seconds:.1f} s")
