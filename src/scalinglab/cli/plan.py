"""``scalinglab plan``: inference-aware and cost-optimal sizing, data-constrained training, MoE, test-time; and
``scalinglab test-time``: pass@k coverage from repeated samples, and the test-time laws fitted per model."""

from __future__ import annotations

from pathlib import Path

import typer

from scalinglab import fitting, planning, report, testtime
from scalinglab.cli.common import command, emit
from scalinglab.cli.options import Fit, Json, Preset, a, o, runs_columns
from scalinglab.data.columns import parse_names, parse_numbers
from scalinglab.errors import PlanningError

app = typer.Typer()  # the groups plan and test-time
plan_app = typer.Typer(name="plan", help="Plan model size and data: inference-aware, cost, data-constrained, MoE, "
                                         "test-time compute.", no_args_is_help=True)
tt_app = typer.Typer(name="test-time", no_args_is_help=True,
                     help="Repeated sampling: coverage (pass@k) and test-time laws fitted from samples.")
app.add_typer(plan_app, name="plan")
app.add_typer(tt_app, name="test-time")

TargetLoss = o(float | None, "Required loss (nats/token).", "--target-loss")
ReferenceParams = o(float | None, "Target = loss of the Chinchilla-optimal model with this many parameters.",
                    "--reference-params")
MfuTrain = o(float, "Training MFU.", "--mfu-train")
MfuPrompt = o(float, "MFU on prompt tokens (prefill).", "--mfu-prompt")
MfuGenerate = o(float, "MFU on generated tokens.", "--mfu-generate")


@command(plan_app, "inference")
def inference(
    inference_tokens: o(float, "Tokens the model will process over its life."),
    target_loss: TargetLoss = None, reference_params: ReferenceParams = None, fit: Fit = None,
    preset: Preset = None, json: Json = False,
) -> None:
    """Smallest lifetime FLOPs (training + inference) for a target loss (Sardana et al. 2024)."""
    emit(planning.plan_inference(fitting.loss_law(fit, preset), inference_tokens=inference_tokens,
                                 target_loss=target_loss, reference_params=reference_params), json)


@command(plan_app, "cost")
def cost(
    requests: o(float, "Requests served over the model's life."),
    input_tokens: o(float, "Prompt tokens per request."),
    output_tokens: o(float, "Generated tokens per request."), target_loss: TargetLoss = None,
    reference_params: ReferenceParams = None, fit: Fit = None, preset: Preset = None,
    gpu: o(str, "Training accelerator (see `plan accelerators`).") = "h100",
    inference_gpu: o(str | None, "Serving accelerator (default: --gpu).") = None,
    price: o(float | None, "Training USD per GPU-hour.") = None,
    inference_price: o(float | None, "Serving USD per GPU-hour.") = None, mfu_train: MfuTrain = 0.40,
    mfu_prompt: MfuPrompt = 0.50, mfu_generate: MfuGenerate = 0.10,
    int8: o(bool, "Serve at int8 peak throughput.", "--int8") = False, json: Json = False,
) -> None:
    """Dollar-optimal N, D for a target loss and a serving workload, vs the Chinchilla-optimal model."""
    setup = planning.CostSetup.priced(gpu, price, requests, input_tokens, output_tokens, inference_gpu=inference_gpu,
                                      inference_price=inference_price, mfu_train=mfu_train, mfu_prompt=mfu_prompt,
                                      mfu_generate=mfu_generate, int8=int8)
    emit(planning.plan_cost(fitting.loss_law(fit, preset), setup, target_loss=target_loss,
                            reference_params=reference_params), json)


@command(plan_app, "accelerators")
def accelerators(json: Json = False) -> None:
    """The accelerator catalogue: dense peak throughput, power, default price, datasheet."""
    emit(planning.AcceleratorCatalogue(), json)


