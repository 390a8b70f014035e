"""Core commands: fit, predict, optimal, laws."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from scalinglab.atomic import check_writable
from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, emit, handle_errors, number, parse_floats, progress_bar
from scalinglab.errors import ScalingLabError


def fit_with_progress(estimator, runs):
    """Fit, with a progress bar for the start scan, then one for the bootstrap; returns the FitResult."""
    bar, update = progress_bar(max(estimator.bootstrap, 1), "bootstrap")
    boot = bar.task_ids[0]
    bar.update(boot, visible=False)
    scan = bar.add_task("scan", total=None)

    def on_progress(event) -> None:  # the fit's events: "scan" while it walks its grid, then "bootstrap"
        if event.task == "scan":
            bar.update(scan, completed=event.done, total=event.total, visible=event.done < event.total)
        else:
            bar.update(boot, visible=True)
            update(event)

    with bar:
        estimator.fit(runs, progress=on_progress)
    return estimator.result_


def _parse_budgets(text: str, flag: str = "--budgets") -> tuple[float, ...]:
    return parse_floats(text, flag, positive=True, what="FLOP counts")


def _parse_inputs(items: list[str] | None, law) -> dict[str, float]:
    """``--input NAME=VALUE`` items → {input: value}, checked against the law's inputs."""
    out: dict[str, float] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in law.inputs:
            raise ScalingLabError(f"--input expects NAME=VALUE with NAME one of the law's inputs "
                                  f"({', '.join(law.inputs)}), got {item!r}")
        try:
            out[key] = float(value)
        except ValueError:
            raise ScalingLabError(f"--input {key}: {value!r} is not a number") from None
    return out


