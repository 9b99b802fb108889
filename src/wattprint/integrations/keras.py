"""Keras 3: energy and CO2e of ``model.fit``, in the logs every Keras callback receives.

    from wattprint.integrations.keras import EnergyCallback
    model.fit(x, y, epochs=3, callbacks=[EnergyCallback(), keras.callbacks.CSVLogger("l.csv")])

Each epoch's logs get ``energy/epoch_j``, its power, energy per step and sample and the
cumulative ``energy/total_j`` and ``energy/co2e_g`` (so ``History``, ``CSVLogger``,
``TensorBoard`` and MLflow/W&B's Keras callbacks listed *after* this one record them);
``evaluate`` logs get ``energy/eval_j``. The run is stored in the ledger at the end of fit.
Works with any Keras backend (tested with torch). See :mod:`wattprint.integrations.tracker`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from wattprint.integrations.tracker import TrainingEnergy


class EnergyCallback(keras.callbacks.Callback):
    """A Keras ``Callback`` adding ``energy/*`` to epoch and evaluation logs.

    Args:
        meter: a :class:`~wattprint.meter.Meter` (default: this node's devices).
        site: site for CO2e.
        ledger: ``True`` (default ledger), a path/URL, or ``False``.
        batch_size: samples per step, for ``energy/per_sample_j`` (default: unknown).
    """

    def __init__(self, meter: Any = None, *, site: str | None = None,
                 ledger: bool | str | Path = True, batch_size: int | None = None) -> None:
        super().__init__()
        self.tracker = TrainingEnergy(meter, site=site, ledger=ledger)
        self.batch_size = batch_size or 0
        self._in_fit = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._in_fit = True
        self.tracker.start("keras-fit")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.tracker.step(self.batch_size)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.tracker.interval()  # drop what came between epochs from the step counts
        self.tracker.begin("epoch")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        steps, samples = self.tracker.steps, self.tracker.samples
        out = self.tracker.interval()
        out.update(self.tracker.end("epoch", samples=samples))
        if steps and f"{self.tracker.prefix}epoch_j" in out:
            out[f"{self.tracker.prefix}per_step_j"] = out[f"{self.tracker.prefix}epoch_j"] / steps
        if logs is not None:
            logs.update(out)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.tracker.started:
            self.tracker.start("keras-evaluate")
        self.tracker.begin("eval")

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        out = self.tracker.end("eval")
        if logs is not None:
            logs.update(out)
        if not self._in_fit:
            self.tracker.finish(complete=True)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._in_fit = False
        out = self.tracker.finish(complete=True)
        if logs is not None:
            logs.update(out)