@command(plan_app, "data-constrained")
def data_constrained(
    compute: o(float, "Training FLOPs C = 6ND."), unique_tokens: o(float, "Unique tokens available U."),
    fit: Fit = None, preset: o(str | None, "Default: data-constrained (C4).") = None, json: Json = False,
) -> None:
    """Best N, D (and epochs) for a budget when unique data is limited (Muennighoff et al. 2023)."""
    emit(planning.plan_data_constrained(fitting.loss_law(fit, preset, "data-constrained"), compute, unique_tokens),
         json)


@command(plan_app, "data-constrained-fit")
@runs_columns("params_col", "tokens_col", "unique_tokens_col", "loss_col", "where")
def data_constrained_fit(
    data: a(str, "Runs with N, D, unique tokens and loss."), columns: dict,
    fit: o(Path | None, "Base E, A, B, alpha, beta from this data-constrained or chinchilla fit.") = None,
    out: o(Path | None, "Write the fitted law as FIT.json.") = None, json: Json = False,
) -> None:
    """Fit R_D*, R_N* with the base law frozen (default: the paper's C4 base terms)."""
    report.check_outputs(out)  # before the fit spends any compute
    emit(planning.fit_repetition_file(data, base_fit=fit, **columns), json, save=out)


@command(plan_app, "moe")
def moe(
    compute: o(float, "Training FLOPs."), fit: Fit = None,
    preset: o(str | None, "Default: krajewski2024.") = None,
    expansion: o(float, "Expansion rate E (FFN-sized experts).") = 64,
    granularities: o(str, "Granularities G to try.") = "1,2,4,8,16,32,64",
    sparsities: o(str | None, "moe-sparsity fits: sparsities S to try (default 0, 1/2, 3/4, … 63/64).") = None,
    dense_preset: o(str | None, "Dense law to compare with (same data!).") = None, json: Json = False,
) -> None:
    """Compute-optimal MoE for a budget: granularity G (Krajewski et al. 2024, default preset) or, with a
    moe-sparsity fit, sparsity S (Abnar et al. 2025): N_total, N_active and D."""
    emit(planning.plan_moe_fit(
        fitting.loss_law(fit, preset, "krajewski2024"), compute, expansion=expansion,
        granularities=parse_numbers(granularities, "granularities"),
        sparsities=parse_numbers(sparsities, "sparsities") if sparsities is not None else None,
        dense=fitting.loss_law(None, dense_preset, option="dense_preset") if dense_preset else None), json)