def load_fit_or_preset(fit: Path | None, preset: str | None, law: str | None = None):
    """The fit named by --fit FILE or --preset NAME (or the preset named like --law): a FitResult, or an
    ApproachResult for allocation laws (``fit --approach 1|2 --out`` files, deepseek2024, llama3-2024)."""
    from scalinglab.fitting.loading import from_preset, load_fit, preset_names

    if fit is not None and preset is not None:
        raise ScalingLabError("give either --fit or --preset, not both")
    if fit is not None:
        return load_fit(fit)
    if preset is None and law is not None and law in preset_names():
        preset = law
    if preset is None:
        raise ScalingLabError("give --fit FIT.json (from `scalinglab fit --out`) or --preset NAME "
                              f"(one of {', '.join(preset_names())})")
    return from_preset(preset)


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
    isoflop: Annotated[str, typer.Option("--isoflop", help="Approach 2: parabola (Hoffmann et al. 2022) or "
                                                           "porian (interpolated minima, Porian et al. 2024).")]
    = "parabola",
    seed_noise: Annotated[float, typer.Option("--seed-noise", help="--isoflop porian: seed-to-seed std of the "
                                                                   "loss for its bootstrap.")] = 0.005,
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
    col: opt.Col = None,
) -> None:
    """Fit a scaling law to runs; print the law, its intervals and the compute-optimal allocation."""
    from scalinglab.data.runs import load_law_inputs, load_runs, parse_col_options
    from scalinglab.laws.registry import get_law
    from scalinglab.serialize import dumps, write_text_atomic

    if out is not None:
        check_writable(out)  # before the fit spends any compute
    the_law = get_law(law)
    budget_values = _parse_budgets(budgets)
    kwargs = {"params_col": params_col, "tokens_col": tokens_col, "flops_col": flops_col, "loss_col": loss_col,
              "model_col": model_col, "unique_tokens_col": unique_tokens_col, "where": where,
              "drop_invalid": drop_invalid}
    if approach in (1, 2):
        runs = load_runs(data, require=("N", "D", "C", "loss"), columns=parse_col_options(col), **kwargs)
    else:
        runs = load_law_inputs(data, the_law, columns=parse_col_options(col), **kwargs)
    if runs.dropped:
        typer.echo(f"skipped {runs.dropped} invalid row(s) of {runs.source}", err=True)
    if approach in (1, 2):
        from scalinglab.fitting.approaches import approach1, approach2

        if approach == 1:
            res = approach1(runs)
        else:
            res = approach2(runs, method=isoflop, seed_noise=seed_noise, n_bootstrap=bootstrap or 1000,
                            seed=0 if seed is None else seed)
        d = res.to_dict()
        d["allocation"] = [{"C": c} | res.optimal(c) for c in budget_values]
        if out is not None:
            write_text_atomic(out, dumps(d) + "\n")
        if json:
            echo_json(d)
        else:
            typer.echo(res.text(budget_values))
            if out is not None:
                typer.echo(f"\nwrote {out}")
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
    at: Annotated[Path | None, typer.Option("--at", help="Table of points (one row per point, columns as "
                                                         "in a runs table); writes one prediction per row.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="With --at: write the predictions table here "
                                                           "(.csv/.tsv/.parquet/.jsonl).")] = None,
    fit: Annotated[Path | None, typer.Option("--fit", help="FIT.json from `scalinglab fit --out`.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Published constants, e.g. epoch2024.")] = None,
    law: Annotated[str | None, typer.Option("--law", help="Use this law's default preset.")] = None,
    inputs: Annotated[list[str] | None, typer.Option(
        "--input", help="Any law input, NAME=VALUE (repeatable), e.g. --input experts=64.")] = None,
    col: opt.Col = None,
    json: opt.Json = False,
) -> None:
    """Predict the loss of a model of N parameters trained on D tokens (or on C FLOPs, or any law inputs),
    or at every row of --at; with an allocation fit (`fit --approach 1|2`), the compute-optimal N, D and
    loss at C."""
    result = load_fit_or_preset(fit, preset, law)
    if getattr(result, "kind", "") == "allocation":
        if at is not None:
            raise ScalingLabError("--at predicts a loss law at each point; an allocation fit takes --compute")
        return _predict_allocation(result, params, tokens, compute, json)
    if law is not None and result.law.name != law:
        raise ScalingLabError(f"--law {law} does not match the fit's law {result.law.name!r}")
    if at is not None:
        if out is not None:
            check_writable(out)
        return _predict_table(result, at, out, json, col)
    if out is not None:
        raise ScalingLabError("--out goes with --at (a table of points)")
    given = {"N": params, "D": tokens, "C": compute, "U": unique_tokens}
    flag = {"N": "--params", "D": "--tokens", "C": "--compute", "U": "--unique-tokens"}
    for name, value in _parse_inputs(inputs, result.law).items():
        given[name], flag[name] = value, f"--input {name}="
    for name, value in given.items():
        positive = name not in result.law.inputs or result.law.input_spec(name).positive
        if value is not None and positive and not value > 0:
            raise ScalingLabError(f"{flag[name]} must be positive, got {value:g}")
    if given["D"] is None and given["C"] is not None and given["N"] is not None and "C" not in result.law.inputs:
        given["D"] = given["C"] / (6 * given["N"])
    if given["C"] is None and given["N"] is not None and given["D"] is not None:
        given["C"] = 6 * given["N"] * given["D"]
    missing = [flag[k] for k in result.law.inputs if given.get(k) is None]
    if missing:
        raise ScalingLabError(f"law {result.law.name!r} needs {', '.join(missing)}")
    X = {k: given[k] for k in result.law.inputs}
    import numpy as np

    with np.errstate(over="ignore"):  # an overflow is reported below, in one line
        value = float(result.predict(**X))
    if not math.isfinite(value):
        raise ScalingLabError(f"the predicted loss at {', '.join(f'{k}={v:g}' for k, v in X.items())} is "
                              "outside the float range; check the fit's parameters and the inputs")
    out_d = {"law": result.law.name, "inputs": X, "loss": value}
    if result.intervals_withheld:
        out_d["intervals"] = result.intervals_withheld
    interval = result.predict_interval(**X)
    if interval is not None:
        out_d["interval"] = [float(interval[0]), float(interval[1])]
    if json:
        echo_json(out_d)
    else:
        where = ", ".join(f"{k}={v:.4g}" for k, v in X.items())
        txt = f"predicted loss at {where}: {number(value)}"
        if interval is not None:
            txt += f"  (95% interval {number(interval[0])} – {number(interval[1])})"
        typer.echo(txt)
    far = result.extrapolation(float(given["C"])) if given.get("C") is not None else None
    if far:
        typer.echo(f"warning: {far}", err=True)


def _predict_table(result, at: Path, out: Path | None, json: bool, col: list[str] | None) -> None:
    """predict --at: one vectorised call over every point (and every bootstrap draw)."""
    from scalinglab.data.columns import parse_col_options
    from scalinglab.fitting.points import predict_columns, write_predictions

    table = predict_columns(result, at, columns=parse_col_options(col))  # plain CSVs: no pandas
    n = len(table["loss"])
    if out is not None:
        write_predictions(table, out)
    if json:
        echo_json({"law": result.law.name, "n_points": n, "columns": list(table),
                   "predictions": {k: v.tolist() for k, v in table.items()}})
    elif out is not None:
        typer.echo(f"wrote {n} predictions to {out}")
    else:
        import pandas as pd

        typer.echo(pd.DataFrame(table).to_string(index=False))


def _predict_allocation(result, params, tokens, compute, json: bool) -> None:
    """predict with an allocation law: the compute-optimal model at C (C = 6ND from --params/--tokens)."""
    if compute is None and params is not None and tokens is not None:
        compute = 6 * params * tokens
    if compute is None:
        raise ScalingLabError("an allocation fit predicts at a budget: give --compute (or --params and --tokens)")
    _emit_allocation(result, [compute], json)


def _emit_allocation(result, budgets: list[float], json: bool) -> None:
    """Print an allocation law's optimum at each budget (rows of C, N or M, D, loss and intervals)."""
    import numpy as np

    from scalinglab.fitting.approaches import allocation_rows

    sol = result.optimal(np.array(budgets, dtype=float))
    rows = [{k: (float(v[i]) if np.ndim(v) else float(v)) if not k.endswith("_interval")
             else [float(v[0][i]), float(v[1][i])] for k, v in sol.items()} for i in range(len(budgets))]
    if json:
        echo_json(rows[0] if len(rows) == 1 else rows)
    else:
        typer.echo("\n".join(allocation_rows(sol, result.size)))


