"""The Law interface: named parameters with bounds, a log-space formula with its Jacobian, presets.

Laws are fitted in an *internal* parameterisation where scale parameters enter as logs (A = e^a), as
Hoffmann et al. (2022, App. D.2) and Besiroglu et al. (2024) do, and reported in raw units.
Every method is vectorised over K parameter vectors at once: ``theta`` has shape (K, P).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Input:
    """An input variable of a law: its name (never a parameter's), unit and the runs-table columns it is
    found under (matched case-insensitively; ``--col NAME=COLUMN`` overrides).

    ``column`` is the canonical runs-table column holding it where that differs from ``name`` (U is the
    ``unique_tokens`` column). ``example`` is a (low, high) range of typical values (tests, docs);
    ``positive`` inputs enter the formula through their logs; ``product_of`` names two columns (by their
    aliases) whose product the input is when no column holds it.
    """

    name: str
    unit: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""
    example: tuple[float, float] = (1.0, 10.0)
    positive: bool = True
    column: str | None = None
    #: Where no column holds it: aliases of two columns whose product it is (vocabulary size × width).
    product_of: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    @property
    def table_column(self) -> str:
        return self.column or self.name

    def to_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "description": self.description,
                "aliases": list(self.aliases), "column": self.table_column}


#: Inputs shared by many laws; a law may declare its own ``variables`` instead.
STANDARD_INPUTS: dict[str, Input] = {i.name: i for i in (
    Input("N", "parameters", ("N", "params", "parameters", "num_params", "n_params", "model_size"),
          "model parameter count", (1e7, 1e10)),
    Input("D", "tokens", ("D", "tokens", "num_tokens", "training_tokens", "train_tokens"),
          "training tokens", (1e8, 1e11)),
    Input("C", "FLOPs", ("C", "flops", "compute", "training_flops"), "training compute", (1e18, 1e22)),
    Input("U", "tokens", ("unique_tokens", "U", "unique"), "unique training tokens", (1e7, 1e8),
          column="unique_tokens"),
    Input("S", "steps", ("step", "steps", "S"), "optimiser steps", (1e3, 1e5)),
    Input("G", "", ("G", "granularity"), "MoE granularity (FFN size / expert size)", (1.0, 16.0)),
    Input("A", "fraction", ("A", "active_fraction"), "active fraction of experts, 1 − sparsity", (0.02, 1.0)),
    Input("N_active", "parameters", ("active_params", "n_active", "active_parameters"),
          "active parameters per token", (1e7, 1e10), column="active_params"),
)}


@dataclass(frozen=True)
class Preset:
    """Published constants of a law, with their source (table/equation)."""

    law: str
    params: dict[str, float]
    source: str


@dataclass(frozen=True)
class Parameter:
    """A named law parameter. ``log`` means it is fitted as its natural log; bounds are internal."""

    name: str
    lower: float
    upper: float
    log: bool = False
    description: str = ""


class Law(ABC):
    """Base class of every scaling law. Subclasses set ``name``, ``parameters``, ``inputs`` and the formula."""

    name: str = ""
    title: str = ""
    formula: str = ""
    #: Input names, in order (derived from ``variables`` when a law declares those).
    inputs: tuple[str, ...] = ()
    #: The inputs with units and column aliases; laws of standard inputs (N, D, C, U, ...) may give
    #: ``inputs`` alone and get these from ``STANDARD_INPUTS``.
    variables: tuple[Input, ...] = ()
    #: Name of the fitted quantity (a runs-table column alias) and whether it is fitted as its log.
    response: str = "loss"
    log_response: bool = True
    parameters: tuple[Parameter, ...] = ()
    #: Names of raw parameters that enter the loss linearly for fixed exponents (variable projection).
    linear: tuple[str, ...] = ()
    #: Internal grid of starting points per parameter (Hoffmann et al. style multi-start).
    start_grid: Mapping[str, tuple[float, ...]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "variables" in cls.__dict__:
            cls.inputs = tuple(v.name for v in cls.variables)
        elif "inputs" in cls.__dict__:
            cls.variables = tuple(STANDARD_INPUTS.get(k, Input(k, aliases=(k,))) for k in cls.inputs)
        clash = set(cls.inputs) & {p.name for p in cls.parameters}
        if clash:
            raise TypeError(f"law {cls.name!r}: input names {sorted(clash)} collide with parameter names")

    def input_spec(self, name: str) -> Input:
        """The declared input called ``name``."""
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(f"law {self.name!r} has no input {name!r}")

    def column_of(self, name: str) -> str:
        """Runs-table column of input ``name`` (U is the ``unique_tokens`` column)."""
        return self.input_spec(name).table_column if name in self.inputs else name

    def example_inputs(self, n: int = 15, seed: int = 1) -> dict[str, np.ndarray]:
        """Random inputs in each variable's example range (log-uniform for positive ones)."""
        rng = np.random.default_rng(seed)
        out = {}
        for v in self.variables:
            lo, hi = v.example
            out[v.name] = (np.exp(rng.uniform(np.log(lo), np.log(hi), n)) if v.positive and lo > 0
                           else rng.uniform(lo, hi, n))
        return out

    #: Minimum number of data points a fit needs (at least one more than the parameters).
    @property
    def min_points(self) -> int:
        return len(self.parameters) + 1

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return [(p.lower, p.upper) for p in self.parameters]

    # -- parameterisation ---------------------------------------------------------------------------
    def to_internal(self, params: Mapping[str, float]) -> np.ndarray:
        """Raw parameter dict → internal vector (logs of scale parameters)."""
        missing = [p.name for p in self.parameters if p.name not in params]
        if missing:
            raise KeyError(f"law {self.name!r} needs parameters {', '.join(missing)}")
        return np.array([np.log(params[p.name]) if p.log else float(params[p.name])
                         for p in self.parameters])

    def to_raw(self, theta: np.ndarray) -> dict[str, float]:
        """Internal vector → raw parameter dict."""
        theta = np.asarray(theta, dtype=float)
        return {p.name: float(np.exp(v) if p.log else v) for p, v in zip(self.parameters, theta, strict=True)}

    def raw_array(self, theta: np.ndarray) -> np.ndarray:
        """Internal (K, P) → raw (K, P)."""
        theta = np.atleast_2d(theta).astype(float).copy()
        for j, p in enumerate(self.parameters):
            if p.log:
                theta[:, j] = np.exp(theta[:, j])
        return theta

    # -- the formula ------------------------------------------------------------------------------
    def features(self, X: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Log-inputs the formula works with (computed once per data set)."""
        return {f"log{k}": np.log(np.asarray(X[k], dtype=float)) for k in self.inputs}

    def data_starts(self, F: Mapping[str, np.ndarray], y: np.ndarray) -> np.ndarray | None:
        """Extra starting points (K, P) computed from the data (``y`` on the fitted scale), or None.

        For laws whose start grid cannot cover the space (many exponents), e.g. a linear regression in
        log space for each guess of the floor."""
        return None

    def response_of(self, y: np.ndarray) -> np.ndarray:
        """The fitted response of observed values: log y (or y itself when ``log_response`` is False)."""
        y = np.asarray(y, dtype=float)
        return np.log(y) if self.log_response else y

    @abstractmethod
    def log_predict(self, theta: np.ndarray, F: Mapping[str, np.ndarray], jac: bool = False):
        """log L̂ for internal ``theta`` (K, P) on features ``F`` → (K, n) [and Jacobian (K, n, P)].

        For a law with ``log_response = False`` this is L̂ itself (the scale it is fitted on)."""

    def second_order(self, theta: np.ndarray, F: Mapping[str, np.ndarray], weigh):
        """(log L̂, Jacobian, Σ_n v_n ∇²_θ log L̂_n) with v = ``weigh(log L̂)`` (K, n) → (K, P, P).

        Optional: laws that implement it get the bootstrap's second-order solver; the default raises
        NotImplementedError and the solver falls back to damped Gauss–Newton (see ``has_hessian``).
        """
        raise NotImplementedError

    @property
    def has_hessian(self) -> bool:
        """Whether this law implements ``second_order`` (the exact Hessian of log L̂)."""
        return type(self).second_order is not Law.second_order

    def predict(self, params: Mapping[str, float], **X: np.ndarray) -> np.ndarray:
        """Predicted loss in raw units for raw ``params`` at inputs such as ``N=..., D=...``."""
        missing = [k for k in self.inputs if X.get(k) is None]
        if missing:
            raise ValueError(f"law {self.name!r} needs inputs {', '.join(self.inputs)}; missing {missing}")
        arrays = {k: np.asarray(X[k], dtype=float) for k in self.inputs}
        shape = np.broadcast(*arrays.values()).shape
        flat = {k: np.broadcast_to(v, shape).ravel() for k, v in arrays.items()}
        theta = self.to_internal(params)[None, :]
        out = self.log_predict(theta, self.features(flat))[0]
        return (np.exp(out) if self.log_response else out).reshape(shape)

    # -- compute-optimal allocation ---------------------------------------------------------------
    def optimal(self, params: Mapping[str, float], C: float | np.ndarray) -> dict[str, np.ndarray] | None:
        """N_opt, D_opt under C = 6ND, for laws of N and D (numerically unless a closed form exists)."""
        if set(self.inputs) != {"N", "D"}:
            return None
        Cs = np.atleast_1d(np.asarray(C, dtype=float))
        N_opt = np.empty_like(Cs)
        for i, c in enumerate(Cs):
            def f(logn: np.ndarray, c: float = c) -> np.ndarray:
                n = np.exp(logn)
                return np.log(self.predict(params, N=n, D=c / (6 * n)))
            N_opt[i] = minimise_log_n(f, np.log(c / 6) / 2, half_width=25.0, xatol=1e-10, vectorised=True)[0]
        D_opt = Cs / (6 * N_opt)
        return {"N": N_opt, "D": D_opt, "loss": self.predict(params, N=N_opt, D=D_opt)}

    def optimal_exponents(self, params: Mapping[str, float]) -> dict[str, float] | None:
        """Exponents a, b of N_opt ∝ C^a and D_opt ∝ C^b, where the law gives them."""
        sol = self.optimal(params, np.array([1e20, 1e24]))
        if sol is None:
            return None
        a = float(np.log(sol["N"][1] / sol["N"][0]) / np.log(1e4))
        b = float(np.log(sol["D"][1] / sol["D"][0]) / np.log(1e4))
        return {"a": a, "b": b}

    def __repr__(self) -> str:
        return f"<Law {self.name}: {self.formula}>"


class ProjectableLaw(Law):
    """A law whose ``linear`` parameters enter as L̂ = basis(θ_nl) @ coef, coef ≥ 0, for fixed exponents.

    The fitter scans a grid of the non-linear parameters and solves the linear part in closed form
    (variable projection, Golub & Pereyra 1973) to find starting points near the global optimum.
    """

    @abstractmethod
    def basis(self, theta_nl: np.ndarray, F: Mapping[str, np.ndarray]) -> np.ndarray:
        """(K, n, m) basis so that L̂ = basis @ coef for non-linear parameters ``theta_nl`` (K, q)."""

    @abstractmethod
    def nonlinear_grid(self) -> np.ndarray:
        """Grid (G, q) over the non-linear parameters (internal units) for the scan."""

    @abstractmethod
    def assemble(self, theta_nl: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """Internal theta (K, P) from non-linear params (K, q) and linear coefficients (K, m)."""


def minimise_log_n(loss_at, centre: float, half_width: float = 15.0, points: int = 301, *,
                   xatol: float = 1e-9, vectorised: bool = False) -> tuple[float, float, bool]:
    """The one budget minimiser: minimise ``loss_at(log N)`` over ``centre ± half_width``.

    A grid of ``points`` values of log N, then a bounded polish between the best grid point's
    neighbours. ``vectorised``: ``loss_at`` takes an array of log N. Returns (N, loss, whether the
    grid's best point was on its edge, i.e. no interior optimum was found).
    """
    from scipy.optimize import minimize_scalar

    grid = np.linspace(centre - half_width, centre + half_width, points)
    values = np.asarray(loss_at(grid), dtype=float) if vectorised else np.array([loss_at(x) for x in grid])
    i = int(np.argmin(np.where(np.isfinite(values), values, np.inf)))
    scalar = (lambda x: float(np.asarray(loss_at(np.array([x])), dtype=float)[0])) if vectorised else loss_at
    res = minimize_scalar(scalar, bounds=(grid[max(i - 1, 0)], grid[min(i + 1, points - 1)]), method="bounded",
                          options={"xatol": xatol})
    return float(np.exp(res.x)), float(res.fun), i in (0, points - 1)


def logsumexp_terms(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LSE over the last axis and the softmax weights (its gradient), numerically stable."""
    m = terms.max(axis=-1, keepdims=True)
    ex = np.exp(terms - m)
    s = ex.sum(axis=-1, keepdims=True)
    return (m + np.log(s))[..., 0], ex / s


def logsumexp_values(terms: tuple[np.ndarray, ...]) -> np.ndarray:
    """LSE of a few same-shape arrays (no weights: the prediction-only path of ``logsumexp_arrays``)."""
    m = np.maximum(terms[0], terms[1])
    for t in terms[2:]:
        np.maximum(m, t, out=m)
    s = np.zeros_like(m)
    for t in terms:
        x = t - m
        np.exp(x, out=x)
        s += x
    np.log(s, out=s)
    s += m
    return s


def logsumexp_arrays(terms: tuple[np.ndarray, ...]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """LSE of a few same-shape arrays and their softmax weights, without stacking them on a new axis."""
    m = np.maximum(terms[0], terms[1])
    for t in terms[2:]:
        np.maximum(m, t, out=m)
    ex = []
    for t in terms:
        x = t - m
        np.exp(x, out=x)
        ex.append(x)
    s = ex[0] + ex[1]
    for x in ex[2:]:
        s += x
    for x in ex:
        x /= s
    np.log(s, out=s)
    s += m
    return s, tuple(ex)
