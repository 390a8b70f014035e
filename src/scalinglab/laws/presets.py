"""Published constants, usable wherever a fit is (``FitResult.from_preset(name)``).

Each law module declares its own presets; ``scalinglab.laws.catalogue`` collects them once.
"""

from __future__ import annotations

from scalinglab.laws.base import Preset
from scalinglab.laws.catalogue import PRESETS, available_presets, get_preset, register_preset
from scalinglab.laws.kaplan import PF_DAY

__all__ = ["PF_DAY", "PRESETS", "Preset", "available_presets", "get_preset", "register_preset"]
