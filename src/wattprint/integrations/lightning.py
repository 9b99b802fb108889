"""PyTorch Lightning: energy and CO2e of ``Trainer.fit``, logged through the Trainer's loggers.

    from wattprint.integrations.lightning import EnergyCallback
    trainer = L.Trainer(callbacks=[EnergyCallback()], logger=MLFlowLogger(...))
    trainer.fit(model, data)

Every ``log_every_n_steps`` steps the interval's ``energy/*`` metrics go to every logger of
the Trainer (``trainer.loggers``: TensorBoard, CSV, MLflow, W&B ...); epochs and validation
runs log ``energy/epoch_j`` and ``energy/eval_j``; ``fit``'s end logs ``energy/train_j`` and
stores the run in the ledger. See :mod:`wattprint.integrations.tracker`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import Callback

from wattprint.integrations.tracker import TrainingEnergy


def batch_size(batch: Any) -> int:
    """Samples in a batch: the length of its first tensor (0 when unknown)."""
    first = batch
    while isinstance(first, list | tuple) and first:
        first = first[0]
    if isinstance(first, dict) and first:
        first = next(iter(first.values()))
    shape = getattr(first, "shape", None)
    return int(shape[0]) if shape else 0


class EnergyCallback(Callback):
    """A Lightning ``Callback`` logging ``energy/*`` metrics.

    Args:
        meter: a :class:`~wattprint.meter.Meter` (default: this node's devices).
        site: site for CO2e.
        ledger: ``True`` (default ledger), a path/URL, or ``False``.
        log_every_n_steps: default: the Trainer's own ``log_every_n_steps``.
    """

    def __init__(self, meter: Any = None, *, site: str | None = None,
                 ledger: bool | str | Path = True, log_every_n_steps: int | None = None
                 ) -> None:
        self.tracker = TrainingEnergy(meter, site=site, ledger=ledger)
        self.every = log_every_n_steps

    def _log(self, trainer: Any, metrics: dict[str, float]) -> None:
        if metrics:
            for lg in trainer.loggers:
                lg.log_metrics(metrics, step=trainer.global_step)

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self.tracker.start("lightning-fit")
        if self.every is None:
            self.every = max(int(getattr(trainer, "log_every_n_steps", 50) or 50), 1)

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.tracker.step(batch_size(batch))
        if self.every and trainer.global_step % self.every == 0:
            self._log(trainer, self.tracker.interval())

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        self.tracker.begin("epoch")

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self._log(trainer, self.tracker.end("epoch"))

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        self.tracker.begin("eval")

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        self._log(trainer, self.tracker.end("eval"))

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._log(trainer, self.tracker.finish(complete=True))

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self.tracker.finish(complete=False)
