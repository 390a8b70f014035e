"""Predictions at a table of points: validated like a runs table, vectorised over points and draws."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalinglab.data.runs import load_law_inputs
from scalinglab.errors import ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.results import Result


def predict_points(result: FitResult, points: str | Path | pd.DataFrame, level: float = 0.95,
                   columns: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per point: the law's inputs, the predicted loss and, with draws, its percentile interval.

    Columns are found by the inputs' aliases or named in ``columns`` ({input: column}, like ``--col``)."""
    law = result.law
    table = load_law_inputs(points, law, columns=columns, with_loss=False)
    X = {k: table.column(law.column_of(k)) for k in law.inputs}
    out = pd.DataFrame({law.column_of(k): v for k, v in X.items()})
    out["loss"] = result.predict(**X)
    draws = result.predict_draws(**X)
    if draws is not None:
        q = 100 * (1 - level) / 2
        lo, hi = np.percentile(draws, [q, 100 - q], axis=0)
        out["loss_lo"], out["loss_hi"] = lo, hi
    return out


def write_predictions(frame: pd.DataFrame, path: str | Path) -> None:
    """Write the predictions table atomically (CSV, or Parquet/JSON Lines by extension)."""
    from scalinglab.serialize import write_bytes_atomic, write_text_atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import io

        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        write_bytes_atomic(path, buf.getvalue())
    elif suffix == ".jsonl":
        write_text_atomic(path, frame.to_json(orient="records", lines=True))
    else:
        write_text_atomic(path, frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",",
                                             float_format="%.10g"))


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
    return f"{value:.5f}" if abs(value) < 1e6 else f"{value:.6g}"


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
    N, D, C = given["N"], given["D"], given["C"]
    if D is None and C is not None and N is not None and "C" not in law.inputs:
        given["D"] = C / (6 * N)
    if C is None and N is not None and given["D"] is not None:
        given["C"] = 6 * N * given["D"]
    missing = [name_of[k] for k in law.inputs if given.get(k) is None]
    if missing:
        raise ScalingLabError(f"law {law.name!r} needs {', '.join(missing)}")
    return PointPrediction(result, {k: float(given[k]) for k in law.inputs}, given["C"])  # type: ignore[arg-type]