@command(plan_app, "test-time")
def test_time(
    size_ratio: o(float | None, "Snell's K: M, how many times larger the big model is.") = None,
    inference_ratio: o(float | None, "Snell's K: R = inference tokens / pretraining tokens.") = None,
    pretrain_tokens: o(float | None, "D_pretrain.") = None,
    inference_tokens: o(float | None, "D_inference.") = None,
    test_time_fit: o(Path | None, "FIT from `scalinglab test-time fit --out`: plan model size × samples k.") = None,
    size_law: o(Path | None, "Law across sizes from `scalinglab test-time sizes --out`: plan any --sizes.") = None,
    sizes: o(str | None, "Candidate model sizes N for --size-law (comma-separated, e.g. 1e9,3e9,7e9).") = None,
    queries: o(float | None, "Queries answered over the model's life.") = None,
    prompt_tokens: o(float, "Prompt tokens per query.") = 0.0,
    output_tokens: o(float | None, "Generated tokens per sample.") = None,
    verifier_params: o(float, "Verifier size V: 2V FLOPs per prompt + sample token (0: free).") = 0.0,
    budget_flops: o(float | None, "Lifetime FLOPs budget.") = None,
    budget_dollars: o(float | None, "Lifetime USD budget (priced as `plan cost`).") = None,
    target_accuracy: o(float | None, "Cheapest candidate reaching this coverage.") = None,
    train_tokens: o(float | None, "Training tokens D of every model.") = None,
    fit: o(Path | None, "Training law FIT.json: D = its compute-optimal tokens for each model's N.") = None,
    preset: Preset = None, ks: o(str | None, "Samples k to try (default 1, 2, 4, … 8192, 10000).") = None,
    gpu: o(str, "Accelerator for --budget-dollars.") = "h100",
    price: o(float | None, "USD per GPU-hour.") = None, mfu_train: MfuTrain = 0.40,
    mfu_prompt: MfuPrompt = 0.50, mfu_generate: MfuGenerate = 0.10,
    plot: o(Path | None, "Accuracy vs lifetime cost frontier figure.") = None,
    out: o(Path | None, "Write the plan as JSON (TestTimePlan.load).") = None, json: Json = False,
) -> None:
    """Bigger model or more samples? Snell et al.'s FLOPs-matched K = M + 3(M − 1)/R, or with
    --test-time-fit (or --size-law and --sizes) the best (model, k) for a budget or a target accuracy, by
    lifetime cost."""
    if test_time_fit is None and size_law is None:
        if size_ratio is None:
            raise PlanningError("give --size-ratio (Snell's K), --test-time-fit or --size-law with --sizes "
                                "(plan model size × samples)")
        if out is not None or plot is not None:  # they were ignored: exit 0, nothing written
            raise PlanningError("--out and --plot go with --test-time-fit or --size-law, not Snell's K")
        return emit(planning.test_time_tradeoff(size_ratio, inference_ratio, pretrain_tokens=pretrain_tokens,
                                                inference_tokens=inference_tokens), json)
    report.check_outputs(out, plot, report.TEST_TIME_FORMATS)  # before planning: a bad --plot was a matplotlib traceback
    training_law = fitting.loss_law(fit, preset) if (fit is not None or preset is not None) else None
    plan = planning.plan_test_time_files(
        test_time_fit=test_time_fit, size_law=size_law, queries=queries, prompt_tokens=prompt_tokens,
        output_tokens=output_tokens, verifier_params=verifier_params, budget_flops=budget_flops,
        budget_dollars=budget_dollars, gpu=gpu, price=price, mfu=(mfu_train, mfu_prompt, mfu_generate),
        target_accuracy=target_accuracy, train_tokens=train_tokens, training_law=training_law,
        ks=parse_numbers(ks, "ks", whole=True) if ks else None,
        sizes=parse_numbers(sizes, "sizes", positive=True) if sizes else None)
    if plot is not None:
        report.frontier_figure(plan, plot)
    emit(plan, json, save=out, wrote=(plot,))


@command(plan_app, "hyperparams")
def hyperparams(
    params: o(float, "Parameter count N (non-embedding)."), tokens: o(float, "Training tokens D."),
    fit: Fit = None, preset: o(str | None, "Published optimum: li2025 (default) or deepseek2024.") = None,
    json: Json = False,
) -> None:
    """Optimal learning rate and batch size (Li et al. 2025; DeepSeek-AI 2024; or a hyperparams fit)."""
    if fit is not None and preset is not None:
        raise PlanningError("give either --fit or --preset, not both")
    emit(planning.plan_hyperparams(fitting.FitResult.load(fit) if fit is not None else preset or "li2025", params,
                                   tokens), json)


@command(plan_app, "mixture")
def mixture(
    data: a(str, "Table: one row per trained mixture, proportion and loss columns."),
    losses: o(str, "Comma-separated loss columns (one per domain)."),
    proportions: o(str | None, "Comma-separated proportion columns (default r1, r2, ... as found).") = None,
    weights: o(str | None, "Comma-separated weights of the losses in the target (default: equal).") = None,
    json: Json = False,
) -> None:
    """Fit Ye et al. 2024's data mixing laws per domain; pick the proportions minimising the weighted loss."""
    emit(planning.plan_mixture_file(data, parse_names(losses, "losses"), parse_names(proportions, "proportions"),
                                    parse_numbers(weights, "weights") if weights else None), json)


