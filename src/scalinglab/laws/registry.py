"""Law registry: new laws slot in with ``@register_law``; ``get_law(name)`` returns an instance."""

from __future__ import annotations

from scalinglab.errors import ScalingLabError
from scalinglab.laws.base import Law

_LAWS: dict[str, type[Law]] = {}


def register_law(cls: type[Law]) -> type[Law]:
    """Class decorator: make ``cls`` available as ``get_law(cls.name)``."""
    if not cls.name:
        raise ValueError("a law needs a name")
    _LAWS[cls.name] = cls
    return cls


def get_law(name: str | Law) -> Law:
    if isinstance(name, Law):
        return name
    _load_builtin()
    try:
        return _LAWS[name]()
    except KeyError:
        raise ScalingLabError(f"unknown law {name!r}; known laws: {', '.join(sorted(_LAWS))}") from None


def available_laws() -> list[str]:
    _load_builtin()
    return sorted(_LAWS)


def _load_builtin() -> None:
    # Importing the modules registers their laws.
    from scalinglab.laws import chinchilla, compute, data_constrained, kaplan, kaplan_ns, moe  # noqa: F401
