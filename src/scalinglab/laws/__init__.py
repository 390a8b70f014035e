"""Law library: one module per family, collected once into the catalogue (``laws/catalogue.py``)."""

from scalinglab.laws.base import (
    FixedParameters,
    Input,
    Law,
    Parameter,
    Preset,
    ProjectableLaw,
    fix_parameters,
)
from scalinglab.laws.catalogue import (
    LAWS,
    PRESETS,
    available_laws,
    available_presets,
    get_law,
    get_preset,
    register_law,
    register_preset,
)

__all__ = ["LAWS", "PRESETS", "FixedParameters", "Input", "Law", "Parameter", "Preset", "ProjectableLaw",
           "available_laws", "available_presets", "fix_parameters", "get_law", "get_preset", "register_law",
           "register_preset"]
