"""Law registry (kept for imports): ``get_law(name)``, ``available_laws()``, ``register_law`` for
third-party laws. The catalogue itself is built once in ``scalinglab.laws.catalogue``."""

from __future__ import annotations

from scalinglab.laws.catalogue import available_laws, get_law, register_law

__all__ = ["available_laws", "get_law", "register_law"]
