"""Framework callbacks with the real frameworks on a tiny CPU model: energy/* reach the
frameworks' own loggers and the run reaches the ledger."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from _needs import need_modules
from wattprint.ledger import Ledger
from wattprint.meter import Meter
from wattprint.testing import ReplayBackend

pytestmark = pytest.mark.slow
POWER_W = 120.0


def _meter() -> Meter:
    return Meter(backends=[ReplayBackend({"g": 100.0, "c": 20.0}, kinds={"c": "cpu"})],
                 interval_s=0.05)


def _need(module: str) -> None:
    need_modules(module)


def test_hf_trainer(tmp_path: Path) -> None:
    _need("transformers")
    import torch
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    from wattprint.integrations.hf import add_energy_callback

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=64,
                                       n_positions=16))
    data = [{"input_ids": torch.randint(0, 64, (8,)), "labels": torch.randint(0, 64, (8,))}
            for _ in range(16)]
    seen: list[dict[str, float]] = []

    class Reporter(TrainerCallback):  # stands for MLflow/W&B/TensorBoard's callbacks
        def on_log(self, args, state, control, logs=None, **kw):  # type: ignore[no-untyped-def]
            seen.append(dict(logs or {}))

    args = TrainingArguments(output_dir=str(tmp_path / "out"), max_steps=6, logging_steps=2,
                             per_device_train_batch_size=2, report_to=[], use_cpu=True,
                             save_strategy="no", eval_strategy="steps", eval_steps=3,
                             disable_tqdm=True)
    trainer = Trainer(model=model, args=args, train_dataset=data, eval_dataset=data[:4],
                      callbacks=[Reporter()])
    cb = add_energy_callback(trainer, meter=_meter(), ledger=tmp_path / "l.sqlite")
    trainer.train()
    train_logs = [s for s in seen if "loss" in s]
    assert len(train_logs) == 3 and all("energy/interval_j" in s for s in train_logs)
    assert all(s["energy/per_step_j"] > 0 and s["energy/per_sample_j"] > 0
               for s in train_logs)
    assert train_logs[-1]["energy/total_j"] > train_logs[0]["energy/total_j"]
    assert any("energy/eval_j" in s for s in seen if "eval_loss" in s)
    final = [s for s in seen if "train_runtime" in s][0]
    assert final["energy/train_power_w"] == pytest.approx(POWER_W, rel=0.05)
    assert any("energy/interval_j" in h for h in trainer.state.log_history)
    with Ledger(tmp_path / "l.sqlite") as led:
        run = led.run(cb.tracker.run_id or "")
    assert run["command"] == ["hf-trainer"] and run["total_energy_j"] > 0


def test_lightning(tmp_path: Path) -> None:
    _need("lightning")
    import lightning as L  # noqa: N812
    import torch
    from lightning.pytorch.loggers import CSVLogger

    from wattprint.integrations.lightning import EnergyCallback

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.lin = torch.nn.Linear(4, 1)

        def training_step(self, batch, i):  # type: ignore[no-untyped-def]
            x, y = batch
            return torch.nn.functional.mse_loss(self.lin(x), y)

        def validation_step(self, batch, i):  # type: ignore[no-untyped-def]
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.lin(x), y))

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return torch.optim.SGD(self.parameters(), lr=0.01)

    ds = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randn(32, 1))
    dl = torch.utils.data.DataLoader(ds, batch_size=4)
    cb = EnergyCallback(_meter(), ledger=tmp_path / "l.sqlite")
    trainer = L.Trainer(max_epochs=2, log_every_n_steps=2, accelerator="cpu",
                        logger=CSVLogger(str(tmp_path)), callbacks=[cb],
                        enable_progress_bar=False, enable_checkpointing=False,
                        enable_model_summary=False)
    trainer.fit(Tiny(), dl, dl)
    text = (Path(trainer.logger.log_dir) / "metrics.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    cols = set(rows[0])
    assert {"energy/interval_j", "energy/epoch_j", "energy/eval_j", "energy/train_j",
            "energy/per_sample_j", "energy/co2e_g"} <= cols
    train = [float(r["energy/train_power_w"]) for r in rows if r["energy/train_power_w"]]
    assert train and train[-1] == pytest.approx(POWER_W, rel=0.05)
    with Ledger(tmp_path / "l.sqlite") as led:
        assert led.run(cb.tracker.run_id or "")["command"] == ["lightning-fit"]


def test_keras(tmp_path: Path) -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    _need("keras")
    import keras
    import numpy as np

    from wattprint.integrations.keras import EnergyCallback

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(32, 4).astype("float32"), np.random.rand(32, 1).astype("float32")
    cb = EnergyCallback(_meter(), ledger=tmp_path / "l.sqlite", batch_size=8)
    hist = model.fit(x, y, epochs=2, batch_size=8, validation_data=(x, y), verbose=0,
                     callbacks=[cb, keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    assert len(hist.history["energy/epoch_j"]) == 2
    assert all(v > 0 for v in hist.history["energy/per_step_j"])
    rows = list(csv.DictReader((tmp_path / "log.csv").read_text().splitlines()))
    assert len(rows) == 2 and float(rows[-1]["energy/total_j"]) > 0
    assert float(rows[0]["energy/epoch_power_w"]) == pytest.approx(POWER_W, rel=0.05)
    with Ledger(tmp_path / "l.sqlite") as led:
        assert led.run(cb.tracker.run_id or "")["command"] == ["keras-fit"]