@command(tt_app, "fit")
def tt_fit(
    data: a(str, "Per-problem counts (model, N, [D], problem, n, c) or aggregate curves (model, N, [D], "
                 "method, k, accuracy)."),
    law: o(str | None, "Test-time law (see `test-time laws`); default brown for counts, saturating for "
                       "curves.") = None,
    samples: o(int | None, "Fit on the first N samples per problem (hypergeometric subsample, seeded).") = None,
    bootstrap: o(int, "Resamples of the problems for intervals.") = 0,
    seed: o(int, "Seed of the subsample and the bootstrap.") = 0,
    models: o(str | None, "Comma-separated models to fit.") = None,
    ks: o(str, "k at which to report coverage.") = "1,10,100,1000,10000,100000",
    out: o(Path | None, "Write the fit (for `plan test-time`).") = None,
    plot: o(Path | None, "Coverage vs k with the fitted laws (.png/.svg/.pdf).") = None, json: Json = False,
) -> None:
    """Fit a test-time law to each model: coverage(k) and its extrapolation, with intervals."""
    report_ks = parse_numbers(ks, "ks", whole=True)
    report.check_outputs(out, plot, report.TEST_TIME_FORMATS)  # before the fit: a bad --plot was a matplotlib traceback
    result, counts = testtime.fit_test_time_file(data, law, samples=samples, bootstrap=bootstrap, seed=seed,
                                                 models=parse_names(models, "models"))
    if plot is not None:
        report.coverage_figure(result, counts, plot)
    emit(result, json, save=out, wrote=(plot,), text=result.text(report_ks))


@command(tt_app, "coverage")
def tt_coverage(
    data: a(str, "Per-problem counts (model, N, problem, n, c)."),
    ks: o(str, "k values.") = "1,10,100,1000,10000", json: Json = False,
) -> None:
    """Measured coverage (mean unbiased pass@k, Chen et al. 2021) per model."""
    values = parse_numbers(ks, "ks", whole=True)
    emit(testtime.Coverage(testtime.load_counts(data), values), json)


@command(tt_app, "sizes")
def tt_sizes(
    data: a(str, "Per-problem counts with N and D (train tokens) columns."),
    ks: o(str, "k at which to fit the law across sizes.") = "1,10,100",
    bootstrap: o(int, "Resamples of the models for intervals.") = 0, seed: o(int, "Seed of the bootstrap.") = 0,
    out: o(Path | None, "Write the fitted laws (for `plan test-time --size-law`).") = None, json: Json = False,
) -> None:
    """-log pass@k = E(k) + A(k)/N^beta(k) + B(k)/D^gamma(k) across models (Schaeffer, Levi et al. 2025)."""
    fit_ks = parse_numbers(ks, "ks", whole=True)
    report.check_outputs(out)
    emit(testtime.fit_sizes(testtime.load_counts(data), fit_ks, bootstrap=bootstrap, seed=seed), json, save=out)


@command(tt_app, "bins")
def tt_bins(
    data: a(str, "Per-problem counts (model, N, problem, n, c)."),
    samples_per_problem: o(int, "Average samples per problem to spend."),
    n_bins: o(int, "Difficulty bins (5: quintiles of pass@1).", "--bins") = 5,
    pilot: o(int | None, "Set bins and allocation on the first N samples per problem; measure on all of them.") = None,
    seed: o(int, "Seed of the pilot subsample.") = 0, json: Json = False,
) -> None:
    """Snell et al.'s difficulty bins: samples per bin that maximise coverage, against uniform sampling."""
    emit(testtime.allocate_by_difficulty_file(data, samples_per_problem, n_bins=n_bins, pilot=pilot, seed=seed), json)


@command(tt_app, "laws")
def tt_laws(json: Json = False) -> None:
    """The test-time laws: name, data they fit, formula."""
    emit(testtime.LawTable(), json)