@handle_errors
def optimal(
    compute: Annotated[list[float], typer.Option("--compute", help="FLOP budget (repeat for several).")],
    fit: Annotated[Path | None, typer.Option("--fit", help="FIT.json from `scalinglab fit --out`.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Published constants: a loss law (epoch2024) "
                                                                "or an allocation law (deepseek2024).")] = None,
    convention: Annotated[str | None, typer.Option(
        "--compute-convention", help="How C is counted: 6nd (C = 6ND, default for loss laws) or deepseek "
                                     "(C = M·D, attention in M); an allocation law keeps its own.")] = None,
    seq_len: Annotated[float, typer.Option("--seq-len", help="deepseek: training sequence length.")] = 4096,
    aspect_ratio: Annotated[float, typer.Option("--aspect-ratio", help="deepseek: d_model / n_layer.")] = 128,
    json: opt.Json = False,
) -> None:
    """Compute-optimal N and D for a FLOP budget (C = 6ND, or C = M·D with --compute-convention deepseek),
    from a loss law or an allocation law, with intervals when the fit has draws."""
    from scalinglab.planning.conventions import Convention

    result = load_fit_or_preset(fit, preset)
    is_allocation = getattr(result, "kind", "") == "allocation"
    conv = Convention(convention or (result.convention if is_allocation else "6nd"), seq_len, aspect_ratio)
    if is_allocation:
        if conv.name != result.convention:
            raise ScalingLabError(f"this allocation law counts compute as {result.convention}; "
                                  f"--compute-convention {conv.name} would misread its budgets")
        return _emit_allocation(result, compute, json)
    if conv.name != "6nd":
        return _optimal_convention(result, compute, conv, json)
    emit(result.allocation(compute), json)
    for c in compute:
        far = result.extrapolation(c)
        if far:
            typer.echo(f"warning: {far}", err=True)


def _optimal_convention(result, compute: list[float], conv, json: bool) -> None:
    """optimal under C = M(N)·D: minimise the loss law along that budget line."""
    import numpy as np

    from scalinglab.planning.conventions import optimal_under

    if set(result.law.inputs) != {"N", "D"}:
        raise ScalingLabError(f"law {result.law.name!r} has no compute-optimal allocation (it needs N and D)")
    sol = optimal_under(result.law.predict, result.params, np.array(compute, dtype=float), conv)
    rows = [{"C": c, "N": float(sol["N"][i]), "D": float(sol["D"][i]), "M": float(sol["M"][i]),
             "tokens_per_param": float(sol["D"][i] / sol["N"][i]), "loss": float(sol["loss"][i]),
             "convention": conv.to_dict()} for i, c in enumerate(compute)]
    if json:
        echo_json(rows[0] if len(rows) == 1 else rows)
        return
    for row in rows:
        typer.echo(f"C = {row['C']:.4g} FLOPs (C = M·D, M = {row['M']:.4g} FLOPs/token): N = {row['N']:.4g} "
                   f"params, D = {row['D']:.4g} tokens ({row['tokens_per_param']:.1f} tokens/param), "
                   f"loss {row['loss']:.4f}")


@handle_errors
def laws(json: opt.Json = False) -> None:
    """List the laws (formula, inputs with units and column aliases, parameters) and the presets."""
    from scalinglab.fitting.allocation import ALLOCATION_PRESETS
    from scalinglab.laws.presets import PRESETS
    from scalinglab.laws.registry import available_laws, get_law

    table = {}
    for name in available_laws():
        the_law = get_law(name)
        table[name] = {"formula": the_law.formula, "title": the_law.title,
                       "inputs": [v.to_dict() for v in the_law.variables], "response": the_law.response,
                       "parameters": list(the_law.param_names)}
    presets = {k: {"law": p.law, "params": p.params, "source": p.source} for k, p in PRESETS.items()}
    presets |= {k: {"law": "allocation", "params": {"a": p.a, "k_N": p.k_N, "b": p.b, "k_D": p.k_D},
                    "convention": p.convention, "source": p.source} for k, p in ALLOCATION_PRESETS.items()}
    if json:
        echo_json({"laws": table, "presets": presets})
        return
    typer.echo("Laws:")
    for name, info in table.items():
        typer.echo(f"  {name:<18} {info['formula']}")
        shown = "; ".join(f"{v['name']}" + (f" [{v['unit']}]" if v["unit"] else "") +
                          f" ({', '.join(v['aliases'][:3])})" for v in info["inputs"])
        typer.echo(f"  {'':<18}   inputs: {shown}")
    typer.echo("Presets:")
    for name, p in presets.items():
        typer.echo(f"  {name:<18} {p['law']:<16} {p['source']}")
