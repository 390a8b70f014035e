"""Compute-optimal MoE for a training budget: fine-grained experts (Krajewski et al. 2024, Sec. 5:
N_total, N_active, G and D) and sparsity (Abnar et al. 2025: N_total, the active fraction 1 − S, and D).

FLOPs come from the *active* parameters plus the router. With d the model width, n_b the number of
blocks, E the expansion rate (number of FFN-sized experts' worth of parameters) and granularity G:

    total params   N     = n_b (4d² + 8E d²)          (attention shared, E·G experts of size 8d²/G)
    active params  N_act = n_b · 12 d²                 (one FFN's worth of experts fires per token)
    FLOPs/token    f     = 6 N_act + c_r · d · E · G · n_b,  c_r = 14 (Krajewski et al., FLOPs model)

The width is set from N_act with a fixed aspect ratio d = ``aspect`` · n_b (128 by default), and D = C / f.
For each G we minimise L(N, D, G) over N; larger G lowers the loss (g/G^γ) but raises router FLOPs, so
there is a best G at every budget. The plan is compared with standard (G = 1) MoE and, given a dense fit
(``dense=``), with the dense Chinchilla optimum at the same FLOPs — whose loss is on the dense fit's own
data, so only meaningful when both laws were fitted on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalinglab.errors import PlanningError
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import minimise_log_n
from scalinglab.planning.compute_optimal import fmt, positive
from scalinglab.results import Result, readable

ROUTER_FLOPS = 14.0  # c_r, FLOPs per (token, d_model, expert·granularity, block) for routing


def active_params(N_total: np.ndarray | float, expansion: float) -> np.ndarray:
    """N_act = N · 12 / (4 + 8E): attention is shared, one FFN's worth of expert parameters is active."""
    return np.asarray(N_total, dtype=float) * 12.0 / (4.0 + 8.0 * expansion)


def flops_per_token(N_total: np.ndarray | float, expansion: float, G: float, aspect: float = 128.0) -> np.ndarray:
    """6·N_act + router FLOPs, with d = aspect · n_blocks and N_act = 12 d² n_blocks."""
    n_act = active_params(N_total, expansion)
    d = np.cbrt(aspect * n_act / 12.0)
    n_blocks = d / aspect
    return 6.0 * n_act + ROUTER_FLOPS * d * expansion * G * n_blocks


@dataclass
class MoEOption:
    """The best model at one granularity."""

    G: float
    N_total: float
    N_active: float
    D: float
    loss: float
    flops_per_token: float

    def to_dict(self) -> dict[str, float]:
        return {"G": self.G, "N_total": self.N_total, "N_active": self.N_active, "D": self.D, "loss": self.loss,
                "sparsity": 1.0 - self.N_active / self.N_total, "flops_per_token": self.flops_per_token,
                "router_flops_fraction": 1.0 - 6.0 * self.N_active / self.flops_per_token}


