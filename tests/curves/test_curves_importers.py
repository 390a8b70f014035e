"""Importers tested on files written by the real libraries: a W&B-style export, TensorBoard events
(tensorboard's own SummaryWriter via torch.utils.tensorboard) and an MLflow file store (mlflow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.curves import load_curves, read_mlflow, read_tensorboard, read_tracker_export
from scalinglab.errors import InputError


def test_wandb_history_export(tmp_path):
    # W&B run.history() exports: _step, _runtime, metrics with gaps where a key was not logged.
    df = pd.DataFrame({"_step": np.arange(0, 500, 50), "_runtime": np.arange(10) * 3.0,
                       "train/loss": [np.nan if i % 4 == 3 else 4 - 0.1 * i for i in range(10)],
                       "lr": 1e-3})
    path = tmp_path / "history.csv"
    df.to_csv(path, index=False)
    out = read_tracker_export(path, tokens_per_step=2**19, n_params=1.2e8, model="r1")
    assert len(out) == 7 and set(out.columns) >= {"model", "N", "D", "loss", "step"}
    assert out["D"].iloc[0] == 50 * 2**19  # step 0 has D = 0 and is dropped
    with pytest.raises(InputError, match="tokens_per_step"):
        read_tracker_export(path, n_params=1.2e8)
    jl = tmp_path / "history.jsonl"
    df.assign(tokens=df["_step"] * 1000).to_json(jl, orient="records", lines=True)
    assert read_tracker_export(jl, n_params=1e8)["D"].max() == 450 * 1000


def test_tensorboard_events(tmp_path):
    tb = pytest.importorskip("torch.utils.tensorboard", reason="writing event files needs torch + tensorboard (train, trackers extras)")
    logdir = tmp_path / "run-350m"
    w = tb.SummaryWriter(str(logdir))
    for step in range(1, 21):
        w.add_scalar("train/loss", 5.0 / step ** 0.3, step)
        w.add_scalar("train/tokens", step * 1e6, step)
    w.close()
    out = read_tensorboard(logdir, n_params=3.5e8)
    assert len(out) == 20 and out["model"].iloc[0] == "run-350m"
    np.testing.assert_allclose(out["D"], np.arange(1, 21) * 1e6)
    np.testing.assert_allclose(out["loss"], 5.0 / np.arange(1, 21) ** 0.3, rtol=1e-6)


def test_mlflow_file_store(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="writing an mlruns store needs mlflow-skinny (trackers extra)")
    # MLflow 3 keeps the file store in maintenance mode; writing to it needs this opt-in.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_TELEMETRY", "false")
    store = tmp_path / "mlruns"
    mlflow.set_tracking_uri(f"file:{store}")
    mlflow.set_experiment("curves")
    for name, n in (("small", 1e8), ("big", 4e8)):
        with mlflow.start_run(run_name=name):
            mlflow.log_param("n_params", n)
            for step in range(1, 11):
                mlflow.log_metric("train/loss", 4.0 - 0.1 * step - (0.2 if name == "big" else 0), step=step)
    mlflow.set_tracking_uri("")
    out = read_mlflow(store, params_param="n_params", tokens_per_step=1e6)
    table = load_curves(out)
    assert set(table.frame["model"]) == {"small", "big"}
    big = table.frame[table.frame["model"] == "big"]
    assert big["N"].iloc[0] == 4e8 and len(big) == 10
    assert big["loss"].iloc[-1] == pytest.approx(2.8)
    with pytest.raises(InputError):
        read_mlflow(store, metric="nope", n_params=1e8, tokens_per_step=1)
