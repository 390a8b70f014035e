"""Predictions at a table of points: validated like a runs table, vectorised over points and draws.

``predict_columns`` is what ``predict --at`` runs: a plain CSV/TSV of valid numbers is read without
pandas (``scalinglab.data.fastcsv``); any other file, and any file with a bad cell, goes through the
full runs-table loader, which reports the problem in one line. Both give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scalinglab.errors import ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.results import Result, readable

if TYPE_CHECKING:
    import pandas as pd


def _inputs(result: FitResult, points, columns: Mapping[str, str] | None) -> dict[str, np.ndarray]:
    from scalinglab.data.fastcsv import read_law_inputs_fast

    law = result.law
    X = read_law_inputs_fast(points, law, columns)
    if X is None:
        from scalinglab.data.runs import load_law_inputs

        table = load_law_inputs(points, law, columns=columns, with_loss=False)
        X = {k: table.column(law.column_of(k)) for k in law.inputs}
    return X


def predict_columns(result: FitResult, points: str | Path | pd.DataFrame, level: float = 0.95,
                    columns: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
    """{column: values}: the law's inputs, the predicted loss and, with draws, its percentile interval.

    Columns are found by the inputs' aliases or named in ``columns`` ({input: column}, like ``--col``)."""
    law = result.law
    X = _inputs(result, points, columns)
    out = {law.column_of(k): np.asarray(v, dtype=float) for k, v in X.items()}
    out["loss"] = np.asarray(result.predict(**X), dtype=float)
    draws = result.predict_draws(**X)
    if draws is not None:
        q = 100 * (1 - level) / 2
        out["loss_lo"], out["loss_hi"] = percentiles(draws, (q, 100 - q))
    return out


def percentiles(a: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """``np.percentile(a, qs, axis=0)`` (method "linear"), bit for bit, by one partition of the draws.

    np.percentile reaches numpy.ma through np.unique, an import that costs more than the whole
    computation for a one-shot command; arrays with NaN or inf go through np.percentile itself."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0 or a.shape[0] == 0 or not np.isfinite(a).all():
        return list(np.percentile(a, list(qs), axis=0))
    n = a.shape[0]
    where = [(n - 1) * (q / 100) for q in qs]  # numpy's virtual index for "linear"
    lows = [min(int(np.floor(w)), n - 1) for w in where]
    highs = [min(lo + 1, n - 1) for lo in lows]
    part = np.partition(a, sorted(set(lows) | set(highs)), axis=0)
    out = []
    for w, lo, hi in zip(where, lows, highs, strict=True):
        t = w - lo
        below, above = part[lo], part[hi]
        diff = above - below
        # numpy's _lerp: a + (b − a)·t, and b − (b − a)·(1 − t) where t ≥ 0.5
        out.append(above - diff * (1 - t) if t >= 0.5 else below + diff * t)
    return out


def predict_points(result: FitResult, points: str | Path | pd.DataFrame, level: float = 0.95,
                   columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``predict_columns`` as a DataFrame, one row per point."""
    import pandas as pd

    return pd.DataFrame(predict_columns(result, points, level=level, columns=columns))


def write_predictions(table: pd.DataFrame | Mapping[str, np.ndarray], path: str | Path) -> None:
    """Write the predictions table atomically (CSV, or Parquet/JSON Lines by extension)."""
    from scalinglab.serialize import write_bytes_atomic, write_text_atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".jsonl"):
        import io

        import pandas as pd

        frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(dict(table))
        if suffix == ".jsonl":
            write_text_atomic(path, frame.to_json(orient="records", lines=True))
            return
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        write_bytes_atomic(path, buf.getvalue())
        return
    write_text_atomic(path, delimited(table, "\t" if suffix == ".tsv" else ","))