@dataclass
class MoEPlan(Result):
    compute: float
    expansion: float
    best: MoEOption
    options: list[MoEOption]
    dense: dict[str, float] | None
    law: str
    notes: list[str] = field(default_factory=list)

    @property
    def standard(self) -> MoEOption | None:
        return next((o for o in self.options if o.G == 1), None)

    def to_dict(self) -> dict[str, Any]:
        out = {"law": self.law, "compute": self.compute, "expansion": self.expansion} | self.best.to_dict()
        out["options"] = [o.to_dict() for o in self.options]
        if self.standard is not None:
            out["standard_moe"] = self.standard.to_dict()
            out["loss_gain_vs_standard"] = self.standard.loss - self.best.loss
        out["dense"] = self.dense
        out["notes"] = self.notes
        return out

    def text(self) -> str:
        b = self.best
        lines = [f"C = {self.compute:.3g} FLOPs, expansion rate {self.expansion:g} ({self.law})",
                 f"  best: G = {b.G:g}, N_total = {fmt(b.N_total)}, N_active = {fmt(b.N_active)}, "
                 f"D = {fmt(b.D)} tokens, loss {readable(b.loss)}",
                 f"  {'G':>4} {'N_total':>9} {'N_active':>9} {'D':>9} {'loss':>8}"]
        for o in self.options:
            lines.append(f"  {o.G:>4g} {fmt(o.N_total):>9} {fmt(o.N_active):>9} {fmt(o.D):>9} {readable(o.loss):>8}")
        if self.dense is not None:
            d = self.dense
            lines.append(f"  dense optimum (other fit): N = {fmt(d['N'])}, D = {fmt(d['D'])}, "
                         f"loss {readable(d['loss'])}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def plan_moe(fit: FitResult, compute: float, *, expansion: float = 64.0,
             granularities: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 64), aspect: float = 128.0,
             dense: FitResult | None = None) -> MoEPlan:
    """Loss-optimal (N_total, N_active, G, D) for a training budget under the granularity law."""
    if fit.law.name != "moe-granularity":
        raise PlanningError(f"MoE planning needs the moe-granularity law (e.g. its krajewski2024 preset), "
                            f"not {fit.law.name!r}")
    C = positive(compute, "`compute`")
    E = positive(expansion, "`expansion`")
    if E < 1:  # 1e-308 gave N_active > N_total (70B active of 23.3B)
        raise PlanningError(f"`expansion` is the number of FFN-sized experts; it must be >= 1, got {E:g}")
    if not granularities or any(not g > 0 for g in granularities):
        raise PlanningError("`granularities` must be positive")
    options = []
    for G in granularities:
        def loss_at(logn: float, G: float = G) -> float:
            n = np.exp(logn)
            return float(fit.law.predict(fit.params, N=n, D=C / flops_per_token(n, E, G, aspect), G=G))

        with np.errstate(all="ignore"):  # a huge G overflows: caught just below, not printed as warnings
            n, loss, _ = minimise_log_n(loss_at, np.log(np.sqrt(C)))
            f = float(flops_per_token(n, E, G, aspect))
        if not (np.isfinite(loss) and np.isfinite(f) and f > 0 and np.isfinite(C / f)):  # was a row of loss nan
            raise PlanningError(f"`granularities`: G = {G:g} is outside the float range of the plan")
        options.append(MoEOption(float(G), n, float(active_params(n, E)), C / f, loss, f))
    best = min(options, key=lambda o: o.loss)
    dense_out = None
    notes = ["active/total parameters and router FLOPs follow the structural model in "
             f"scalinglab.planning.moe (aspect ratio d/n_blocks = {aspect:g})"]
    if dense is not None:
        sol = dense.optimal(C)
        dense_out = {"N": float(sol["N"]), "D": float(sol["D"]), "loss": float(sol["loss"])}
        notes.append("the dense loss comes from a different fit; compare losses only if both share data")
    if best.G == max(granularities):
        notes.append("the best granularity is the largest tried; larger G may be better still")
    return MoEPlan(C, E, best, options, dense_out, fit.law.name, notes)


DEFAULT_SPARSITIES = (0.0, 0.5, 0.75, 0.875, 0.9375, 0.96875, 0.984375)


@dataclass
class SparsityOption:
    """The best model at one sparsity S (share of parameters inactive per token)."""

    S: float
    N_total: float
    D: float
    loss: float

    @property
    def N_active(self) -> float:
        return self.N_total * (1.0 - self.S)

    def to_dict(self) -> dict[str, float]:
        return {"sparsity": self.S, "N_total": self.N_total, "N_active": self.N_active, "D": self.D,
                "loss": self.loss, "tokens_per_active_param": self.D / self.N_active}


