"""Predictions at a table of points: validated like a runs table, vectorised over points and draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scalinglab.data.runs import load_law_inputs
from scalinglab.fitting.result import FitResult


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
