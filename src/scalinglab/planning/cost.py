"""Cost-optimal training for a quality target: dollars, GPU-hours and energy (Sardana et al. 2024, Sec. 3).

FLOPs are turned into accelerator time with a peak throughput and a model-FLOPs utilisation (MFU) that
differs between training, prompt processing (prefill, compute-bound) and generation (decode, mostly
memory-bound, so a much lower MFU). With c = price / (3600 · peak · MFU) dollars per FLOP,

    cost = c_train · 6·N·D + 2·N · (c_prompt · T_in + c_generate · T_out),

where T_in, T_out are the lifetime prompt and generated tokens (requests × tokens per request). Dividing by
c_train gives the FLOP problem of ``planning.inference`` with an effective inference-token count
D_eq = (c_prompt T_in + c_generate T_out) / c_train, so the same exact root-find solves it.

Peak numbers are dense (no 2:4 sparsity) from the vendors' datasheets; the hourly prices are illustrative
on-demand cloud prices, not datasheet values — pass your own with ``--price``/``--inference-price``.
Energy is GPU-hours × board power (TDP), an upper bound that ignores host, network and cooling.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.planning.compute_optimal import ChinchillaTerms, fmt, positive
from scalinglab.planning.inference import resolve_target
from scalinglab.results import Result, readable


@dataclass(frozen=True)
class Accelerator:
    """Peak dense throughput (TFLOP/s bf16, TOP/s int8), board power (W) and an hourly price (USD)."""

    name: str
    bf16_tflops: float
    int8_tops: float
    power_w: float
    price_per_hour: float
    source: str

    def peak_flops(self, precision: str = "bf16") -> float:
        """Peak FLOP/s (or OP/s for int8) at the given precision."""
        if precision == "bf16":
            return self.bf16_tflops * 1e12
        if precision == "int8":
            return self.int8_tops * 1e12
        raise PlanningError(f"unknown precision {precision!r}; use bf16 or int8")


#: Dense peaks (the datasheets quote "with sparsity" figures at 2×; those are halved here).
ACCELERATORS: dict[str, Accelerator] = {
    a.name: a for a in (
        Accelerator("a100", 312, 624, 400, 1.50,
                    "NVIDIA A100 Tensor Core GPU datasheet (SXM4 80GB): BF16 312 TFLOPS, INT8 624 TOPS, 400 W"),
        Accelerator("h100", 989, 1979, 700, 2.50,
                    "NVIDIA H100 Tensor Core GPU datasheet (SXM5): BF16 1,979 / INT8 3,958 with sparsity "
                    "(989 / 1,979 dense), up to 700 W"),
        Accelerator("h100-pcie", 756, 1513, 350, 2.00,
                    "NVIDIA H100 datasheet (PCIe): BF16 1,513 / INT8 3,026 with sparsity, 300-350 W"),
        Accelerator("h200", 989, 1979, 700, 3.50,
                    "NVIDIA H200 Tensor Core GPU datasheet (SXM): same Tensor Core peaks as H100 SXM, "
                    "141 GB HBM3e, up to 700 W"),
        Accelerator("l4", 121, 242, 72, 0.80,
                    "NVIDIA L4 datasheet: BF16 242 TFLOPS / INT8 485 TOPS with sparsity, 72 W"),
        Accelerator("mi300x", 1307.4, 2614.9, 750, 2.50,
                    "AMD Instinct MI300X datasheet: BF16 1,307.4 TFLOPS, INT8 2,614.9 TOPS dense, 750 W"),
    )
}


@dataclass
class AcceleratorCatalogue(Result):
    """The accelerator catalogue (:data:`ACCELERATORS`) as a result."""

    accelerators: dict[str, Accelerator] = field(default_factory=lambda: dict(ACCELERATORS))

    def to_dict(self) -> dict[str, Any]:
        return {k: asdict(v) for k, v in self.accelerators.items()}

    def text(self) -> str:
        lines = [f"  {'name':<10} {'bf16 TFLOP/s':>12} {'int8 TOP/s':>11} {'W':>5} {'$/h':>6}  source"]
        lines += [f"  {a.name:<10} {a.bf16_tflops:>12g} {a.int8_tops:>11g} {a.power_w:>5g} "
                  f"{a.price_per_hour:>6.2f}  {a.source}" for a in self.accelerators.values()]
        return "\n".join(lines + ["  (prices are illustrative defaults; override with --price)"])


def peak_for_device(name: str) -> float | None:
    """Dense bf16 peak FLOP/s of a GPU from its torch name (``NVIDIA H100 80GB HBM3``), from the catalogue."""
    import re

    words = set(re.findall(r"[a-z0-9]+", name.lower()))
    for key in sorted(ACCELERATORS, key=len, reverse=True):  # h100-pcie before h100
        parts = key.split("-")
        if set(parts) <= words and not (len(parts) == 1 and f"{key}-pcie" in ACCELERATORS and "pcie" in words):
            return ACCELERATORS[key].peak_flops("bf16")
    return None


def get_accelerator(name: str, price_per_hour: float | None = None) -> Accelerator:
    """A catalogue entry, with the hourly price overridden when given."""
    try:
        acc = ACCELERATORS[name.lower()]
    except KeyError:
        raise PlanningError(f"unknown accelerator {name!r}; known: {', '.join(ACCELERATORS)}") from None
    if price_per_hour is not None:
        acc = replace(acc, price_per_hour=positive(price_per_hour, "`price_per_hour`"))
    return acc


@dataclass(frozen=True)
class CostSetup:
    """Hardware, utilisation and the serving workload (requests × prompt/generated tokens each)."""

    train_gpu: Accelerator
    inference_gpu: Accelerator
    requests: float
    input_tokens: float
    output_tokens: float
    mfu_train: float = 0.40
    mfu_prompt: float = 0.50
    mfu_generate: float = 0.10
    inference_precision: str = "bf16"

    @classmethod
    def priced(cls, gpu: str, price: float | None, requests: float, input_tokens: float, output_tokens: float,
               *, inference_gpu: str | None = None, inference_price: float | None = None, mfu_train: float = 0.40,
               mfu_prompt: float = 0.50, mfu_generate: float = 0.10, int8: bool = False) -> CostSetup:
        """A setup from catalogue names: training on ``gpu`` at ``price`` USD/GPU-hour (default: the
        catalogue's), serving on ``inference_gpu`` at ``inference_price`` (default: the training ones)."""
        if inference_price is not None:  # validated under its own name (it read as --price before)
            positive(inference_price, "`inference_price`")
        serve_price = inference_price if inference_price is not None else price
        return cls(get_accelerator(gpu, price), get_accelerator(inference_gpu or gpu, serve_price), requests,
                   input_tokens, output_tokens, mfu_train, mfu_prompt, mfu_generate, "int8" if int8 else "bf16")

    def __post_init__(self) -> None:
        for name in ("mfu_train", "mfu_prompt", "mfu_generate"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise PlanningError(f"`{name}` must be in (0, 1], got {v:g}")
        for name in ("requests", "input_tokens", "output_tokens"):
            positive(getattr(self, name), f"`{name}`", allow_zero=True)
        for name, tokens in (("input_tokens", self.prompt_tokens), ("output_tokens", self.generated_tokens)):
            if tokens == float("inf"):  # 1e308 requests: "inference tokens must be ..., got inf"
                raise PlanningError(f"`requests` × `{name}` is past the float range of lifetime tokens")
        self.inference_gpu.peak_flops(self.inference_precision)

    @property
    def prompt_tokens(self) -> float:
        return self.requests * self.input_tokens

    @property
    def generated_tokens(self) -> float:
        return self.requests * self.output_tokens

    def seconds_per_flop(self) -> dict[str, float]:
        """Accelerator-seconds per FLOP for training, prompt and generation."""
        p_inf = self.inference_gpu.peak_flops(self.inference_precision)
        return {"train": 1.0 / (self.train_gpu.peak_flops("bf16") * self.mfu_train),
                "prompt": 1.0 / (p_inf * self.mfu_prompt), "generate": 1.0 / (p_inf * self.mfu_generate)}

    def dollars_per_flop(self) -> dict[str, float]:
        s = self.seconds_per_flop()
        return {"train": s["train"] * self.train_gpu.price_per_hour / 3600,
                "prompt": s["prompt"] * self.inference_gpu.price_per_hour / 3600,
                "generate": s["generate"] * self.inference_gpu.price_per_hour / 3600}

    def equivalent_inference_tokens(self) -> float:
        """D_eq: inference tokens that would cost as much at the training price per FLOP."""
        c = self.dollars_per_flop()
        return (c["prompt"] * self.prompt_tokens + c["generate"] * self.generated_tokens) / c["train"]

    def breakdown(self, N: float, D: float) -> CostBreakdown:
        s = self.seconds_per_flop()
        train_flops = 6.0 * N * D
        prompt_flops, gen_flops = 2.0 * N * self.prompt_tokens, 2.0 * N * self.generated_tokens
        h_train = train_flops * s["train"] / 3600
        h_inf = (prompt_flops * s["prompt"] + gen_flops * s["generate"]) / 3600
        return CostBreakdown(
            N=N, D=D, training_flops=train_flops, inference_flops=prompt_flops + gen_flops,
            gpu_hours_train=h_train, gpu_hours_inference=h_inf,
            dollars_train=h_train * self.train_gpu.price_per_hour,
            dollars_inference=h_inf * self.inference_gpu.price_per_hour,
            energy_kwh_train=h_train * self.train_gpu.power_w / 1000,
            energy_kwh_inference=h_inf * self.inference_gpu.power_w / 1000)

    def to_dict(self) -> dict[str, Any]:
        return {"train_gpu": asdict(self.train_gpu), "inference_gpu": asdict(self.inference_gpu),
                "requests": self.requests, "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "mfu_train": self.mfu_train, "mfu_prompt": self.mfu_prompt, "mfu_generate": self.mfu_generate,
                "inference_precision": self.inference_precision}


@dataclass
class CostBreakdown:
    """FLOPs, accelerator-hours, dollars and energy of training N on D tokens and serving the workload."""

    N: float
    D: float
    training_flops: float
    inference_flops: float
    gpu_hours_train: float
    gpu_hours_inference: float
    dollars_train: float
    dollars_inference: float
    energy_kwh_train: float
    energy_kwh_inference: float

    @property
    def dollars(self) -> float:
        return self.dollars_train + self.dollars_inference

    @property
    def gpu_hours(self) -> float:
        return self.gpu_hours_train + self.gpu_hours_inference

    @property
    def energy_kwh(self) -> float:
        return self.energy_kwh_train + self.energy_kwh_inference

    @property
    def flops(self) -> float:
        return self.training_flops + self.inference_flops

    def to_dict(self) -> dict[str, float]:
        return asdict(self) | {"tokens_per_param": self.D / self.N, "flops": self.flops,
                               "dollars": self.dollars, "gpu_hours": self.gpu_hours, "energy_kwh": self.energy_kwh}


@dataclass
class CostPlan(Result):
    """Cost-optimal N, D for a target loss and the Chinchilla-optimal model of the same loss."""

    target_loss: float
    setup: CostSetup
    optimal: CostBreakdown
    reference: CostBreakdown
    law: str
    notes: list[str] = field(default_factory=list)

    def saving(self, key: str) -> float:
        return 1.0 - getattr(self.optimal, key) / getattr(self.reference, key)

    def to_dict(self) -> dict[str, Any]:
        o = self.optimal
        return {"law": self.law, "target_loss": self.target_loss, "N": o.N, "D": o.D,
                "tokens_per_param": o.D / o.N, "dollars": o.dollars, "gpu_hours": o.gpu_hours,
                "energy_kwh": o.energy_kwh, "flops": o.flops, "optimal": o.to_dict(),
                "reference": self.reference.to_dict(),
                "saving": {"dollars": self.saving("dollars"), "gpu_hours": self.saving("gpu_hours"),
                           "energy_kwh": self.saving("energy_kwh"), "flops": self.saving("flops")},
                "equivalent_inference_tokens": self.setup.equivalent_inference_tokens(),
                "setup": self.setup.to_dict(), "notes": self.notes}

    def text(self) -> str:
        o, r, s = self.optimal, self.reference, self.setup

        def n(x: float) -> str:  # 1e200 output tokens printed $2,747,583,...: 200 digits with commas
            return readable(x, ",.0f", ".3g", limit=1e15)

        def row(label: str, b: CostBreakdown) -> str:
            return (f"  {label:<15} N = {fmt(b.N):>7}, D = {fmt(b.D):>7} ({readable(b.D / b.N, '6.1f', '6.3g')} tok/param): "
                    f"${n(b.dollars)} (train ${n(b.dollars_train)} + serve ${n(b.dollars_inference)}), "
                    f"{n(b.gpu_hours)} GPU-h, {n(b.energy_kwh)} kWh")

        lines = [f"Target loss {self.target_loss:.4f}; {fmt(s.requests)} requests × ({fmt(s.input_tokens)} in + "
                 f"{fmt(s.output_tokens)} out) tokens; train on {s.train_gpu.name} (${s.train_gpu.price_per_hour:g}/h, "
                 f"MFU {s.mfu_train:g}), serve on {s.inference_gpu.name} {s.inference_precision} "
                 f"(${s.inference_gpu.price_per_hour:g}/h, MFU prompt {s.mfu_prompt:g}, generate {s.mfu_generate:g})",
                 row("cost-optimal", o), row("Chinchilla ref.", r),
                 f"  → saves {100 * self.saving('dollars'):.1f}% of the dollars, "
                 f"{100 * self.saving('energy_kwh'):.1f}% of the energy"]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


_RANGE = ("the dollar or GPU-hour costs are outside the float range; check `price_per_hour`, `inference_price`, "
          "`mfu_train`, `mfu_prompt` and `mfu_generate`")


def plan_cost(fit: FitResult, setup: CostSetup, *, target_loss: float | None = None,
              reference_params: float | None = None) -> CostPlan:
    """Dollar-optimal N, D for the target loss under ``setup`` (exact, via the equivalent-token problem)."""
    terms = ChinchillaTerms.from_params(fit.params, fit.law.name)
    target = resolve_target(terms, target_loss, reference_params)
    rates = setup.dollars_per_flop()
    d_eq = setup.equivalent_inference_tokens() if 0 < rates["train"] < float("inf") else float("nan")
    if not 0 <= d_eq < float("inf"):  # price/MFU 1e-308 or 1e308: division by zero, or $inf and "saves nan%"
        raise PlanningError(_RANGE)
    N, D = terms.iso_loss_allocation(target, d_eq)
    N0, D0 = terms.iso_loss_allocation(target, 0.0)
    best, chinchilla = setup.breakdown(N, D), setup.breakdown(N0, D0)
    if not all(0 < x < float("inf") for b in (best, chinchilla) for x in (b.dollars, b.gpu_hours)):
        raise PlanningError(_RANGE)
    notes = ["energy is GPU-hours at board power (TDP)"]
    defaults = [a.name for a in (setup.train_gpu, setup.inference_gpu)
                if a.name in ACCELERATORS and a.price_per_hour == ACCELERATORS[a.name].price_per_hour]
    if defaults:
        notes.append(f"the {'/'.join(sorted(set(defaults)))} hourly price is an illustrative default; "
                     "set yours with --price / --inference-price")
    if setup.train_gpu.name != setup.inference_gpu.name:
        notes.append("training and serving on different accelerators: energy saving differs from dollar saving")
    return CostPlan(target, setup, best, chinchilla, fit.law.name, notes)
