"""The file format of a fitted :class:`~scalinglab.skills.sloth.Sloth` model: plain JSON (never pickle).

The file (``format`` :data:`FORMAT`, version :data:`FORMAT_VERSION`) holds everything ``predict`` needs
(feature standardisation, the parameters of every ensemble member, the floors) in full float precision,
plus the fit's settings and free-form provenance; loading checks every key, type and shape, and any
problem is one :class:`~scalinglab.errors.InputError` naming the file and the key.

This module knows the file, not the model: it encodes the public state of a fitted model
(:meth:`Sloth.state`) and checks a file against the method's features and parameter shapes that
:class:`Sloth` supplies, so it never imports :mod:`scalinglab.skills.sloth` (no import circle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from scalinglab.errors import InputError

__all__ = ["FORMAT", "FORMAT_VERSION", "Header", "encode", "read_body", "read_header", "read_json", "write"]

#: ``format`` value of a saved Sloth model (``Sloth.save`` / ``scalinglab skills fit --out``).
FORMAT = "scalinglab.sloth"
#: Version of the saved-model layout; bumped when a key changes meaning.
FORMAT_VERSION = 1


class _Reader:
    """Checks of a saved model's JSON; every failure is one ``InputError`` naming file and key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str | None, message: str) -> NoReturn:
        raise InputError(f"key {key!r}: {message}" if key else message, file=self.source)

    def get(self, d: dict[str, Any], key: str, prefix: str = "") -> Any:
        if key not in d:
            self.fail(prefix + key, "missing")
        return d[key]

    def names(self, d: dict[str, Any], key: str) -> tuple[str, ...]:
        v = self.get(d, key)
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            self.fail(key, "must be a non-empty list of names")
        if len(set(v)) != len(v):
            self.fail(key, "names must be unique")
        return tuple(v)

    def array(self, value: Any, shape: tuple[int, ...], key: str, nonneg: bool = False) -> np.ndarray:
        def ok(v: Any, sh: tuple[int, ...]) -> bool:
            if not sh:
                return isinstance(v, (int, float)) and not isinstance(v, bool)
            return isinstance(v, list) and len(v) == sh[0] and all(ok(x, sh[1:]) for x in v)

        if not ok(value, shape):
            what = "a number" if not shape else f"numbers of shape {shape if len(shape) > 1 else shape[0]}"
            self.fail(key, f"expected {what}")
        try:
            a = np.asarray(value, dtype=float)
        except OverflowError:  # a JSON integer beyond the float range
            self.fail(key, "must be finite numbers")
        if not np.all(np.isfinite(a)):
            self.fail(key, "must be finite numbers")
        if nonneg and np.any(a < 0):
            self.fail(key, "must be non-negative (the monotone link's weights)")
        return a


def encode(state: dict[str, Any], provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """The file's JSON values from a fitted model's public :meth:`Sloth.state`.

    Holds everything ``predict`` needs (standardisation of the features, the parameters of every
    ensemble member, the fixed floors) in full float precision, plus the fit's settings and
    ``provenance`` (free-form: data source, suite, training models, ...; defaults to the state's).
    """
    prov = dict(provenance if provenance is not None else state.get("provenance", {}))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "method": state["method"],
        "link": "monotone" if state["monotone"] else "sigmoid",
        "skills": int(state["skills"]),
        "benchmarks": list(state["benchmarks"]),
        "families": list(state["families"]),
        "features": list(state["features"]),
        "hyperparameters": dict(state["hyperparameters"]),
        "standardisation": {"mean": np.asarray(state["x_mean"]).tolist(),
                            "std": np.asarray(state["x_std"]).tolist()},
        "chance_floors": np.asarray(state["floors"], float).tolist(),
        "members": [{k: np.asarray(v, float).tolist() for k, v in params.items()}
                    for params in state["members"]],
        "training": {"train_mae": float(state["train_mae"]), "loss": float(state["loss"]),
                     "n_evals": int(state["n_evals"]), "skills": np.asarray(state["skills_"]).tolist()},
        "provenance": prov,
    }


