"""Small public data sets shipped with the package (each with a NAME.md that cites its source)."""

from __future__ import annotations

from pathlib import Path

from scalinglab.errors import ScalingLabError

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names usable as ``bundled:NAME`` wherever a data file is expected."""
    return sorted(p.stem for p in HERE.glob("*.csv"))


def bundled_path(name: str) -> Path:
    path = HERE / f"{name}.csv"
    if not path.exists():
        raise ScalingLabError(f"no bundled data set {name!r}; available: {', '.join(available())}")
    return path
