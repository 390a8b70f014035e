"""Errors that the CLI turns into one clear line and exit code 2 (no traceback)."""

from __future__ import annotations


class ScalingLabError(Exception):
    """Base class of every error scalinglab raises on purpose (bad input, impossible request)."""

    exit_code = 2


class InputError(ScalingLabError):
    """Bad input data: names the file, and where known the (1-based data) row and the column (or key)."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, key: str | None = None) -> None:
        self.file, self.row, self.column, self.key, self.detail = file, row, column, key, message
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if key is not None:  # a key of a JSON/TOML document
            where.append(f"key {key!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class PlanningError(ScalingLabError):
    """A planning request that has no answer (unreachable loss, negative budget, ...)."""


class NotFittedError(ScalingLabError):
    """An estimator was used (predict, save, ...) before it was fitted."""


def check_is_fitted(estimator: object, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has ``attribute`` (set by its ``fit``)."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"{type(estimator).__name__} is not fitted; call fit() first")