def write(d: dict[str, Any], path: str | Path) -> None:
    """Write an encoded model as JSON to ``path`` atomically (never a half-written file)."""
    from scalinglab.serialize import dumps, write_text_atomic

    arrays = [d["standardisation"]["mean"], d["standardisation"]["std"]]
    arrays += [v for m in d["members"] for v in m.values()]
    if not all(np.all(np.isfinite(np.asarray(a, float))) for a in arrays):
        raise InputError("the fit has non-finite parameters; not saved", file=str(path))
    try:
        write_text_atomic(path, dumps(d) + "\n")
    except OSError as exc:
        raise InputError(f"cannot write the model ({exc.strerror or exc})", file=str(path)) from None


def read_json(path: str | Path) -> Any:
    """The JSON value of a model file; any problem is one :class:`InputError` naming the file."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM is not part of the JSON
    except FileNotFoundError:
        raise InputError("no such file", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a model file", file=file) from None
    except UnicodeDecodeError:
        raise InputError("not a Sloth model file (not UTF-8 text)", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", file=file) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                         file=file) from None
    except RecursionError:
        raise InputError("not a Sloth model file (JSON nested too deeply)", file=file) from None


@dataclass
class Header:
    """The checked head of a model file: what is needed to build the estimator and its layout."""

    reader: _Reader
    method: str
    benchmarks: tuple[str, ...]
    families: tuple[str, ...]
    skills: int
    hyperparameters: dict[str, Any]


_HYPER = (("n_skills", int), ("huber_delta", float), ("n_init", int), ("n_ensemble", int),
          ("max_iter", int), ("seed", int))


def read_header(d: Any, source: str, methods: tuple[str, ...]) -> Header:
    """Check format, version, method, link, names, skills and hyperparameters of a model file."""
    r = _Reader(source)
    if not isinstance(d, dict):
        r.fail(None, "not a Sloth model file (expected a JSON object)")
    if d.get("format") != FORMAT:
        r.fail("format", f"not a Sloth model file (expected {FORMAT!r}, got {d.get('format')!r}; "
                         "write one with `scalinglab skills fit DATA --out MODEL.json`)")
    version = r.get(d, "format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        r.fail("format_version", f"must be an integer, got {version!r}")
    if version != FORMAT_VERSION:
        newer = " (written by a newer scalinglab)" if version > FORMAT_VERSION else ""
        r.fail("format_version", f"version {version} is not supported{newer}; this scalinglab "
                                 f"reads version {FORMAT_VERSION}")
    method = r.get(d, "method")
    if method not in methods:
        r.fail("method", f"unknown method {method!r}; expected one of {', '.join(methods)}")
    link = "monotone" if method == "sloth" else "sigmoid"
    if r.get(d, "link") != link:
        r.fail("link", f"method {method!r} uses the {link} link, got {d['link']!r}")
    benchmarks, families = r.names(d, "benchmarks"), r.names(d, "families")
    J, is_flops = len(benchmarks), method.startswith("flops")
    n_sk = r.get(d, "skills")
    if isinstance(n_sk, bool) or not isinstance(n_sk, int) or not 1 <= n_sk <= J \
            or (is_flops and n_sk != J):
        want = f"{J} (one law per benchmark)" if is_flops else f"an integer from 1 to {J}"
        r.fail("skills", f"must be {want}, got {n_sk!r}")
    hp = r.get(d, "hyperparameters")
    if not isinstance(hp, dict):
        r.fail("hyperparameters", "must be an object")
    kwargs: dict[str, Any] = {}
    for name, kind in _HYPER:
        v = r.get(hp, name, "hyperparameters.")
        ok = not isinstance(v, bool) and (isinstance(v, int) if kind is int
                                          else isinstance(v, float) and np.isfinite(v)
                                          or isinstance(v, int) and abs(v) < 1e300)
        if not ok:
            r.fail(f"hyperparameters.{name}", f"must be {'an integer' if kind is int else 'a number'}, "
                                              f"got {v!r}")
        kwargs[name] = kind(v)
    return Header(r, method, benchmarks, families, n_sk, kwargs)


def _read_members(r: _Reader, d: dict[str, Any], method: str,
                  shapes: dict[str, tuple[int, ...]]) -> list[dict[str, np.ndarray]]:
    members_raw = r.get(d, "members")
    if not isinstance(members_raw, list) or not members_raw:
        r.fail("members", "must be a non-empty list of parameter sets")
    members = []
    for i, m in enumerate(members_raw):
        key = f"members[{i}]"
        if not isinstance(m, dict):
            r.fail(key, "must be an object of parameter arrays")
        extra = sorted(set(m) - set(shapes))
        if extra:
            r.fail(f"{key}.{extra[0]}", f"unexpected parameter for method {method!r}")
        members.append({name: r.array(r.get(m, name, f"{key}."), shape, f"{key}.{name}",
                                      nonneg=name in ("A1", "A2", "A3"))
                        for name, shape in shapes.items()})
    return members


def _read_training(r: _Reader, d: dict[str, Any], n_sk: int) -> dict[str, Any]:
    tr = r.get(d, "training")
    if not isinstance(tr, dict):
        r.fail("training", "must be an object")
    train_mae, loss = (float(r.array(r.get(tr, k, "training."), (), f"training.{k}"))
                       for k in ("train_mae", "loss"))
    n_evals = r.get(tr, "n_evals", "training.")
    if isinstance(n_evals, bool) or not isinstance(n_evals, int):
        r.fail("training.n_evals", f"must be an integer, got {n_evals!r}")
    skills_raw = r.get(tr, "skills", "training.")
    if not isinstance(skills_raw, list):
        r.fail("training.skills", "must be a list of skill vectors (one per training model)")
    skills = r.array(skills_raw, (len(skills_raw), n_sk), "training.skills")
    return {"train_mae": train_mae, "loss": loss, "n_evals": n_evals, "skills_": skills}


def _read_provenance(r: _Reader, d: dict[str, Any]) -> dict[str, Any]:
    prov = d.get("provenance", {})
    if not isinstance(prov, dict):
        r.fail("provenance", "must be an object")
    tm = prov.get("training_models")
    if tm is not None and not (isinstance(tm, dict) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in tm.values())):
        r.fail("provenance.training_models", "must map each family to a list of model names")
    return dict(prov)


def read_body(h: Header, d: dict[str, Any], features: tuple[str, ...],
              shapes: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    """Check the arrays of a model file against the method's ``features`` and parameter ``shapes``.

    Returns the model's state (the keys of :meth:`Sloth.state`) with the header's values.
    """
    r, J = h.reader, len(h.benchmarks)
    if r.get(d, "features") != list(features):
        r.fail("features", f"expected {list(features)} for method {h.method!r}, got {d['features']!r}")
    std = r.get(d, "standardisation")
    if not isinstance(std, dict):
        r.fail("standardisation", "must be an object with 'mean' and 'std'")
    x_mean = r.array(r.get(std, "mean", "standardisation."), (len(features),), "standardisation.mean")
    x_std = r.array(r.get(std, "std", "standardisation."), (len(features),), "standardisation.std")
    if np.any(x_std <= 0):
        r.fail("standardisation.std", "must be positive")
    floors = r.array(r.get(d, "chance_floors"), (J,), "chance_floors")
    if np.any((floors < 0) | (floors >= 1)):
        r.fail("chance_floors", "must lie in [0, 1)")
    return {"method": h.method, "monotone": h.method == "sloth", "skills": h.skills,
            "benchmarks": h.benchmarks, "families": h.families, "features": tuple(features),
            "hyperparameters": dict(h.hyperparameters), "x_mean": x_mean, "x_std": x_std,
            "floors": floors, "members": _read_members(r, d, h.method, shapes),
            **_read_training(r, d, h.skills), "provenance": _read_provenance(r, d)}
