"""The one progress event: what long library calls report, and what the CLI turns into progress bars.

Library code never draws (rich is imported only in :mod:`scalinglab.cli`): a long call takes an
optional ``progress`` callback of type :data:`ProgressCallback` and calls it with a :class:`Progress`
after each unit of work. Every layer may import this module (it imports nothing of scalinglab).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Progress", "ProgressCallback", "report"]


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of ``task`` (e.g. "bootstrap", a fold, a run) are finished.

    ``item`` names the unit just finished (a fold, a run) and ``info`` carries its numbers (a fold's
    MAE, a run's loss and step): a bar shows ``done/total`` and may print ``info``.
    """

    task: str
    done: int
    total: int | None = None
    item: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


def report(callback: ProgressCallback | None, task: str, done: int, total: int | None = None,
           item: str | None = None, **info: Any) -> None:
    """Call ``callback`` (if any) with one :class:`Progress` event."""
    if callback is not None:
        callback(Progress(task, done, total, item, dict(info)))
