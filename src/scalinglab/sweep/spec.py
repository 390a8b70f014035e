"""Sweep specifications: a TOML (or YAML) file, or a preset dict, expanded into concrete runs.

A spec names the data, the model family's shape rules, the training recipe, the eval gates and the
runs: a ``[grid]`` of target sizes x token budgets (or tokens per parameter), an ``[isoflop]`` design
(for each compute budget, sizes spaced around the ~20 tokens/parameter optimum with D = C / 6N), or
an explicit ``[[runs]]`` list. Every run becomes a :class:`RunConfig`, a plain JSON-able record that
is all :mod:`scalinglab.sweep.train` needs (and what a cluster job receives).

Example::

    name = "mine"
    seed = 0
    [data]
    source = "stdlib"          # or a file, a directory, or "hf:/path/saved/with/save_to_disk"
    vocab_size = 1024
    [model]
    seq_len = 128
    head_dim = 32
    aspect_ratio = 32          # width / layers
    [train]
    batch_size = 16            # sequences per optimiser step (global)
    lr = 3e-3
    schedule = "cosine"        # or "wsd"
    checkpoint_every = 50
    [grid]
    params = [2e4, 1e5, 5e5]   # target non-embedding parameters
    tokens = [1e6]
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from scalinglab.errors import InputError, ScalingLabError
from scalinglab.sweep import schema
from scalinglab.sweep.filters import QualityConfig
from scalinglab.sweep.flops import Shape, non_embedding_params, size_model
from scalinglab.sweep.schema import RUN_CONFIG, check_section, check_value
from scalinglab.sweep.shards import DataConfig

#: Files of a run folder: the latest checkpoint, the validation curve so far, and the final result.
CHECKPOINT = "checkpoint.pt"
CURVE = "curve.json"
RESULT = "result.json"


@dataclass(frozen=True)
class ModelRules:
    seq_len: int = 128
    head_dim: int = 32
    aspect_ratio: float = 32.0
    mlp_ratio: int = 4
    layers: int | None = None  # fixed depth: sizes differ in width only (aspect_ratio is then unused)
    heads: int | None = None  # a fixed number of heads (width a multiple of it) instead of head_dim


@dataclass(frozen=True)
class TrainRecipe:
    batch_size: int = 16
    micro_batch: int | None = None
    lr: float = 3e-3
    lr_base_width: int | None = None
    min_lr_ratio: float = 0.1
    warmup_steps: int | None = None
    warmup_fraction: float = 0.05
    schedule: str = "cosine"
    decay_fraction: float = 0.2
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    checkpoint_every: int = 50
    keep_checkpoints: tuple[int, ...] = ()
    eval_windows: int = 128
    cpu_threads: int | None = None
    device: str = "auto"
    dtype: str = "auto"
    compile: bool | str = "auto"
    parallel: str = "ddp"
    peak_flops: float | None = None  # dense peak FLOP/s of one device, for MFU (the CLI fills it in on CUDA)


@dataclass(frozen=True)
class Gates:
    """Stop rules checked at each checkpoint: divergence, and (optionally) lagging a loss forecast."""

    divergence_factor: float = 2.0
    forecast: dict[str, float] | None = None  # {E, B, beta, tolerance=0.1, after_fraction=0.25}


@dataclass(frozen=True)
class RunConfig:
    """One training run, fully specified; JSON round-trips through :meth:`to_dict` / :meth:`from_dict`."""

    name: str
    seed: int
    data_dir: str
    n_layer: int
    d_model: int
    n_head: int
    seq_len: int
    vocab_size: int
    mlp_ratio: int
    steps: int
    batch_size: int
    micro_batch: int | None
    lr: float
    min_lr_ratio: float
    warmup_steps: int
    schedule: str
    decay_fraction: float
    weight_decay: float
    beta1: float
    beta2: float
    grad_clip: float
    checkpoint_every: int
    eval_windows: int
    # the optional fields default to the spec's own defaults (TrainRecipe, Gates): one default per field
    cpu_threads: int | None = TrainRecipe.cpu_threads
    device: str = TrainRecipe.device
    dtype: str = TrainRecipe.dtype
    compile: bool | str = TrainRecipe.compile  # "auto": torch.compile on CUDA, eager on CPU
    parallel: str = TrainRecipe.parallel
    divergence_factor: float = Gates.divergence_factor
    forecast: dict[str, float] | None = Gates.forecast
    lr_base_width: int | None = TrainRecipe.lr_base_width
    keep_checkpoints: tuple[int, ...] = TrainRecipe.keep_checkpoints  # also kept as checkpoint-<step>.pt
    peak_flops: float | None = TrainRecipe.peak_flops  # one device's dense peak FLOP/s: MFU when known

    def __post_init__(self) -> None:
        """Every field typed and ranged (a config file edited by hand gets the same checks as a spec)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, rule in RUN_CONFIG.items():
            check_value(values[key], rule, f"run {self.name!r}: {key}", None)
        object.__setattr__(self, "keep_checkpoints", tuple(int(s) for s in self.keep_checkpoints))
        if self.d_model % self.n_head:
            raise InputError(f"run {self.name!r}: width {self.d_model} is not divisible by its {self.n_head} heads")
        if self.micro_batch and self.batch_size % self.micro_batch:
            raise InputError(f"run {self.name!r}: batch_size {self.batch_size} is not divisible by "
                             f"micro_batch {self.micro_batch}")

    @property
    def hidden_lr_mult(self) -> float:
        """muP-style learning-rate factor of the hidden matrices: ``lr_base_width / d_model`` (1 when unset)."""
        return self.lr_base_width / self.d_model if self.lr_base_width else 1.0

    @property
    def shape(self) -> Shape:
        return Shape(self.n_layer, self.d_model, self.n_head, self.vocab_size, self.seq_len, self.mlp_ratio)

    @property
    def tokens(self) -> int:
        """Training tokens D = steps x batch_size x seq_len."""
        return self.steps * self.batch_size * self.seq_len

    @property
    def non_embedding_params(self) -> int:
        return non_embedding_params(self.shape)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "keep_checkpoints": list(self.keep_checkpoints)}

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str | None = None) -> RunConfig:
        """Build from a mapping; unknown keys and missing or bad fields are one InputError naming ``source``."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise InputError(f"unknown run config key(s): {', '.join(unknown)}", file=source)
        try:
            return cls(**d)
        except TypeError as exc:  # a missing field
            raise InputError(f"run config: {exc}", file=source) from None
        except InputError as exc:
            raise InputError(exc.detail, file=source) from None


@dataclass(frozen=True)
class SweepSpec:
    name: str = "sweep"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelRules = field(default_factory=ModelRules)
    train: TrainRecipe = field(default_factory=TrainRecipe)
    gates: Gates = field(default_factory=Gates)
    grid: dict[str, Any] | None = None
    isoflop: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    executor: dict[str, Any] = field(default_factory=dict)


def _build(cls: type, raw: Any, rules: dict[str, schema.Rule], where: str, source: str) -> Any:
    values = check_section(raw, rules, where, source)
    if cls is TrainRecipe and "keep_checkpoints" in values:
        values["keep_checkpoints"] = tuple(values["keep_checkpoints"])
    return cls(**values)


def _check_runs(raw: list[Any], source: str) -> list[dict[str, Any]]:
    """Each ``[[runs]]`` entry: a table of shape keys (typed, ranged) plus RunConfig overrides."""
    out = []
    for i, r in enumerate(raw):
        if not isinstance(r, dict):
            raise InputError(f"runs[{i}] must be a table, got {r!r:.40}", file=source)
        rules = {**RUN_CONFIG, **schema.RUN}
        entry = check_section(r, rules, f"runs[{i}]", source)
        if "tokens" not in entry:
            raise InputError(f"runs[{i}] needs tokens", file=source)
        if not ({"layers", "width"} <= set(entry) or "params" in entry):
            raise InputError(f"runs[{i}] needs params, or layers and width", file=source)
        name = entry.get("name")
        if name is not None:  # the run's folder, runs/<name>: "../x" wrote outside the sweep folder
            if not name or name in (".", "..") or any(c in name for c in '/\\\0') or name != name.strip():
                raise InputError(f"runs[{i}].name must be a plain folder name, got {name!r:.40}", file=source)
            first = next((j for j, e in enumerate(out) if e.get("name") == name), None)
            if first is not None:  # the second run of a name was dropped without a word
                raise InputError(f"runs[{i}].name {name!r} is also the name of runs[{first}]", file=source)
        out.append(entry)
    return out


def spec_from_dict(d: Any, source: str = "<spec>") -> SweepSpec:
    """Validate a spec mapping (parsed TOML/YAML or a preset) into a :class:`SweepSpec`.

    Every key is checked for type and range (:mod:`scalinglab.sweep.schema`) before anything else
    happens, and the run design is expanded once, so any error names the spec file and the key.
    """
    if not isinstance(d, dict):
        raise InputError("a spec must be a mapping", file=source)
    top = check_section(d, schema.TOP, "top level", source)
    data_raw = dict(top.get("data") or {})
    quality = _build(QualityConfig, data_raw.pop("quality", None), schema.QUALITY, "data.quality", source)
    data = _build(DataConfig, data_raw, schema.DATA, "data", source)
    data = replace(data, quality=quality)
    gates_raw = dict(top.get("gates") or {})
    forecast = check_section(gates_raw.pop("forecast", None), schema.FORECAST, "gates.forecast", source)
    if forecast and not {"E", "B", "beta"} <= set(forecast):
        raise InputError("gates.forecast needs E, B and beta", file=source)
    gates = replace(_build(Gates, gates_raw, schema.GATES, "gates", source), forecast=forecast or None)
    spec = SweepSpec(
        name=str(top.get("name", "sweep")), seed=int(top.get("seed", 0)), data=data,
        model=_build(ModelRules, top.get("model"), schema.MODEL, "model", source),
        train=_build(TrainRecipe, top.get("train"), schema.TRAIN, "train", source), gates=gates,
        grid=check_section(top["grid"], schema.GRID, "grid", source) if top.get("grid") is not None else None,
        isoflop=(check_section(top["isoflop"], schema.ISOFLOP, "isoflop", source)
                 if top.get("isoflop") is not None else None),
        runs=_check_runs(top.get("runs") or [], source), executor=dict(top.get("executor") or {}),
    )
    if sum(x is not None and x != [] for x in (spec.grid, spec.isoflop, spec.runs or None)) != 1:
        raise InputError("a spec needs exactly one of [grid], [isoflop] or [[runs]]", file=source)
    if spec.train.micro_batch and spec.train.batch_size % spec.train.micro_batch:
        raise InputError(f"train.batch_size {spec.train.batch_size} is not divisible by train.micro_batch "
                         f"{spec.train.micro_batch}", file=source)
    try:
        expand(spec, "")  # validate the run design now, so errors name the spec file
    except InputError as exc:
        raise InputError(exc.detail, file=source) from None
    except ScalingLabError as exc:
        raise InputError(str(exc), file=source) from None
    return spec


def apply_overrides(d: dict[str, Any], overrides: Sequence[str], source: str = "<spec>") -> dict[str, Any]:
    """A copy of the spec mapping ``d`` with each ``section.key=value`` of ``overrides`` set in it.

    The value is read as a TOML value (``3e-3``, ``true``, ``[1e4, 2e4]``, ``"cosine"``); one that is not
    TOML (``cosine``) is taken as a string. Only the path is checked here: the result goes through
    :func:`spec_from_dict`, so an override gets exactly the schema's checks and one-line errors naming
    the key (``train.lr must be a positive number, got -1``).
    """
    out = copy.deepcopy(d)
    for item in overrides:
        path, eq, text = item.partition("=")
        keys = path.strip().split(".")
        if not eq or not all(k.strip() for k in keys):
            raise InputError(f"override {item!r} must be KEY=VALUE with a dotted key, e.g. train.lr=3e-3",
                             file=source)
        keys = [k.strip() for k in keys]
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        node = out
        for i, k in enumerate(keys[:-1]):
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise InputError(f"override {item!r}: {'.'.join(keys[:i + 1])} is not a table", file=source)
        node[keys[-1]] = value
    return out


def load_spec(path: str | Path, overrides: Sequence[str] = ()) -> SweepSpec:
    """Read a spec from TOML (stdlib ``tomllib``) or, when PyYAML is installed, YAML; ``overrides`` as in
    :func:`apply_overrides`."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such spec file", file=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # a binary file: was a UnicodeDecodeError traceback
        raise InputError("not a text file (a spec is TOML or YAML, UTF-8)", file=str(p)) from None
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise InputError("YAML specs need PyYAML (pip install pyyaml); or write the spec as TOML",
                             file=str(p)) from None
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML: {exc}", file=str(p)) from None
    else:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"invalid TOML: {exc}", file=str(p)) from None
    if not isinstance(raw, dict):
        raise InputError("a spec must be a mapping", file=str(p))
    return spec_from_dict(apply_overrides(raw, overrides, str(p)), str(p))