@dataclass
class SparsityPlan(Result):
    compute: float
    best: SparsityOption
    options: list[SparsityOption]
    law: str
    notes: list[str] = field(default_factory=list)

    @property
    def dense(self) -> SparsityOption | None:
        return next((o for o in self.options if o.S == 0), None)

    def to_dict(self) -> dict[str, Any]:
        out = {"law": self.law, "compute": self.compute} | self.best.to_dict()
        out["options"] = [o.to_dict() for o in self.options]
        if self.dense is not None:
            out["dense"] = self.dense.to_dict()
            out["loss_gain_vs_dense"] = self.dense.loss - self.best.loss
        out["notes"] = self.notes
        return out

    def text(self) -> str:
        b = self.best
        lines = [f"C = {self.compute:.3g} FLOPs ({self.law}; C = 6 · N_active · D)",
                 f"  best: sparsity {b.S:g}, N_total = {fmt(b.N_total)}, N_active = {fmt(b.N_active)}, "
                 f"D = {fmt(b.D)} tokens, loss {readable(b.loss)}",
                 f"  {'S':>9} {'N_total':>9} {'N_active':>9} {'D':>9} {'loss':>8}"]
        for o in self.options:
            lines.append(f"  {o.S:>9g} {fmt(o.N_total):>9} {fmt(o.N_active):>9} {fmt(o.D):>9} {readable(o.loss):>8}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def plan_sparsity(fit: FitResult, compute: float, *,
                  sparsities: tuple[float, ...] = DEFAULT_SPARSITIES) -> SparsityPlan:
    """Loss-optimal total parameters and tokens at each sparsity for a FLOP budget (Abnar et al. 2025).

    Training FLOPs follow the active parameters, C = 6 · N · (1 − S) · D, so at a fixed budget a sparser
    model can hold more total parameters; for each S the loss L(N, C / (6 N (1 − S)), 1 − S) of the
    fitted ``moe-sparsity`` law is minimised over N (grid over log N, then a bounded 1-D polish).
    The law has no published constants here: fit it on your own MoE runs (``scalinglab fit --law
    moe-sparsity``, columns N, D and the active fraction A).
    """
    if fit.law.name != "moe-sparsity":
        raise PlanningError(f"sparsity planning needs the moe-sparsity law, not {fit.law.name!r}")
    C = positive(compute, "`compute`")
    if not sparsities or any(not 0 <= s < 1 for s in sparsities):
        raise PlanningError("`sparsities` must be in [0, 1)")
    options = []
    for S in sorted(set(sparsities)):
        A = 1.0 - S

        def loss_at(logn: float, A: float = A) -> float:
            n = np.exp(logn)
            with np.errstate(over="ignore", invalid="ignore"):
                v = float(fit.law.predict(fit.params, N=n, D=C / (6.0 * n * A), A=A))
            return v if np.isfinite(v) else np.inf

        n, loss, at_edge = minimise_log_n(loss_at, np.log(np.sqrt(C / 6.0)))
        options.append(SparsityOption(float(S), n, C / (6.0 * n * A), loss))
        if at_edge:
            raise PlanningError(f"no interior optimum over N at sparsity {S:g}: the law keeps improving towards "
                                "the edge of the search; check the fit")
    best = min(options, key=lambda o: o.loss)
    notes = ["FLOPs count active parameters only (router and attention costs are not modelled separately)"]
    if best.S == max(o.S for o in options) and best.S > 0:
        notes.append("the best sparsity is the largest tried; sparser models may be better still")
    return SparsityPlan(C, best, options, fit.law.name, notes)


def plan_moe_fit(fit: FitResult, compute: float, *, expansion: float = 64.0,
                 granularities: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 64),
                 sparsities: tuple[float, ...] | None = None, dense: FitResult | None = None) -> MoEPlan | SparsityPlan:
    """The MoE plan a fit's law makes: sparsities for a ``moe-sparsity`` fit (:func:`plan_sparsity`), else
    granularities (:func:`plan_moe`, against the ``dense`` law when given)."""
    if fit.law.name == "moe-sparsity":
        return plan_sparsity(fit, compute, sparsities=sparsities or DEFAULT_SPARSITIES)
    if sparsities is not None:  # the granularity plan would ignore them without a word
        raise PlanningError(f"`sparsities` goes with a moe-sparsity fit (`fit`); the {fit.law.name} law plans "
                            "granularities (`granularities`)")
    return plan_moe(fit, compute, expansion=expansion, granularities=granularities, dense=dense)
