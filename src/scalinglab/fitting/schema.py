"""Typed checks of a FIT.json document: every bad field is one InputError naming the file and key.

Parameters must be exactly the law's, finite, positive where the law fits their log, and of magnitude
at most ``LIMIT`` (1e100, far beyond every fitted bound) so that derived quantities such as the
compute-optimal allocation stay inside the float range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scalinglab.errors import InputError
from scalinglab.laws.base import Law

#: Largest parameter magnitude accepted (smallest for parameters fitted as logs: 1/LIMIT).
LIMIT = 1e100
#: Optional top-level keys and the JSON types they must have (None is always allowed).
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "formula": (str,), "objective": (int, float), "objective_spec": (dict,), "n_points": (int,),
    "fit_seconds": (int, float), "converged": (bool,), "convergence": (dict,), "warnings": (list,),
    "ci": (dict,), "optimal": (dict,), "source": (str,), "bootstrap": (dict,),
}


def _number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and math.isfinite(v))


def _show(v: Any) -> str:
    """A JSON value for a message: numbers in ``g`` format (a 400-digit integer as its size), else repr."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:g}" if abs(v) < 10**300 else f"an integer of about {int(v.bit_length() * 0.30103)} digits"
    if isinstance(v, float):
        return f"{v:g}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_value(law: Law, name: str, v: Any, source: str, key: str) -> None:
    shown = _show(v)
    if not _number(v):
        raise InputError(f"parameter {name!r} must be a finite number, got {shown}", file=source, key=key)
    p = next(p for p in law.parameters if p.name == name)
    if p.log and v <= 0:
        raise InputError(f"parameter {name!r} must be positive, got {shown}", file=source, key=key)
    if abs(v) > LIMIT or (p.log and v < 1 / LIMIT):
        raise InputError(f"parameter {name!r} = {shown} is outside the supported range "
                         f"({1 / LIMIT:g} to {LIMIT:g} in magnitude)", file=source, key=key)


def check_params(law: Law, params: Any, source: str) -> None:
    """``params`` must name exactly the law's parameters, each a finite number in range."""
    if not isinstance(params, dict):
        raise InputError("'params' must be an object of name: value", file=source, key="params")
    unknown = [k for k in params if k not in law.param_names]
    if unknown:
        raise InputError(f"unknown parameter {unknown[0]!r} for law {law.name!r} (its parameters: "
                         f"{', '.join(law.param_names)})", file=source, key=f"params.{unknown[0]}")
    for name in law.param_names:
        if name not in params:
            raise InputError(f"missing parameter {name!r} for law {law.name!r}", file=source, key=name)
        _check_value(law, name, params[name], source, name)


def check_fit_fields(law: Law, d: dict[str, Any], source: str) -> np.ndarray | None:
    """Check the optional fields' types; return the bootstrap draws as a (K, P) array (or None)."""
    for key, types in FIELD_TYPES.items():
        v = d.get(key)
        if v is not None and (not isinstance(v, types) or (bool not in types and isinstance(v, bool))):
            names = " or ".join({"dict": "an object", "list": "a list", "str": "text", "bool": "true/false",
                                 "int": "an integer", "float": "a number"}[t.__name__] for t in types)
            raise InputError(f"{key!r} must be {names}", file=source, key=key)
    if any(not isinstance(w, str) for w in d.get("warnings") or []):
        raise InputError("'warnings' must be a list of text", file=source, key="warnings")
    for name, interval in (d.get("ci") or {}).items():
        if not (isinstance(interval, list) and len(interval) == 2 and all(_number(x) for x in interval)):
            raise InputError(f"ci {name!r} must be a [low, high] pair of numbers", file=source,
                             key=f"ci.{name}")
    boot = d.get("bootstrap") or {}
    seed = boot.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InputError("bootstrap seed must be an integer", file=source, key="bootstrap.seed")
    draws = boot.get("draws")
    if not draws:
        return None
    P = len(law.param_names)
    if not (isinstance(draws, list) and all(isinstance(r, list) and len(r) == P for r in draws)):
        raise InputError(f"bootstrap draws must be a list of parameter vectors (each {P} numbers)",
                         file=source, key="bootstrap.draws")
    for i, row in enumerate(draws):
        for name, v in zip(law.param_names, row, strict=True):
            _check_value(law, name, v, source, f"bootstrap.draws[{i}]")
    return np.asarray(draws, dtype=float)


#: Optional keys of an allocation law (``fit --approach 1|2 --out``) and their JSON types.
ALLOCATION_TYPES: dict[str, tuple[type, ...]] = {
    "points": (list,), "method": (str,), "loss_fit": (dict,), "source": (str,), "n_points": (int,),
    "settings": (dict,), "convention": (str,), "bootstrap": (dict,)}


def check_allocation_fields(d: Any, source: str) -> np.ndarray | None:
    """An allocation law's fields: finite exponents and coefficients, typed extras; returns its draws."""
    if not isinstance(d, dict):
        raise InputError("a fit must be a JSON object", file=source)
    for key in ("approach", "a", "b", "log10_kN", "log10_kD"):
        v = d.get(key)
        if not _number(v) or abs(v) > LIMIT:
            raise InputError(f"{key!r} must be a finite number, got {_show(v)}", file=source, key=key)
    for key, types in ALLOCATION_TYPES.items():
        v = d.get(key)
        if v is not None and (not isinstance(v, types) or isinstance(v, bool)):
            raise InputError(f"{key!r} has the wrong type ({type(v).__name__})", file=source, key=key)
    draws = (d.get("bootstrap") or {}).get("draws")
    if not draws:
        return None
    if not (isinstance(draws, list) and all(isinstance(r, list) and len(r) == 4
                                            and all(_number(x) and abs(x) <= LIMIT for x in r) for r in draws)):
        raise InputError("bootstrap draws must be rows of 4 finite numbers (a, log10_kN, b, log10_kD)",
                         file=source, key="bootstrap.draws")
    return np.asarray(draws, dtype=float)