def _fmt(x: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def _per_budget(v: Any, key: str, n: int) -> list[float]:
    """One value for every budget, or a list with one value per budget."""
    vals = _as_list(v, key)
    if len(vals) == 1:
        return vals * n
    if len(vals) != n:
        raise InputError(f"{key} must be one number or one per budget ({n}), got {len(vals)}")
    return vals


def _as_list(v: Any, key: str) -> list[float]:
    vals = v if isinstance(v, list) else [v]
    try:
        out = [float(x) for x in vals]
    except (TypeError, ValueError):
        raise InputError(f"{key} must be a number or a list of numbers, got {v!r}") from None
    if not out or any(not (x > 0 and math.isfinite(x)) for x in out):
        raise InputError(f"{key} must be positive numbers, got {v!r}")
    return out


def _points(spec: SweepSpec) -> list[dict[str, Any]]:
    """(shape, tokens, overrides) for each run the spec asks for, before naming."""
    m, V = spec.model, spec.data.vocab_size

    def shape_for(target: float) -> Shape:
        s = size_model(target, vocab_size=V, seq_len=m.seq_len, head_dim=m.head_dim, aspect_ratio=m.aspect_ratio,
                       n_layer=m.layers, n_head=m.heads)
        return replace(s, mlp_ratio=m.mlp_ratio)

    pts: list[dict[str, Any]] = []
    if spec.grid is not None:
        g = dict(spec.grid)
        sizes = _as_list(g.pop("params", None), "grid.params")
        tokens = _as_list(g.pop("tokens"), "grid.tokens") if "tokens" in g else None
        ratio = _as_list(g.pop("tokens_per_param"), "grid.tokens_per_param") if "tokens_per_param" in g else None
        if g or (tokens is None) == (ratio is None):
            raise InputError("[grid] takes params and exactly one of tokens / tokens_per_param")
        for target in sizes:
            s = shape_for(target)
            for D in tokens if tokens is not None else [r * non_embedding_params(s) for r in ratio or []]:
                pts.append({"shape": s, "tokens": D})
    elif spec.isoflop is not None:
        g = dict(spec.isoflop)
        budgets = _as_list(g.pop("budgets", None), "isoflop.budgets")
        n_sizes = int(g.pop("sizes", 5))
        span = _per_budget(g.pop("span", 4.0), "isoflop.span", len(budgets))
        tpp = _per_budget(g.pop("tokens_per_param", 20.0), "isoflop.tokens_per_param", len(budgets))
        if g:
            raise InputError(f"unknown key(s) in [isoflop]: {', '.join(sorted(g))}")
        for C, ratio, width in zip(budgets, tpp, span, strict=True):
            n_opt = math.sqrt(C / (6.0 * ratio))
            for k in range(n_sizes):
                t = -1.0 + 2.0 * k / (n_sizes - 1) if n_sizes > 1 else 0.0
                s = shape_for(n_opt * width ** t)
                pts.append({"shape": s, "tokens": C / (6.0 * non_embedding_params(s)), "budget": C})
    else:
        for i, r in enumerate(spec.runs):
            r = dict(r)
            if "tokens" not in r:
                raise InputError(f"runs[{i}] needs tokens")
            if "layers" in r and "width" in r:
                width = int(r.pop("width"))
                heads = m.heads or max(1, width // m.head_dim)
                s = Shape(int(r.pop("layers")), width, heads, V, m.seq_len, m.mlp_ratio)
            elif "params" in r:
                s = shape_for(float(r.pop("params")))
            else:
                raise InputError(f"runs[{i}] needs params, or layers and width")
            pts.append({"shape": s, "tokens": float(r.pop("tokens")), "name": r.pop("name", None),
                        "overrides": r})
    return pts


def expand(spec: SweepSpec, data_dir: Path | str) -> list[RunConfig]:
    """Concrete runs, smallest compute first; shapes that coincide after snapping are kept once."""
    t, out, seen = spec.train, [], set()
    per_step = t.batch_size * spec.model.seq_len
    train_fields = {f.name for f in fields(RunConfig)}
    for p in _points(spec):
        s: Shape = p["shape"]
        steps = max(1, round(p["tokens"] / per_step))
        name = p.get("name") or f"L{s.n_layer}-d{s.d_model}-D{_fmt(steps * per_step)}"
        if name in seen:
            continue
        seen.add(name)
        warmup = t.warmup_steps if t.warmup_steps is not None else max(1, round(t.warmup_fraction * steps))
        cfg = RunConfig(
            name=name, seed=spec.seed, data_dir=str(data_dir), n_layer=s.n_layer, d_model=s.d_model,
            n_head=s.n_head, seq_len=s.seq_len, vocab_size=s.vocab_size, mlp_ratio=s.mlp_ratio, steps=steps,
            batch_size=t.batch_size, micro_batch=t.micro_batch, lr=t.lr, min_lr_ratio=t.min_lr_ratio,
            warmup_steps=min(warmup, steps), schedule=t.schedule, decay_fraction=t.decay_fraction,
            weight_decay=t.weight_decay, beta1=t.beta1, beta2=t.beta2, grad_clip=t.grad_clip,
            checkpoint_every=max(1, t.checkpoint_every), eval_windows=t.eval_windows,
            cpu_threads=t.cpu_threads, device=t.device,
            dtype=t.dtype, compile=t.compile, parallel=t.parallel,
            divergence_factor=spec.gates.divergence_factor, forecast=spec.gates.forecast,
            lr_base_width=t.lr_base_width, keep_checkpoints=t.keep_checkpoints, peak_flops=t.peak_flops)
        overrides = p.get("overrides") or {}
        bad = sorted(set(overrides) - train_fields)
        if bad:
            raise InputError(f"run {name}: unknown key(s) {', '.join(bad)}")
        out.append(replace(cfg, **overrides))
    from scalinglab.sweep.flops import flops_6nd

    return sorted(out, key=lambda r: (flops_6nd(r.non_embedding_params, r.tokens), r.name))
