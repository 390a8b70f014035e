"""Law library: one module per family, registered by name."""

from scalinglab.laws.base import Law, Parameter, ProjectableLaw
from scalinglab.laws.presets import PRESETS, Preset, get_preset
from scalinglab.laws.registry import available_laws, get_law, register_law

__all__ = ["PRESETS", "Law", "Parameter", "Preset", "ProjectableLaw", "available_laws", "get_law",
           "get_preset", "register_law"]
