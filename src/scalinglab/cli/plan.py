"""``scalinglab plan``: inference-aware and cost-optimal sizing, data-constrained training, MoE, test-time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import emit, handle_errors, parse_floats
from scalinglab.errors import PlanningError

plan_app = typer.Typer(name="plan", help="Plan model size and data: inference-aware, cost, data-constrained, "
                                         "MoE, test-time compute.", no_args_is_help=True)

Fit = Annotated[Path | None, typer.Option("--fit", help="FIT.json from `scalinglab fit --out`.")]
PresetOpt = Annotated[str | None, typer.Option("--preset", help="Published constants, e.g. sardana2024.")]
TargetLoss = Annotated[float | None, typer.Option("--target-loss", help="Required loss (nats/token).")]
ReferenceParams = Annotated[float | None, typer.Option(
    "--reference-params", help="Target = loss of the Chinchilla-optimal model with this many parameters.")]


def _load(fit: Path | None, preset: str | None, default: str | None = None):
    from scalinglab.cli.core import load_fit_or_preset

    if fit is None and preset is None:
        preset = default
    result = load_fit_or_preset(fit, preset)
    if getattr(result, "kind", "") == "allocation":
        raise PlanningError(f"{fit or preset} is an allocation law (N*(C), D*(C) only); this planner needs a "
                            "loss law L(N, D) — use `scalinglab optimal` with it, or a loss-law fit here")
    return result


@plan_app.command("inference")
@handle_errors
def inference(
    inference_tokens: Annotated[float, typer.Option("--inference-tokens",
                                                    help="Tokens the model will process over its life.")],
    target_loss: TargetLoss = None,
    reference_params: ReferenceParams = None,
    fit: Fit = None,
    preset: PresetOpt = None,
    json: opt.Json = False,
) -> None:
    """Smallest lifetime FLOPs (training + inference) for a target loss (Sardana et al. 2024)."""
    from scalinglab.planning.inference import plan_inference

    result = _load(fit, preset)
    emit(plan_inference(result, inference_tokens=inference_tokens, target_loss=target_loss,
                         reference_params=reference_params), json)


@plan_app.command("cost")
@handle_errors
def cost(
    requests: Annotated[float, typer.Option("--requests", help="Requests served over the model's life.")],
    input_tokens: Annotated[float, typer.Option("--input-tokens", help="Prompt tokens per request.")],
    output_tokens: Annotated[float, typer.Option("--output-tokens", help="Generated tokens per request.")],
    target_loss: TargetLoss = None,
    reference_params: ReferenceParams = None,
    fit: Fit = None,
    preset: PresetOpt = None,
    gpu: Annotated[str, typer.Option("--gpu", help="Training accelerator (see `plan accelerators`).")] = "h100",
    inference_gpu: Annotated[str | None, typer.Option("--inference-gpu",
                                                      help="Serving accelerator (default: --gpu).")] = None,
    price: Annotated[float | None, typer.Option("--price", help="Training USD per GPU-hour.")] = None,
    inference_price: Annotated[float | None, typer.Option("--inference-price",
                                                          help="Serving USD per GPU-hour.")] = None,
    mfu_train: Annotated[float, typer.Option("--mfu-train", help="Training MFU.")] = 0.40,
    mfu_prompt: Annotated[float, typer.Option("--mfu-prompt", help="MFU on prompt tokens (prefill).")] = 0.50,
    mfu_generate: Annotated[float, typer.Option("--mfu-generate", help="MFU on generated tokens.")] = 0.10,
    int8: Annotated[bool, typer.Option("--int8", help="Serve at int8 peak throughput.")] = False,
    json: opt.Json = False,
) -> None:
    """Dollar-optimal N, D for a target loss and a serving workload, vs the Chinchilla-optimal model."""
    from scalinglab.planning.cost import CostSetup, get_accelerator, plan_cost

    result = _load(fit, preset)
    train_acc = get_accelerator(gpu, price)
    inf_acc = get_accelerator(inference_gpu or gpu, inference_price if inference_price is not None else price)
    setup = CostSetup(train_acc, inf_acc, requests, input_tokens, output_tokens, mfu_train, mfu_prompt,
                      mfu_generate, "int8" if int8 else "bf16")
    emit(plan_cost(result, setup, target_loss=target_loss, reference_params=reference_params), json)


@plan_app.command("accelerators")
@handle_errors
def accelerators(json: opt.Json = False) -> None:
    """The accelerator catalogue: dense peak throughput, power, default price, datasheet."""
    from scalinglab.planning.cost import AcceleratorCatalogue

    emit(AcceleratorCatalogue(), json)


@plan_app.command("data-constrained")
@handle_errors
def data_constrained(
    compute: Annotated[float, typer.Option("--compute", help="Training FLOPs C = 6ND.")],
    unique_tokens: Annotated[float, typer.Option("--unique-tokens", help="Unique tokens available U.")],
    fit: Fit = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Default: data-constrained (C4).")] = None,
    json: opt.Json = False,
) -> None:
    """Best N, D (and epochs) for a budget when unique data is limited (Muennighoff et al. 2023)."""
    from scalinglab.planning.data_constrained import plan_data_constrained

    result = _load(fit, preset, default="data-constrained")
    emit(plan_data_constrained(result, compute, unique_tokens), json)


@plan_app.command("data-constrained-fit")
@handle_errors
def data_constrained_fit(
    data: Annotated[str, typer.Argument(help="Runs with N, D, unique tokens and loss.")],
    fit: Annotated[Path | None, typer.Option("--fit", help="Base E, A, B, alpha, beta from this "
                                                           "data-constrained or chinchilla fit.")] = None,
    params_col: opt.ParamsCol = None,
    tokens_col: opt.TokensCol = None,
    unique_tokens_col: Annotated[str | None, typer.Option("--unique-tokens-col",
                                                          help="Column with unique tokens U.")] = None,
    loss_col: opt.LossCol = None,
    where: opt.Where = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the fitted law as FIT.json.")] = None,
    json: opt.Json = False,
) -> None:
    """Fit R_D*, R_N* with the base law frozen (default: the paper's C4 base terms)."""
    from scalinglab.planning.data_constrained import fit_repetition_file

    if out is not None:
        from scalinglab.atomic import check_writable

        check_writable(out)  # before the fit spends any compute
    base = None
    if fit is not None:
        from scalinglab.fitting.result import FitResult
        from scalinglab.planning.data_constrained import base_terms

        base = base_terms(FitResult.load(fit), str(fit))
    res = fit_repetition_file(data, base=base, params_col=params_col, tokens_col=tokens_col,
                              unique_tokens_col=unique_tokens_col, loss_col=loss_col, where=where)
    if out is not None:
        res.result.save(out)
    emit(res, json)
    if out is not None and not json:
        typer.echo(f"wrote {out}")


@plan_app.command("moe")
@handle_errors
def moe(
    compute: Annotated[float, typer.Option("--compute", help="Training FLOPs.")],
    fit: Fit = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Default: krajewski2024.")] = None,
    expansion: Annotated[float, typer.Option("--expansion", help="Expansion rate E (FFN-sized experts).")] = 64,
    granularities: Annotated[str, typer.Option("--granularities", help="Granularities G to try.")] =
    "1,2,4,8,16,32,64",
    sparsities: Annotated[str | None, typer.Option(
        "--sparsities", help="moe-sparsity fits: sparsities S to try (default 0, 1/2, 3/4, … 63/64).")] = None,
    dense_preset: Annotated[str | None, typer.Option("--dense-preset",
                                                     help="Dense law to compare with (same data!).")] = None,
    json: opt.Json = False,
) -> None:
    """Compute-optimal MoE for a budget: granularity G (Krajewski et al. 2024, default preset) or, with a
    moe-sparsity fit, sparsity S (Abnar et al. 2025): N_total, N_active and D."""
    from scalinglab.planning.moe import DEFAULT_SPARSITIES, plan_moe, plan_sparsity

    gs = parse_floats(granularities, "--granularities")
    result = _load(fit, preset, default="krajewski2024")
    if result.law.name == "moe-sparsity":
        ss = parse_floats(sparsities, "--sparsities") if sparsities else DEFAULT_SPARSITIES
        emit(plan_sparsity(result, compute, sparsities=ss), json)
        return
    dense = _load(None, dense_preset) if dense_preset else None
    emit(plan_moe(result, compute, expansion=expansion, granularities=gs, dense=dense), json)


@plan_app.command("test-time")
@handle_errors
def test_time(
    size_ratio: Annotated[float | None, typer.Option(
        "--size-ratio", help="Snell's K: M, how many times larger the big model is.")] = None,
    inference_ratio: Annotated[float | None, typer.Option(
        "--inference-ratio", help="Snell's K: R = inference tokens / pretraining tokens.")] = None,
    pretrain_tokens: Annotated[float | None, typer.Option("--pretrain-tokens", help="D_pretrain.")] = None,
    inference_tokens: Annotated[float | None, typer.Option("--inference-tokens", help="D_inference.")] = None,
    test_time_fit: Annotated[Path | None, typer.Option(
        "--test-time-fit", help="FIT from `scalinglab test-time fit --out`: plan model size × samples k.")] = None,
    size_law: Annotated[Path | None, typer.Option(
        "--size-law", help="Law across sizes from `scalinglab test-time sizes --out`: plan any --sizes.")] = None,
    sizes: Annotated[str | None, typer.Option("--sizes", help="Candidate model sizes N for --size-law "
                                                              "(comma-separated, e.g. 1e9,3e9,7e9).")] = None,
    queries: Annotated[float | None, typer.Option("--queries", help="Queries answered over the model's life.")]
    = None,
    prompt_tokens: Annotated[float, typer.Option("--prompt-tokens", help="Prompt tokens per query.")] = 0.0,
    output_tokens: Annotated[float | None, typer.Option("--output-tokens",
                                                        help="Generated tokens per sample.")] = None,
    verifier_params: Annotated[float, typer.Option(
        "--verifier-params", help="Verifier size V: 2V FLOPs per prompt + sample token (0: free).")] = 0.0,
    budget_flops: Annotated[float | None, typer.Option("--budget-flops", help="Lifetime FLOPs budget.")] = None,
    budget_dollars: Annotated[float | None, typer.Option("--budget-dollars",
                                                         help="Lifetime USD budget (priced as `plan cost`).")]
    = None,
    target_accuracy: Annotated[float | None, typer.Option("--target-accuracy",
                                                          help="Cheapest candidate reaching this coverage.")]
    = None,
    train_tokens: Annotated[float | None, typer.Option("--train-tokens",
                                                       help="Training tokens D of every model.")] = None,
    fit: Annotated[Path | None, typer.Option("--fit", help="Training law FIT.json: D = its compute-optimal "
                                                          "tokens for each model's N.")] = None,
    preset: PresetOpt = None,
    ks: Annotated[str | None, typer.Option("--ks", help="Samples k to try (default 1, 2, 4, … 8192, 10000).")]
    = None,
    gpu: Annotated[str, typer.Option("--gpu", help="Accelerator for --budget-dollars.")] = "h100",
    price: Annotated[float | None, typer.Option("--price", help="USD per GPU-hour.")] = None,
    mfu_train: Annotated[float, typer.Option("--mfu-train", help="Training MFU.")] = 0.40,
    mfu_prompt: Annotated[float, typer.Option("--mfu-prompt", help="MFU on prompt tokens.")] = 0.50,
    mfu_generate: Annotated[float, typer.Option("--mfu-generate", help="MFU on generated tokens.")] = 0.10,
    plot: Annotated[Path | None, typer.Option("--plot", help="Accuracy vs lifetime cost frontier figure.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the plan as JSON (TestTimePlan.load).")] = None,
    json: opt.Json = False,
) -> None:
    """Bigger model or more samples? Snell et al.'s FLOPs-matched K = M + 3(M − 1)/R, or with
    --test-time-fit (or --size-law and --sizes) the best (model, k) for a budget or a target accuracy, by
    lifetime cost."""
    if test_time_fit is not None and size_law is not None:
        raise PlanningError("give --test-time-fit or --size-law, not both")
    if test_time_fit is None and size_law is None:
        if size_ratio is None:
            raise PlanningError("give --size-ratio (Snell's K), --test-time-fit or --size-law with --sizes "
                                "(plan model size × samples)")
        from scalinglab.planning.test_time import test_time_tradeoff

        emit(test_time_tradeoff(size_ratio, inference_ratio, pretrain_tokens=pretrain_tokens,
                                 inference_tokens=inference_tokens), json)
        return
    from scalinglab.cli.common import parse_floats
    from scalinglab.cli.test_time import parse_ints
    from scalinglab.planning.test_time_budget import Workload, plan_test_time
    from scalinglab.testtime.result import TestTimeFit
    from scalinglab.testtime.sizes import SizeLaw

    if queries is None or output_tokens is None:
        raise PlanningError(f"{'--size-law' if size_law else '--test-time-fit'} needs --queries and --output-tokens")
    if (size_law is None) != (sizes is None):
        raise PlanningError("--size-law and --sizes go together")
    if budget_flops is not None and budget_dollars is not None:
        raise PlanningError("give --budget-flops or --budget-dollars, not both")
    setup = None
    if budget_dollars is not None:
        from scalinglab.planning.cost import CostSetup, get_accelerator

        acc = get_accelerator(gpu, price)
        setup = CostSetup(acc, acc, queries, prompt_tokens, output_tokens, mfu_train, mfu_prompt, mfu_generate)
    training_law = _load(fit, preset) if (fit is not None or preset is not None) else None
    law = SizeLaw.load(size_law) if size_law is not None else TestTimeFit.load(test_time_fit)
    plan = plan_test_time(law, Workload(queries, prompt_tokens, output_tokens, verifier_params),
                          budget=budget_flops if budget_flops is not None else budget_dollars,
                          target_accuracy=target_accuracy, setup=setup, train_tokens=train_tokens,
                          training_law=training_law, ks=parse_ints(ks, "--ks") if ks else None,
                          sizes=parse_floats(sizes, "--sizes", positive=True) if sizes else None)
    if plot is not None:
        from scalinglab.report.test_time_figures import frontier_figure

        frontier_figure(plan, plot)
    if out is not None:
        plan.save(out)
    emit(plan, json)
    if not json:
        for path in (plot, out):
            if path is not None:
                typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command group."""
    app.add_typer(plan_app, name="plan")


@plan_app.command("hyperparams")
@handle_errors
def hyperparams(
    params: Annotated[float, typer.Option("--params", help="Parameter count N (non-embedding).")],
    tokens: Annotated[float, typer.Option("--tokens", help="Training tokens D.")],
    fit: Fit = None,
    preset: Annotated[str | None, typer.Option(
        "--preset", help="Published optimum: li2025 (default) or deepseek2024.")] = None,
    json: opt.Json = False,
) -> None:
    """Optimal learning rate and batch size (Li et al. 2025; DeepSeek-AI 2024; or a hyperparams fit)."""
    from scalinglab.planning.hyperparams import plan_hyperparams

    if fit is not None and preset is not None:
        raise PlanningError("give either --fit or --preset, not both")
    if fit is not None:
        from scalinglab.fitting.result import FitResult

        source = FitResult.load(fit)
    else:
        source = preset or "li2025"
    emit(plan_hyperparams(source, params, tokens), json)


@plan_app.command("mixture")
@handle_errors
def mixture(
    data: Annotated[str, typer.Argument(help="Table: one row per trained mixture, proportion and loss columns.")],
    losses: Annotated[str, typer.Option("--losses", help="Comma-separated loss columns (one per domain).")],
    proportions: Annotated[str | None, typer.Option(
        "--proportions", help="Comma-separated proportion columns (default r1, r2, ... as found).")] = None,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="Comma-separated weights of the losses in the target (default: equal).")] = None,
    json: opt.Json = False,
) -> None:
    """Fit Ye et al. 2024's data mixing laws per domain; pick the proportions minimising the weighted loss."""
    from scalinglab.data.io import read_table
    from scalinglab.planning.mixture import fit_mixture, plan_mixture

    frame = read_table(data)
    outs = [c.strip() for c in losses.split(",") if c.strip()]
    if proportions:
        props = [c.strip() for c in proportions.split(",") if c.strip()]
    else:
        props = [f"r{j}" for j in range(1, 9) if f"r{j}" in frame.columns]
    try:
        w = [float(x) for x in weights.split(",")] if weights else None
    except ValueError:
        raise PlanningError(f"--weights must be comma-separated numbers, got {weights!r}") from None
    emit(plan_mixture(fit_mixture(frame, props, outs, source=str(data)), w), json)
