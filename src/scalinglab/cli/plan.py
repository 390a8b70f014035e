"""``scalinglab plan``: inference-aware and cost-optimal sizing, data-constrained training, MoE, test-time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalinglab.cli import options as opt
from scalinglab.cli.common import echo_json, handle_errors
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


def _emit(result, json: bool) -> None:
    if json:
        echo_json(result.to_dict())
    else:
        typer.echo(result.text())


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
    _emit(plan_inference(result, inference_tokens=inference_tokens, target_loss=target_loss,
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
    _emit(plan_cost(result, setup, target_loss=target_loss, reference_params=reference_params), json)


@plan_app.command("accelerators")
@handle_errors
def accelerators(json: opt.Json = False) -> None:
    """The accelerator catalogue: dense peak throughput, power, default price, datasheet."""
    from dataclasses import asdict

    from scalinglab.planning.cost import ACCELERATORS

    if json:
        echo_json({k: asdict(v) for k, v in ACCELERATORS.items()})
        return
    typer.echo(f"  {'name':<10} {'bf16 TFLOP/s':>12} {'int8 TOP/s':>11} {'W':>5} {'$/h':>6}  source")
    for a in ACCELERATORS.values():
        typer.echo(f"  {a.name:<10} {a.bf16_tflops:>12g} {a.int8_tops:>11g} {a.power_w:>5g} "
                   f"{a.price_per_hour:>6.2f}  {a.source}")
    typer.echo("  (prices are illustrative defaults; override with --price)")


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
    _emit(plan_data_constrained(result, compute, unique_tokens), json)


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

    base = None
    if fit is not None:
        from scalinglab.fitting.result import FitResult
        from scalinglab.laws.data_constrained import BASE_NAMES

        loaded = FitResult.load(fit)
        missing = [k for k in BASE_NAMES if k not in loaded.params]
        if missing:
            raise PlanningError(f"{fit}: the base fit needs {', '.join(BASE_NAMES)}; missing {', '.join(missing)}")
        base = {k: loaded.params[k] for k in BASE_NAMES}
    res = fit_repetition_file(data, base=base, params_col=params_col, tokens_col=tokens_col,
                              unique_tokens_col=unique_tokens_col, loss_col=loss_col, where=where)
    if out is not None:
        res.result.save(out)
    _emit(res, json)
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

    def parse(text: str, flag: str) -> tuple[float, ...]:
        try:
            return tuple(float(g) for g in text.split(",") if g.strip())
        except ValueError:
            raise PlanningError(f"{flag} must be comma-separated numbers, got {text!r}") from None

    gs = parse(granularities, "--granularities")
    result = _load(fit, preset, default="krajewski2024")
    if result.law.name == "moe-sparsity":
        ss = parse(sparsities, "--sparsities") if sparsities else DEFAULT_SPARSITIES
        _emit(plan_sparsity(result, compute, sparsities=ss), json)
        return
    dense = _load(None, dense_preset) if dense_preset else None
    _emit(plan_moe(result, compute, expansion=expansion, granularities=gs, dense=dense), json)


@plan_app.command("test-time")
@handle_errors
def test_time(
    size_ratio: Annotated[float, typer.Option("--size-ratio", help="M: how many times larger the big model is.")],
    inference_ratio: Annotated[float | None, typer.Option(
        "--inference-ratio", help="R = inference tokens / pretraining tokens.")] = None,
    pretrain_tokens: Annotated[float | None, typer.Option("--pretrain-tokens", help="D_pretrain.")] = None,
    inference_tokens: Annotated[float | None, typer.Option("--inference-tokens", help="D_inference.")] = None,
    json: opt.Json = False,
) -> None:
    """Test-time compute multiplier K = M + 3(M − 1)/R that matches an M× larger model (Snell et al. 2024)."""
    from scalinglab.planning.test_time import test_time_tradeoff

    _emit(test_time_tradeoff(size_ratio, inference_ratio, pretrain_tokens=pretrain_tokens,
                             inference_tokens=inference_tokens), json)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command group."""
    app.add_typer(plan_app, name="plan")
