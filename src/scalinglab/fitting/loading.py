"""One loader for every file ``fit --out`` writes and every preset name: a loss-law fit or an allocation law."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalinglab.errors import PlanningError, ScalingLabError
from scalinglab.fitting.result import FitResult
from scalinglab.results import Result
from scalinglab.serialize import read_json

if TYPE_CHECKING:
    from scalinglab.fitting.approaches import ApproachResult


def load_fit(path: str | Path) -> FitResult | ApproachResult:
    """A FIT.json: an allocation law (written by ``fit --approach 1|2``) or a loss-law fit."""
    d = read_json(path)
    if isinstance(d, dict) and (d.get("kind") == "allocation" or "approach" in d):
        from scalinglab.fitting.approaches import ApproachResult  # the IsoFLOP machinery, only when needed

        return ApproachResult.from_dict(d, source=str(path))
    return FitResult.from_dict(d, source=str(path))


def from_preset(name: str, *, option: str = "preset") -> FitResult | ApproachResult:
    """A loss-law preset (``laws`` lists them) or a published allocation law (deepseek2024, llama3-2024);
    an unknown name is an error naming parameter ``option``."""
    from scalinglab.fitting.allocation import ALLOCATION_PRESETS, allocation_preset
    from scalinglab.laws.presets import available_presets

    if name in ALLOCATION_PRESETS:
        return allocation_preset(name)
    if name in available_presets():
        return FitResult.from_preset(name)
    known = sorted(available_presets()) + sorted(ALLOCATION_PRESETS)
    raise ScalingLabError(f"unknown preset {name!r} for `{option}`; known presets: {', '.join(known)}")


def preset_names() -> list[str]:
    """Every preset name: loss laws, then allocation laws."""
    from scalinglab.fitting.allocation import ALLOCATION_PRESETS
    from scalinglab.laws.presets import available_presets

    return sorted(available_presets()) + sorted(ALLOCATION_PRESETS)


def fit_or_preset(fit: str | Path | None, preset: str | None, law: str | None = None, *, option: str = "preset"
                  ) -> FitResult | ApproachResult:
    """The fit in file ``fit`` or the preset ``preset`` (or the preset named like ``law``): a FitResult, or
    an ApproachResult for allocation laws (``fit --approach 1|2 --out`` files, deepseek2024, llama3-2024)."""
    if fit is not None and preset is not None:
        raise ScalingLabError("give either `fit` or `preset`, not both")
    if fit is not None:
        return load_fit(fit)
    if preset is None and law is not None and law in preset_names():
        preset = law
    if preset is None and law is not None:  # --law nosuch said only "give --fit ... or --preset"
        raise ScalingLabError(f"`law` {law!r} has no preset of that name; give `fit` FIT.json or `preset` NAME "
                              f"(one of {', '.join(preset_names())})")
    if preset is None:
        raise ScalingLabError("give `fit` FIT.json (from `scalinglab fit --out`) or `preset` NAME "
                              f"(one of {', '.join(preset_names())})")
    return from_preset(preset, option=option)


def loss_law(fit: str | Path | None, preset: str | None, default: str | None = None, *, option: str = "preset"
             ) -> FitResult:
    """:func:`fit_or_preset` (``default`` when neither is given) for a planner that needs a loss law L(N, D)."""
    result = fit_or_preset(fit, default if fit is None and preset is None else preset, option=option)
    if getattr(result, "kind", "") == "allocation":
        raise PlanningError(f"{fit or preset} is an allocation law (N*(C), D*(C) only); this planner needs a "
                            "loss law L(N, D) — use `scalinglab optimal` with it, or a loss-law fit here")
    return result  # type: ignore[return-value]


class LawCatalogue(Result):
    """Every law (formula, inputs with units and column aliases, parameters) and every preset."""

    def __init__(self) -> None:
        from scalinglab.fitting.allocation import ALLOCATION_PRESETS
        from scalinglab.laws.presets import PRESETS
        from scalinglab.laws.registry import available_laws, get_law

        self.laws = {}
        for name in available_laws():
            law = get_law(name)
            self.laws[name] = {"formula": law.formula, "title": law.title,
                               "inputs": [v.to_dict() for v in law.variables], "response": law.response,
                               "parameters": list(law.param_names)}
        self.presets = {k: {"law": p.law, "params": p.params, "source": p.source} for k, p in PRESETS.items()}
        self.presets |= {k: {"law": "allocation", "params": {"a": p.a, "k_N": p.k_N, "b": p.b, "k_D": p.k_D},
                             "convention": p.convention, "source": p.source}
                         for k, p in ALLOCATION_PRESETS.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"laws": self.laws, "presets": self.presets}

    def text(self) -> str:
        lines = ["Laws:"]
        for name, info in self.laws.items():
            shown = "; ".join(f"{v['name']}" + (f" [{v['unit']}]" if v["unit"] else "") +
                              f" ({', '.join(v['aliases'][:3])})" for v in info["inputs"])
            lines += [f"  {name:<18} {info['formula']}", f"  {'':<18}   inputs: {shown}"]
        lines.append("Presets:")
        lines += [f"  {name:<18} {p['law']:<16} {p['source']}" for name, p in self.presets.items()]
        return "\n".join(lines)
