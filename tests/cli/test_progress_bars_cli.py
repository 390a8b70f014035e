"""The CLI's progress bars (`cli.common.Bars`): drawn from the first event on, so that a command that
fails before any progress prints its one `error:` line and nothing else."""

from __future__ import annotations

from scalinglab.cli.common import Bars
from scalinglab.events import Progress


def test_bars_without_events_print_nothing(capsys):
    """Shown bars that got no event printed a blank line on stderr (above `sweep run`'s error line)."""
    with Bars(show=True, transient=False):
        pass
    assert capsys.readouterr().err == ""


def test_shown_bars_end_with_their_last_state(capsys):
    with Bars(show=True, transient=False) as bars:
        bars(Progress("runs", 0, 2))
        bars(Progress("runs", 2, 2, "b"))
    err = capsys.readouterr().err
    assert "runs" in err and "2/2" in err and len(bars.tasks) == 1
