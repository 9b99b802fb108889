"""Hugging Face ``transformers``: energy and CO2e of ``Trainer`` runs, logged as ``energy/*``.

    from wattprint.integrations.hf import add_energy_callback
    trainer = Trainer(model=model, args=args, train_dataset=ds)
    add_energy_callback(trainer)          # first in the list: every reporter sees energy/*
    trainer.train()

At every logging step the interval's energy, power, energy per step/sample/token and the
cumulative energy and CO2e are added to the logged metrics, so the reporters set in
``report_to`` (MLflow, W&B, TensorBoard ...) and ``trainer.state.log_history`` receive them;
evaluation logs get ``energy/eval_j``; the final log gets the whole run's ``energy/train_j``.
The run is stored in the ledger at the end. See :mod:`wattprint.integrations.tracker`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from wattprint.integrations.tracker import TrainingEnergy


class EnergyCallback(TrainerCallback):
    """A ``TrainerCallback`` adding ``energy/*`` metrics to the Trainer's logs.

    Args:
        meter: a :class:`~wattprint.meter.Meter` (default: this node's devices).
        site: site for CO2e.
        ledger: ``True`` (default ledger), a path/URL, or ``False``.
    """

    def __init__(self, meter: Any = None, *, site: str | None = None,
                 ledger: bool | str | Path = True) -> None:
        self.tracker = TrainingEnergy(meter, site=site, ledger=ledger)
        self._samples_per_step = 0
        self._tokens_seen = 0
        self._pending: dict[str, float] = {}  # epoch energy logged with the next log call

    def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self._samples_per_step = int(args.per_device_train_batch_size
                                     * args.gradient_accumulation_steps)
        self._tokens_seen = int(getattr(state, "num_input_tokens_seen", 0) or 0)
        self.tracker.start("hf-trainer")

    def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        seen = int(getattr(state, "num_input_tokens_seen", 0) or 0)
        self.tracker.step(self._samples_per_step, seen - self._tokens_seen)
        self._tokens_seen = seen

    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.tracker.begin("epoch")

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self._pending = self.tracker.end("epoch")

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.tracker.begin("eval")

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               **kw: Any) -> None:
        if logs is None:
            return
        extra: dict[str, float] = dict(self._pending or {})
        self._pending = {}
        if any(k.startswith("eval_") for k in logs):
            extra.update(self.tracker.end("eval"))
        elif "train_runtime" in logs:
            extra.update(self.tracker.finish(complete=True))
        elif "loss" in logs:
            extra.update(self.tracker.interval())
        if not extra:
            return
        logs.update(extra)
        if state.log_history and state.log_history[-1].get("step") == state.global_step:
            state.log_history[-1].update(extra)

    def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        self.tracker.finish(complete=True)  # no-op when the final log already finished it


def add_energy_callback(trainer: Any, **kw: Any) -> EnergyCallback:
    """Put an :class:`EnergyCallback` first in ``trainer``'s callbacks (so the reporting
    callbacks, which come earlier by default, see the ``energy/*`` metrics); returns it."""
    cb = EnergyCallback(**kw)
    trainer.callback_handler.callbacks.insert(0, cb)
    return cb
