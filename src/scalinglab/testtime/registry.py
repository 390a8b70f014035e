"""Registry of test-time laws, one-way: a name is registered once (a second registration raises)."""

from __future__ import annotations

from scalinglab.errors import ScalingLabError
from scalinglab.results import Result
from scalinglab.testtime.base import TestTimeLaw

_LAWS: dict[str, type[TestTimeLaw]] = {}
_BUILTIN_LOADED: list[bool] = []

#: The law ``fit`` uses unless told otherwise: the most accurate in benchmarks/bench_test_time.py (Pythia on
#: MATH, coverage at k = 10,000 from 1,000 samples: worst size 12.4 % (70M) on seed 0 against 17.7 % for
#: brown-upper and 22.5 % for every Beta variant; over seeds 0-9 mean 12.0 %, worst 22.8 %, against 15.1 % /
#: 17.8 % for brown-upper and 23 % / 38 % for beta and beta-zero). None meets 10 % on 70M on every seed.
DEFAULT_LAW = "brown"


def register_test_time_law(cls: type[TestTimeLaw]) -> type[TestTimeLaw]:
    """Class decorator: make ``cls`` available as ``get_test_time_law(cls.name)``."""
    if not cls.name:
        raise ValueError("a test-time law needs a name")
    if cls.name in _LAWS and _LAWS[cls.name] is not cls:
        raise ValueError(f"test-time law {cls.name!r} is already registered")
    _LAWS[cls.name] = cls
    return cls


def get_test_time_law(name: str | TestTimeLaw) -> TestTimeLaw:
    if isinstance(name, TestTimeLaw):
        return name
    _load_builtin()
    try:
        return _LAWS[name]()
    except KeyError:
        raise ScalingLabError(f"unknown test-time law {name!r}; known: {', '.join(sorted(_LAWS))}") from None


def available_test_time_laws() -> list[str]:
    _load_builtin()
    return sorted(_LAWS)


def _load_builtin() -> None:
    if _BUILTIN_LOADED:
        return
    from scalinglab.testtime import beta, brown, saturating

    for module in (beta, brown, saturating):
        for cls in module.TEST_TIME_LAWS:
            register_test_time_law(cls)
    _BUILTIN_LOADED.append(True)


class LawTable(Result):
    """The test-time laws: name, data they fit, formula (and which one is the default)."""

    def __init__(self) -> None:
        self.laws = [get_test_time_law(n) for n in available_test_time_laws()]

    def to_dict(self) -> dict:
        return {"default": DEFAULT_LAW, "laws": [{"name": r.name, "title": r.title, "formula": r.formula,
                                                  "data": r.data_kind, "parameters": list(r.param_names)}
                                                 for r in self.laws]}

    def text(self) -> str:
        return "\n".join(f"  {r.name:<17} {r.data_kind:<7} {r.formula}   [{r.title}]"
                         + (" (default)" if r.name == DEFAULT_LAW else "") for r in self.laws)
