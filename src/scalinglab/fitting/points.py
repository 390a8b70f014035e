"""Predictions at a table of points: validated like a runs table, vectorised over points and draws.

``predict_columns`` is what ``predict --at`` runs: a plain CSV/TSV of valid numbers is read without
pandas (``scalinglab.data.fastcsv``); any other file, and any file with a bad cell, goes through the
full runs-table loader, which reports the problem in one line. Both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scalinglab.fitting.result import FitResult

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
