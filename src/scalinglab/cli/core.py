"""Core commands: fit, predict, optimal, laws."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, handle_errors, progress_bar
from scalinglab.errors import ScalingLabError


def fit_with_progress(estimator, runs):
    """Fit, showing a progress bar while the bootstrap runs; returns the FitResult."""
    if estimator.bootstrap > 0:
        bar, update = progress_bar(estimator.bootstrap, "bootstrap")
        with bar:
            estimator.fit(runs, progress=update)
    else:
        estimator.fit(runs)
    return estimator.result_


def _parse_budgets(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ScalingLabError(f"--budgets must be comma-separated numbers, got {text!r}") from None
    if not values or any(not v > 0 for v in values):
        raise ScalingLabError("--budgets must be positive FLOP counts")
    return values


def load_fit_or_preset(fit: Path | None, preset: str | None, law: str | None = None):
    """The FitResult named by --fit FILE or --preset NAME (or the preset named like --law)."""
    from scalinglab.fitting.result import FitResult
    from scalinglab.laws.presets import PRESETS, available_presets

    available_presets()  # registers the presets of every built-in law family
    if fit is not None and preset is not None:
        raise ScalingLabError("give either --fit or --preset, not both")
    if fit is not None:
        return FitResult.load(fit)
    if preset is None and law is not None and law in PRESETS:
        preset = law
    if preset is None:
        raise ScalingLabError("give --fit FIT.json (from `scalinglab fit --out`) or --preset NAME "
                              f"(one of {', '.join(sorted(PRESETS))})")
    return FitResult.from_preset(preset)


def register(app: typer.Typer) -> None:
    app.command("fit")(fit)
    app.command("predict")(predict)
    app.command("optimal")(optimal)
    app.command("laws")(laws)


@handle_errors
def fit(
    data: Annotated[str, typer.Argument(help="Runs table (.csv/.tsv/.parquet/.jsonl) or bundled:NAME.")],
    law: opt.Law = "chinchilla",
    loss: Annotated[str, typer.Option("--loss", help="Objective: huber (default), lsq, asymmetric.")] = "huber",
    delta: Annotated[float, typer.Option("--delta", help="Huber threshold on log residuals.")] = 1e-3,
    tau: Annotated[float, typer.Option("--tau", help="asymmetric: weight of under-predictions.")] = 0.75,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for intervals.")] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.")] = None,
    approach: Annotated[int, typer.Option("--approach", help="Chinchilla approach: 3 = parametric fit "
                                                             "(default), 1 = envelope, 2 = IsoFLOP.")] = 3,
    budgets: Annotated[str, typer.Option("--budgets", help="FLOP budgets for the allocation table.")] =
    "1e21,1e22,1e23,5.88e23,1e24,1e25",
    out: Annotated[Path | None, typer.Option("--out", help="Write the fit as JSON here.")] = None,
    json: opt.Json = False,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    flops_col: opt.FlopsCol = None,
    loss_col: opt.LossCol = None,
    model_col: opt.ModelCol = None,
    unique_tokens_col: opt.UniqueTokensCol = None,
    where: opt.Where = None,
    drop_invalid: opt.DropInvalid = False,
) -> None:
    """Fit a scaling law to runs; print the law, its intervals and the compute-optimal allocation."""
    from scalinglab.data.runs import load_runs
    from scalinglab.laws.registry import get_law
    from scalinglab.serialize import dumps, write_text_atomic

    the_law = get_law(law)
    budget_values = _parse_budgets(budgets)
    require = ("N", "D", "C", "loss") if approach in (1, 2) else tuple(the_law.column_of(k) for k in the_law.inputs) + ("loss",)
    runs = load_runs(data, params_col=params_col, tokens_col=tokens_col, flops_col=flops_col,
                     loss_col=loss_col, model_col=model_col, unique_tokens_col=unique_tokens_col,
                     where=where, drop_invalid=drop_invalid, require=require)
    if runs.dropped:
        typer.echo(f"skipped {runs.dropped} invalid row(s) of {runs.source}", err=True)
    if approach in (1, 2):
        from scalinglab.fitting.approaches import approach1, approach2

        res = (approach1 if approach == 1 else approach2)(runs)
        d = res.to_dict() | {"n_points": len(runs), "source": runs.source}
        d["allocation"] = [{"C": c} | res.optimal(c) for c in budget_values]
        if out is not None:
            write_text_atomic(out, dumps(d) + "\n")
        if json:
            echo_json(d)
        else:
            typer.echo(f"Chinchilla approach {approach} on {runs.source} ({len(runs)} runs): "
                       f"N_opt ∝ C^{res.a:.4f}, D_opt ∝ C^{res.b:.4f}")
            for row in d["allocation"]:
                typer.echo(f"  C={row['C']:.3g}  N={row['N']:.4g}  D={row['D']:.4g}  "
                           f"D/N={row['tokens_per_param']:.1f}")
        return
    if approach != 3:
        raise ScalingLabError("--approach must be 1, 2 or 3")

    from scalinglab.fitting.estimator import ScalingLawFit

    result = fit_with_progress(ScalingLawFit(law=the_law, loss=loss, delta=delta, tau=tau,
                                             bootstrap=bootstrap, seed=seed), runs)
    if out is not None:
        result.save(out)
    if json:
        echo_json(result.to_dict())
    else:
        typer.echo(result.report(budget_values))
        if out is not None:
            typer.echo(f"\nwrote {out}")


@handle_errors
def predict(
    params: Annotated[float | None, typer.Option("--params", help="Parameter count N.")] = None,
    tokens: Annotated[float | None, typer.Option("--tokens", help="Training tokens D.")] = None,
    compute: Annotated[float | None, typer.Option("--compute", help="Training FLOPs C (laws of C).")] = None,
    unique_tokens: Annotated[float | None, typer.Option("--unique-tokens",
                                                        help="Unique tokens U (data-constrained law).")] = None,
    fit: Annotated[Path | None, typer.Option("--fit", help="FIT.json from `scalinglab fit --out`.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Published constants, e.g. epoch2024.")] = None,
    law: Annotated[str | None, typer.Option("--law", help="Use this law's default preset.")] = None,
    json: opt.Json = False,
) -> None:
    """Predict the loss of a model of N parameters trained on D tokens (or on C FLOPs)."""
    result = load_fit_or_preset(fit, preset, law)
    if law is not None and result.law.name != law:
        raise ScalingLabError(f"--law {law} does not match the fit's law {result.law.name!r}")
    given = {"N": params, "D": tokens, "C": compute, "U": unique_tokens}
    flag = {"N": "--params", "D": "--tokens", "C": "--compute", "U": "--unique-tokens"}
    for name, value in given.items():
        if value is not None and not value > 0:
            raise ScalingLabError(f"{flag[name]} must be positive, got {value:g}")
    if given["D"] is None and given["C"] is not None and given["N"] is not None and "C" not in result.law.inputs:
        given["D"] = given["C"] / (6 * given["N"])
    if given["C"] is None and given["N"] is not None and given["D"] is not None:
        given["C"] = 6 * given["N"] * given["D"]
    missing = [flag[k] for k in result.law.inputs if given.get(k) is None]
    if missing:
        raise ScalingLabError(f"law {result.law.name!r} needs {', '.join(missing)}")
    X = {k: given[k] for k in result.law.inputs}
    value = float(result.predict(**X))
    out = {"law": result.law.name, "inputs": X, "loss": value}
    if result.intervals_withheld:
        out["intervals"] = result.intervals_withheld
    interval = result.predict_interval(**X)
    if interval is not None:
        out["interval"] = [float(interval[0]), float(interval[1])]
    if json:
        echo_json(out)
    else:
        where = ", ".join(f"{k}={v:.4g}" for k, v in X.items())
        txt = f"predicted loss at {where}: {value:.5f}"
        if interval is not None:
            txt += f"  (95% interval {interval[0]:.5f} – {interval[1]:.5f})"
        typer.echo(txt)
    far = result.extrapolation(float(given["C"])) if given.get("C") is not None else None
    if far:
        typer.echo(f"warning: {far}", err=True)


@handle_errors
def optimal(
    compute: Annotated[list[float], typer.Option("--compute", help="FLOP budget (repeat for several).")],
    fit: Annotated[Path | None, typer.Option("--fit", help="FIT.json from `scalinglab fit --out`.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Published constants, e.g. epoch2024.")] = None,
    json: opt.Json = False,
) -> None:
    """Compute-optimal N and D for a FLOP budget (C = 6ND), with intervals when the fit has draws."""
    import numpy as np

    result = load_fit_or_preset(fit, preset)
    sol = result.optimal(np.array(compute))
    rows = []
    for i, c in enumerate(compute):
        row = {"C": c, "N": float(sol["N"][i]), "D": float(sol["D"][i]),
               "tokens_per_param": float(sol["tokens_per_param"][i]), "loss": float(sol["loss"][i])}
        for key in ("N", "D", "loss"):
            if f"{key}_interval" in sol:
                row[f"{key}_interval"] = [float(sol[f"{key}_interval"][0][i]), float(sol[f"{key}_interval"][1][i])]
        rows.append(row)
    if json:
        echo_json(rows[0] if len(rows) == 1 else rows)
        return
    for row in rows:
        txt = (f"C = {row['C']:.4g} FLOPs: N = {row['N']:.4g} params, D = {row['D']:.4g} tokens "
               f"({row['tokens_per_param']:.1f} tokens/param), loss {row['loss']:.4f}")
        if "N_interval" in row:
            txt += f"\n  95%: N in ({row['N_interval'][0]:.3g}, {row['N_interval'][1]:.3g}), " \
                   f"D in ({row['D_interval'][0]:.3g}, {row['D_interval'][1]:.3g})"
        typer.echo(txt)
        far = result.extrapolation(row["C"])
        if far:
            typer.echo(f"warning: {far}", err=True)


@handle_errors
def laws(json: opt.Json = False) -> None:
    """List the registered laws and the published presets."""
    from scalinglab.laws.presets import PRESETS, available_presets
    from scalinglab.laws.registry import available_laws, get_law

    available_presets()
    table = {name: {"formula": get_law(name).formula, "parameters": list(get_law(name).param_names)}
             for name in available_laws()}
    presets = {k: {"law": p.law, "params": p.params, "source": p.source} for k, p in PRESETS.items()}
    if json:
        echo_json({"laws": table, "presets": presets})
        return
    typer.echo("Laws:")
    for name, info in table.items():
        typer.echo(f"  {name:<18} {info['formula']}")
    typer.echo("Presets:")
    for name, p in presets.items():
        typer.echo(f"  {name:<18} {p['law']:<16} {p['source']}")
