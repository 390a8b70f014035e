"""Published constants, usable wherever a fit is (``FitResult.from_preset(name)``)."""

from __future__ import annotations

from dataclasses import dataclass

from scalinglab.errors import ScalingLabError

PF_DAY = 8.64e19  # FLOPs in one petaflop/s-day (Kaplan et al. 2020)


@dataclass(frozen=True)
class Preset:
    law: str
    params: dict[str, float]
    source: str


PRESETS: dict[str, Preset] = {
    "hoffmann2022": Preset("chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
                           "Hoffmann et al. 2022, Eq. 10 (Approach 3, rounded)"),
    "hoffmann2022-tex": Preset(
        "chinchilla", {"E": 1.6934, "A": 406.4, "B": 410.7, "alpha": 0.33917, "beta": 0.28491},
        "Hoffmann et al. 2022, unrounded values in the arXiv TeX source"),
    "epoch2024": Preset("chinchilla", {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478,
                                       "beta": 0.3658},
                        "Besiroglu et al. 2024 (Epoch AI), 'Chinchilla scaling: a replication attempt', Table 1"),
    "sardana2024": Preset(
        "chinchilla", {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.336, "beta": 0.283},
        "Sardana et al. 2024, Beyond Chinchilla-Optimal (Chinchilla Approach-3 constants as used there)"),
    "kaplan2020": Preset("kaplan", {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103},
                         "Kaplan et al. 2020, Eq. 1.5 / Table 2 (non-embedding N, tokens D)"),
    "kaplan2020-n": Preset("kaplan-n", {"N_c": 8.8e13, "alpha_N": 0.076}, "Kaplan et al. 2020, Eq. 1.1"),
    "kaplan2020-d": Preset("kaplan-d", {"D_c": 5.4e13, "alpha_D": 0.095}, "Kaplan et al. 2020, Eq. 1.2"),
    "kaplan2020-c": Preset("kaplan-c", {"C_c": 3.1e8 * PF_DAY, "alpha_C": 0.050},
                           "Kaplan et al. 2020, Eq. 1.3 (C_min; C_c = 3.1e8 PF-days in FLOPs)"),
}


def get_preset(name: str) -> Preset:
    from scalinglab.laws.registry import _load_builtin

    _load_builtin()  # law modules register their own presets (data-constrained, MoE, ...)
    try:
        return PRESETS[name]
    except KeyError:
        raise ScalingLabError(f"unknown preset {name!r}; known presets: {', '.join(sorted(PRESETS))}") from None


def available_presets() -> list[str]:
    from scalinglab.laws.registry import _load_builtin

    _load_builtin()
    return sorted(PRESETS)


def register_preset(name: str, preset: Preset) -> None:
    """Add a preset (used by other law families, e.g. data-constrained)."""
    PRESETS[name] = preset