def delimited(table: pd.DataFrame | Mapping[str, np.ndarray], sep: str) -> str:
    """CSV/TSV text with floats as %.10g, as pandas' ``to_csv(float_format="%.10g")`` writes it (one
    %-format per row: ~10x faster than pandas here). Non-float or NaN-holding tables go through pandas."""
    names = [str(c) for c in table.keys()]
    arrays = [np.asarray(table[c]) for c in table.keys()]
    floats = all(a.dtype.kind == "f" and a.ndim == 1 for a in arrays)
    if not floats or any(sep in n or any(q in n for q in '"\r\n') for n in names) or any(np.isnan(a).any() for a in arrays):
        import pandas as pd  # pandas writes NaN as an empty cell and quotes odd names

        frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(dict(table))
        return frame.to_csv(index=False, sep=sep, float_format="%.10g")
    row = sep.join(["%.10g"] * len(arrays))
    lines = [sep.join(names)]
    lines += [row % values for values in zip(*(a.tolist() for a in arrays), strict=True)]
    return "\n".join(lines) + "\n"


class PointPrediction(Result):
    """The predicted loss at one point (with its interval when the fit has draws), and a warning when the
    point's compute lies far beyond the fitted runs."""

    def __init__(self, result: FitResult, X: dict[str, float], C: float | None = None) -> None:
        with np.errstate(over="ignore"):  # an overflow is reported below, in one line
            self.loss = float(result.predict(**X))
        if not math.isfinite(self.loss):
            raise ScalingLabError(f"the predicted loss at {', '.join(f'{k}={v:g}' for k, v in X.items())} is "
                                  "outside the float range; check the fit's parameters and the inputs")
        self.law, self.inputs, self.withheld = result.law.name, X, result.intervals_withheld
        interval = result.predict_interval(**X)
        self.interval = None if interval is None else [float(interval[0]), float(interval[1])]
        self.warning = result.extrapolation(float(C)) if C is not None else None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"law": self.law, "inputs": self.inputs, "loss": self.loss}
        if self.withheld:
            d["intervals"] = self.withheld
        if self.interval is not None:
            d["interval"] = self.interval
        return d

    def text(self) -> str:
        where = ", ".join(f"{k}={v:.4g}" for k, v in self.inputs.items())
        txt = f"predicted loss at {where}: {_number(self.loss)}"
        if self.interval is not None:
            txt += f"  (95% interval {_number(self.interval[0])} – {_number(self.interval[1])})"
        return txt


def _number(value: float) -> str:
    """A loss for people: five decimals in the usual range, ``g`` format beyond (never 300 digits)."""
    return readable(value, ".5f", ".6g")


def predict_point(result: FitResult, params: float | None = None, tokens: float | None = None,
                  compute: float | None = None, unique_tokens: float | None = None,
                  inputs: list[str] | None = None) -> PointPrediction:
    """Predict at N = ``params``, D = ``tokens``, C = ``compute``, U = ``unique_tokens`` and any law input
    given in ``inputs`` as NAME=VALUE; D = C/(6N) or C = 6ND fill in a missing one."""
    law = result.law
    given: dict[str, float | None] = {"N": params, "D": tokens, "C": compute, "U": unique_tokens}
    name_of = {"N": "`params`", "D": "`tokens`", "C": "`compute`", "U": "`unique_tokens`"}
    for item in inputs or ():
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep or key not in law.inputs:
            raise ScalingLabError(f"`inputs` expects NAME=VALUE with NAME one of the law's inputs "
                                  f"({', '.join(law.inputs)}), got {item!r}")
        try:
            given[key], name_of[key] = float(value), f"`inputs` {key}="
        except ValueError:
            raise ScalingLabError(f"`inputs` {key}: {value!r} is not a number") from None
    for name, value in given.items():
        positive = name not in law.inputs or law.input_spec(name).positive
        if value is not None and positive and not value > 0:
            raise ScalingLabError(f"{name_of[name]} must be positive, got {value:g}")
        if value is not None and not np.isfinite(value):  # inf was predicted (with "C = inf ... infx")
            raise ScalingLabError(f"{name_of[name]} must be a finite number, got {value:g}")
    N, D, C = given["N"], given["D"], given["C"]
    if D is None and C is not None and N is not None and "C" not in law.inputs:
        given["D"] = C / (6 * N)
    if C is None and N is not None and given["D"] is not None:
        given["C"] = 6 * N * given["D"]
    missing = [name_of.get(k, f"`inputs` {k}=VALUE") for k in law.inputs if given.get(k) is None]  # G: KeyError
    if missing:
        raise ScalingLabError(f"law {law.name!r} needs {', '.join(missing)}")
    return PointPrediction(result, {k: float(given[k]) for k in law.inputs}, given["C"])  # type: ignore[arg-type]
