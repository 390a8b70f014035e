"""The one result protocol, the CLI's parameter → flag mapping, and the shared numerical helpers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalinglab.errors import NotFittedError, ScalingLabError
from scalinglab.fitting.objectives import huber
from scalinglab.fitting.result import FitResult
from scalinglab.laws.base import Law
from scalinglab.laws.registry import get_law
from scalinglab.results import Result, ResultLike


class _Hostile(Result):
    def to_dict(self):
        return {"name": "<script>alert(1)</script>", "x": float("nan")}

    def text(self):
        return "model <script>alert(1)</script> & co"


def test_mixin_gives_escaped_html_json_and_atomic_save(tmp_path):
    r = _Hostile()
    assert isinstance(r, ResultLike)
    html = r._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and html.startswith("<pre")
    assert json.loads(r.to_json()) == {"name": "<script>alert(1)</script>", "x": None}
    r.save(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["x"] is None
    with pytest.raises(ScalingLabError, match="cannot be read back"):
        _Hostile.load(tmp_path / "r.json")


def test_fit_result_follows_the_protocol_and_round_trips(tmp_path):
    fit = FitResult.from_preset("epoch2024")
    assert isinstance(fit, Result) and fit.text() == fit.report()
    fit.save(tmp_path / "fit.json")
    again = FitResult.load(tmp_path / "fit.json")
    assert again.params == pytest.approx(fit.params, rel=1e-12)
    alloc = fit.allocation([1e23, 1e24])
    assert [row["C"] for row in alloc.to_dict()] == [1e23, 1e24]
    assert fit.allocation(1e23).to_dict()["N"] == pytest.approx(float(fit.optimal(1e23)["N"]))


def test_density_study_is_what_the_cli_prints(cli):
    from scalinglab.serialize import dumps
    from scalinglab.skills.density_study import density_study

    lib = json.loads(dumps(density_study("bundled:densing_models", "Qwen1.5").to_dict()))
    out = json.loads(cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--json", check=True).stdout)
    assert out == lib


def test_library_errors_name_parameters_and_the_cli_shows_flags(cli):
    from scalinglab.skills.density_study import density_study

    with pytest.raises(ScalingLabError, match="`tokens_per_param`"):
        density_study("bundled:densing_models", "Qwen1.5", tokens_per_param=-1)
    proc = cli("density", "bundled:densing_models", "-r", "Qwen1.5", "--tokens-per-param", "-1")
    assert proc.returncode == 2 and "--tokens-per-param and --tokens must be positive" in proc.stderr
    assert "`" not in proc.stderr


def test_command_flags_reads_the_typer_declarations():
    from scalinglab.cli.common import command_flags, flag_names
    from scalinglab.cli.skills import density

    flags = command_flags(density)
    assert flags["tokens_per_param"] == "--tokens-per-param" and flags["all_models"] == "--all-models"
    assert "data" not in flags  # an argument, not an option
    assert flag_names("`since` bad; `unknown_name` kept", flags) == "--since bad; unknown_name kept"


def test_not_fitted_error_is_a_scalinglab_error():
    from scalinglab.skills.sloth import Sloth

    with pytest.raises(NotFittedError):
        Sloth().predict([1.0], [1.0], ["f"])
    assert issubclass(NotFittedError, ScalingLabError)


def test_one_budget_minimiser_agrees_with_the_closed_form():
    """The generic numerical optimum (Law.optimal) equals Hoffmann et al. Eq. 4 for the Chinchilla law."""
    law = get_law("chinchilla")
    params = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
    C = np.array([1e20, 5.88e23, 1e26])
    closed = law.optimal(params, C)
    generic = Law.optimal(law, params, C)
    np.testing.assert_allclose(generic["N"], closed["N"], rtol=1e-6)
    np.testing.assert_allclose(generic["loss"], closed["loss"], rtol=1e-12)


def test_one_huber_scaled_and_unscaled():
    r = np.array([-0.5, -0.01, 0.0, 0.004, 0.3])
    rho, psi = huber(r, 0.01)
    rho_s, psi_s = huber(r, 0.01, scaled=True)
    np.testing.assert_allclose(rho_s, rho / 0.01)
    np.testing.assert_allclose(psi_s, psi / 0.01)
    np.testing.assert_allclose(rho_s[[0, 4]], np.abs(r[[0, 4]]) - 0.005)  # like |r| away from 0
