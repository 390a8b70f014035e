"""``scalinglab observe``: observational scaling laws (Ruan et al. 2024) from a benchmark matrix."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scalinglab.cli.common import LazyModule, echo_json, handle_errors
from scalinglab.errors import InputError

np = LazyModule("numpy")
pd = LazyModule("pandas")
obs = LazyModule("scalinglab.skills.observational")

observe_app = typer.Typer(
    help="Observational scaling laws: PCA capability measures from many models' benchmark scores, "
         "a sigmoid link to a downstream task, holdout evaluation, equivalent compute.",
    no_args_is_help=True,
)

DataArg = Annotated[str, typer.Argument(
    help="Models × benchmarks CSV (one row per model, scores in [0, 1]); 'bundled:obsscaling_base' or "
         "'bundled:obsscaling_instruct' for the bundled ObsScaling tables.")]
BenchOpt = Annotated[str | None, typer.Option(
    "--benchmarks", help="Comma-separated benchmark columns for the PCA (default: the paper's "
                         "8 base or 7 instruct benchmarks, whichever the file has).")]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Column of the downstream task.")]
TargetFileOpt = Annotated[str | None, typer.Option(
    "--target-file", help="CSV holding --target, joined on --key (default: DATA itself).")]
KeyOpt = Annotated[str, typer.Option("--key", help="Model-name column used to join files.")]
ScaleOpt = Annotated[float, typer.Option(
    "--target-scale", help="Divide the target by this first (10 for ABench-OA, 100 for %).")]
FloorOpt = Annotated[float, typer.Option(
    "--target-floor", help="Random-guess score g: the target becomes (y - g) / (1 - g).")]
PaperSetOpt = Annotated[bool, typer.Option(
    "--paper-set", help="Keep the paper's 77-model analysis set (EVAL families, no "
                        "preregistered models).")]
FamiliesOpt = Annotated[str | None, typer.Option(
    "--families", help="Comma-separated families to keep (column 'Model Family').")]
NcompOpt = Annotated[int, typer.Option("--n-components", "-k", help="Number of PC measures.")]
DeltaOpt = Annotated[float, typer.Option("--delta", help="Huber-loss threshold.")]
RefOpt = Annotated[str | None, typer.Option(
    "--reference-family", help="Family whose log-FLOPs define 'equivalent compute' "
                               "(e.g. Llama-2).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]

_console = Console(soft_wrap=True, width=120)


def _split_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise InputError("empty list")
    return items


def _load(data: str, benchmarks: str | None, target: str | None, target_file: str | None,
          key: str, target_scale: float, target_floor: float, paper_set: bool,
          families: str | None) -> tuple[pd.DataFrame, list[str]]:
    if target_scale <= 0:
        raise InputError(f"--target-scale must be positive, got {target_scale:g}")
    if not 0.0 <= target_floor < 1.0:
        raise InputError(f"--target-floor must be in [0, 1), got {target_floor:g}")
    df, bench = obs.load_score_table(data, _split_list(benchmarks), target=target,
                                     target_file=target_file, target_scale=target_scale, key=key)
    if target is not None and target_floor:
        df["target"] = (df["target"] - target_floor) / (1.0 - target_floor)
    fam_col = "Model Family"
    if paper_set or families:
        if fam_col not in df.columns:
            raise InputError(f"column {fam_col!r} is needed to select families", file=data,
                             column=fam_col)
    if paper_set:
        df = obs.paper_analysis_set(df)
    keep = _split_list(families)
    if keep:
        unknown = [f for f in keep if f not in set(df[fam_col])]
        if unknown:
            raise InputError(f"unknown family {unknown[0]!r}; available: "
                             + ", ".join(sorted(map(str, df[fam_col].dropna().unique()))),
                             file=data, column=fam_col)
        df = df[df[fam_col].isin(keep)]
    return df, bench


def _names(df: pd.DataFrame) -> list[str]:
    return df["Model"].astype(str).tolist() if "Model" in df.columns else [str(i) for i in df.index]


def _link_dict(link: obs.SigmoidLink, k: int) -> dict[str, Any]:
    return {"form": "y = floor + (1 - floor) * sigmoid(intercept + coef . PC)",
            "intercept": link.intercept_, "coef": dict(zip([f"PC-{i + 1}" for i in range(k)],
                                                             link.coef_.tolist(), strict=True)),
            "floor": link.floor_, "converged": link.converged_}


def _print_pca(pca: obs.CapabilityPCA, bench: list[str], n_models: int) -> None:
    _console.print(f"PCA on {n_models} models × {len(bench)} benchmarks "
                   f"({pca.n_imputed_} missing scores imputed, {pca.n_iter_} iterations)")
    k = len(pca.explained_variance_ratio_)
    cum = np.cumsum(pca.explained_variance_ratio_)
    t = Table("", *(f"PC-{i + 1}" for i in range(k)), title="PC measures (loadings)")
    t.add_row("variance share", *(f"{r:.3f}" for r in pca.explained_variance_ratio_))
    t.add_row("cumulative", *(f"{c:.3f}" for c in cum), end_section=True)
    for j, name in enumerate(bench):
        t.add_row(name, *(f"{pca.components_[i, j]:+.3f}" for i in range(k)))
    _console.print(t)


@observe_app.command("fit")
@handle_errors
def fit(data: DataArg, benchmarks: BenchOpt = None, target: TargetOpt = None,
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, paper_set: PaperSetOpt = False, families: FamiliesOpt = None,
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: JsonOpt = False) -> None:
    """Fit PC capability measures; with --target also the sigmoid link on all models."""
    df, bench = _load(data, benchmarks, target, target_file, key, target_scale, target_floor,
                      paper_set, families)
    if len(df) < max(n_components, 2) + 1:
        raise InputError(f"only {len(df)} models; too few for {n_components} components", file=data)
    out: dict[str, Any] = {"data": data, "n_models": len(df), "benchmarks": bench}
    if target is None:
        pca = obs.CapabilityPCA(n_components).fit(df[bench])
        pcs = (pca.train_completed_ - pca.mean_) @ pca.components_.T
        law = None
    else:
        full_df = df
        fitted = df.dropna(subset=["target"])
        if len(fitted) < n_components + 3:
            raise InputError(f"only {len(fitted)} models have {target!r}; need at least "
                             f"{n_components + 3}", file=target_file or data, column=target)
        law = obs.ObservationalScalingLaw(bench, n_components=n_components, delta=delta)
        law.fit(fitted, fitted["target"].to_numpy(float))
        pca = law.pca_
        df = fitted
        out["n_models"], out["n_models_in_file"] = len(df), len(full_df)
        pcs = law.pc_measures(df)
    out["pca"] = {"explained_variance_ratio": pca.explained_variance_ratio_.tolist(),
                  "cumulative": np.cumsum(pca.explained_variance_ratio_).tolist(),
                  "loadings": {f"PC-{i + 1}": dict(zip(bench, pca.components_[i].tolist(),
                                                       strict=True))
                               for i in range(n_components)},
                  "n_imputed": pca.n_imputed_, "n_iter": pca.n_iter_}
    models = pd.DataFrame(pcs, columns=[f"PC-{i + 1}" for i in range(n_components)])
    models.insert(0, "model", _names(df))
    equiv = None
    if law is not None:
        out["target"] = {"column": target, "scale": target_scale, "floor": target_floor}
        out["link"] = _link_dict(law.link_, n_components)
        out["train_mse"] = law.train_mse_
        models["actual"] = df["target"].to_numpy(float)
        models["predicted"] = law.train_pred_
        models["capability"] = law.capability(df)
        if reference_family:
            equiv = obs.fit_equivalent_compute(law, full_df, reference_family)
            models["equivalent_flops"] = equiv.transform(models["capability"].to_numpy())
            out["equivalent_compute"] = {"reference_family": reference_family,
                                         "form": "C = slope * ln(FLOPs/1e21) + intercept",
                                         "slope": equiv.slope_, "intercept": equiv.intercept_,
                                         "r2": equiv.r2_, "n_models": equiv.n_models_}
    elif reference_family:
        raise InputError("--reference-family needs --target (the map uses the fitted link)")
    out["models"] = models.to_dict(orient="records")
    if json_out:
        echo_json(out)
        return
    _print_pca(pca, bench, len(df))
    if law is None:
        return
    link = law.link_
    terms = " ".join(f"{w:+.3f}·PC{i + 1}" for i, w in enumerate(link.coef_))
    _console.print(f"\n{target} (÷{target_scale:g}) = {link.floor_:.3f} + {1 - link.floor_:.3f}·"
                   f"σ({link.intercept_:+.3f} {terms})   train MSE {law.train_mse_:.2e} "
                   f"on {law.n_train_} models")
    if equiv is not None:
        _console.print(f"equivalent compute ({reference_family}, {equiv.n_models_} models, "
                       f"R² {equiv.r2_:.3f}): C = {equiv.slope_:.3f}·ln(FLOPs/1e21) "
                       f"{equiv.intercept_:+.3f}")
    _print_models(models)


def _print_models(models: pd.DataFrame, limit: int = 40) -> None:
    cols = [c for c in ("model", "split", "actual", "predicted", "capability",
                        "equivalent_flops") if c in models.columns]
    t = Table(*cols)
    shown = models.sort_values("predicted", ascending=False).head(limit)
    for _, row in shown.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        t.add_row(*cells)
    _console.print(t)
    if len(models) > limit:
        _console.print(f"... {len(models) - limit} more (use --json)")


@observe_app.command("evaluate")
@handle_errors
def evaluate(data: DataArg, target: Annotated[str, typer.Option(
        "--target", help="Column of the downstream task.")],
        target_file: TargetFileOpt = None, key: KeyOpt = "Model", target_scale: ScaleOpt = 1.0,
        target_floor: FloorOpt = 0.0, benchmarks: BenchOpt = None, paper_set: PaperSetOpt = False,
        families: FamiliesOpt = None,
        holdout_top: Annotated[float | None, typer.Option(
            "--holdout-top", help="Hold out this fraction of models, ranked by --rank-by "
                                  "(default: the target), e.g. 0.1.")] = None,
        rank_by: Annotated[str | None, typer.Option(
            "--rank-by", help="Column to rank by for --holdout-top.")] = None,
        cutoff: Annotated[float | None, typer.Option(
            "--cutoff", help="Train on models with --cutoff-by <= this (FLOP cutoff); the rest, "
                             "including unknown FLOPs, are test.")] = None,
        cutoff_by: Annotated[str, typer.Option("--cutoff-by")] = "FLOPs (1E21)",
        n_components: NcompOpt = 3, delta: DeltaOpt = 1.0, reference_family: RefOpt = None,
        json_out: JsonOpt = False) -> None:
    """Fit on the training models only (PCA + imputation included) and score the held-out ones."""
    df, bench = _load(data, benchmarks, target, target_file, key, target_scale, target_floor,
                      paper_set, families)
    if (holdout_top is None) == (cutoff is None):
        raise InputError("give exactly one of --holdout-top or --cutoff")
    by = (rank_by or "target") if holdout_top is not None else cutoff_by
    if by != "target" and by not in df.columns:
        raise InputError(f"unknown column {by!r}", file=data, column=by)
    res = obs.evaluate_holdout(df, bench, by=by, top_fraction=holdout_top, cutoff=cutoff,
                               n_components=n_components, delta=delta,
                               reference_family=reference_family)
    out = {"data": data, "target": {"column": target, "scale": target_scale, "floor": target_floor},
           "protocol": ({"holdout_top": holdout_top, "rank_by": rank_by or target}
                        if holdout_top is not None else {"cutoff": cutoff, "cutoff_by": cutoff_by}),
           "n_components": n_components, "n_train": res.n_train, "n_test": res.n_test,
           "train_mse": res.train_mse, "test_mse": res.test_mse,
           "link": _link_dict(res.law.link_, n_components),
           "explained_variance_ratio": res.law.pca_.explained_variance_ratio_.tolist(),
           "models": res.predictions.to_dict(orient="records")}
    if json_out:
        echo_json(out)
        return
    proto = (f"top {holdout_top:g} by {rank_by or target} held out" if holdout_top is not None
             else f"{cutoff_by} <= {cutoff:g} trains")
    _console.print(f"{target}: {proto}; {res.n_train} train / {res.n_test} test models, "
                   f"{n_components} PCs")
    _console.print(f"train MSE {res.train_mse:.2e}   test MSE {res.test_mse:.2e}")
    test = res.predictions[res.predictions["split"] == "test"]
    _print_models(test)


def register(app: typer.Typer) -> None:
    """Add the ``observe`` command group to the top-level app."""
    app.add_typer(observe_app, name="observe")
