"""benchmarks/bench_sldbench.py on two SLDBench tasks: fitted on train only, test R² ≥ the human law's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_sldbench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_sldbench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_moe_task_clark2022(bench) -> None:
    """Clark et al. 2022 runs, test = the largest dense size (28 runs); human law R² 0.703."""
    res = bench.task_moe()
    assert (res["n_train"], res["n_test"]) == (193, 28)
    assert res["r2"] >= bench.BASELINES["moe"]


def test_vocab_task_tao2024_chooses_on_train_only(bench) -> None:
    """Tao et al. 2024 runs, test = the largest vocabulary (120 runs); human law R² 0.966."""
    res = bench.task_vocab()
    assert (res["n_train"], res["n_test"]) == (1080, 120)
    assert set(res["selection_r2"]) == {"vocab/Nv=vocab_size*embed_dim", "vocab/Nv=vocab_size"}
    assert res["chosen"] == max(res["selection_r2"], key=res["selection_r2"].get)
    assert res["r2"] >= bench.BASELINES["vocab"]


def test_r2_is_the_benchmarks_metric(bench) -> None:
    assert bench.r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert bench.r2([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == pytest.approx(0.0)


def test_lr_bsz_task_beats_human_laws_refitted_on_the_same_split(bench) -> None:
    """Li et al. 2025's sweep, test = the largest model (151 runs). The published −0.076 is on another
    split, so the human-law stand-ins (Chinchilla; Chinchilla + bowls around the Step Law optima with
    Li et al.'s published exponents) are fitted on the same train split and scored on the same test split."""
    res = bench.task_lr_bsz()
    assert (res["n_train"], res["n_test"]) == (1579, 151)
    assert set(res["human_r2"]) == {"chinchilla", "steplaw"}
    assert res["r2"] >= max(res["human_r2"].values())
    assert res["human_r2"]["steplaw"] > res["human_r2"]["chinchilla"]  # lr and batch size carry signal


def test_vocab_paper_sign_of_a2(bench) -> None:
    """`vocab-paper` keeps A2 ≥ 0 as Tao et al.'s form does; on the same split it scores below the
    signed `vocab` (the vocabulary term these runs want rises with V, which A2 ≥ 0 cannot express)."""
    import pandas as pd

    frame = pd.read_csv(bench.DATA / "vocab_tao2024.csv")
    test_mask = frame.vocab_size == frame.vocab_size.max()
    train, test = frame[~test_mask], frame[test_mask]
    paper, params = bench.fit_and_score("vocab-paper", train, test, "lsq", loss_col="Lossu", top_k=2)
    signed, _ = bench.fit_and_score("vocab", train, test, "lsq", loss_col="Lossu", top_k=2)
    assert params["A2"] >= 0.0
    assert 0.9 < paper < signed
