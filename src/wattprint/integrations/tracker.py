"""Energy bookkeeping for a training loop, shared by the framework callbacks.

Per step the callbacks only count (steps, samples, tokens: a few hundred ns); meter windows
open and close at log intervals, epochs and evaluations, so a step costs far under 1 ms
(``bench/bench_callbacks.py``). Metrics (prefix ``energy/``):

* ``<scope>_j``: energy of the interval/epoch/eval window (J, accelerators + host);
* ``<scope>_power_w``: its average power (W);
* ``per_step_j``, ``per_sample_j``, ``per_token_j``: interval energy / steps (samples, tokens)
  counted in it, when counted;
* ``total_j`` and ``co2e_g``: cumulative since training started; CO2e = energy × PUE × grid
  intensity of the site (``site=``; a local machine gets PUE 1.0, see
  :mod:`wattprint.meter.placement`).

A figure the meter could not measure (NaN) is left out, never logged as 0. In a distributed
job one process per node measures (:mod:`wattprint.meter.node_lease`); the others log
nothing. At the end the run is stored in the ledger (``ledger=``) with its footprint.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

log = logging.getLogger("wattprint.integrations")
WHOLE, INTERVAL = "train", "train:interval"


class TrainingEnergy:
    """Windows and counters of one training run.

    Args:
        meter: a :class:`~wattprint.meter.Meter` (default: one measuring this node).
        site: site for CO2e (default: local machine or the default site, see above).
        ledger: ``True`` (default ledger), a path or URL, or ``False`` (no record).
        prefix: metric name prefix.
    """

    def __init__(self, meter: Any = None, *, site: str | None = None,
                 ledger: bool | str | Path = True, prefix: str = "energy/") -> None:
        self.prefix = prefix
        self.site = site
        self.ledger = ledger
        self._meter = meter
        self.enabled = True
        self.lease: Any = None
        self.steps = self.samples = self.tokens = 0
        self.total_j = 0.0
        self._g_per_j: float | None = None
        self.started = False
        self.summary: dict[str, float] = {}
        self.run_id: str | None = None
        self._open: set[str] = set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, label: str) -> None:
        """Start measuring (idempotent)."""
        if self.started:
            return
        self.label = label
        if self._meter is None:
            self._meter = self._node_meter()
        if self._meter is None:
            self.enabled = False
            self.started = True
            return
        from wattprint.meter.placement import measured_site

        factors, self.site_notes = measured_site(self.site)
        self.factors = factors
        from wattprint.meter.budget import site_g_per_j

        self._g_per_j = site_g_per_j(factors)
        self._meter.start()
        self._meter.begin_window(WHOLE)
        self._meter.begin_window(INTERVAL, sync=False)
        self.started = True

    def _node_meter(self) -> Any:
        from wattprint.meter import Meter
        from wattprint.meter.launcher import detect_job
        from wattprint.meter.node_lease import elect

        job = detect_job()
        self.job = job
        self.lease, follower = elect(job)
        if follower is not None:
            return None  # another rank on this node measures it
        return Meter(site=self.site, node_leader=False)  # elected here

    def step(self, samples: int = 0, tokens: int = 0) -> None:
        """Count one training step (cheap: no device is read)."""
        self.steps += 1
        self.samples += samples
        self.tokens += tokens

    # -- windows --------------------------------------------------------------------------
    def _metrics(self, scope: str, m: Any, steps: int = 0, samples: int = 0,
                 tokens: int = 0) -> dict[str, float]:
        p = self.prefix
        e = m.total_energy.value
        if math.isnan(e):
            return {}
        out = {f"{p}{scope}_j": e}
        if m.time.value > 0:
            out[f"{p}{scope}_power_w"] = e / m.time.value
        for what, n in (("step", steps), ("sample", samples), ("token", tokens)):
            if n > 0:
                out[f"{p}per_{what}_j"] = e / n
        return out

    def interval(self) -> dict[str, float]:
        """End the current log interval (and start the next); its metrics."""
        if not (self.enabled and self.started):
            return {}
        m = self._close(INTERVAL)
        self._meter.begin_window(INTERVAL, sync=False)
        steps, samples, tokens = self.steps, self.samples, self.tokens
        self.steps = self.samples = self.tokens = 0
        out = self._metrics("interval", m, steps, samples, tokens)
        if out:
            self.total_j += out[f"{self.prefix}interval_j"]
        out.update(self.cumulative())
        return out

    def _close(self, name: str) -> Any:
        m = self._meter.end_window(name, sync=True)
        if self._meter.measurements and self._meter.measurements[-1] is m:
            self._meter.measurements.pop()  # long runs: keep no per-interval history
        return m

    def cumulative(self) -> dict[str, float]:
        """``total_j`` and ``co2e_g`` so far (intervals closed so far)."""
        if not self.enabled or self._g_per_j is None:
            return {}
        return {f"{self.prefix}total_j": self.total_j,
                f"{self.prefix}co2e_g": self.total_j * self._g_per_j}

    def begin(self, scope: str) -> None:
        """Open a window for ``scope`` (``epoch``, ``eval``); reopening is ignored."""
        name = f"train:{scope}"
        if self.enabled and self.started and name not in self._open:
            self._meter.begin_window(name, sync=False)
            self._open.add(name)

    def end(self, scope: str, samples: int = 0) -> dict[str, float]:
        """Close the ``scope`` window; its metrics (empty if it was not open)."""
        name = f"train:{scope}"
        if not (self.enabled and self.started) or name not in self._open:
            return {}
        self._open.discard(name)
        m = self._close(name)
        return self._metrics(scope, m, samples=samples)

    def finish(self, complete: bool = True) -> dict[str, float]:
        """Stop measuring; the whole run's metrics; store the run in the ledger."""
        if not self.started or not self.enabled:
            return {}
        self.started = False
        meter = self._meter
        for name in [INTERVAL, *self._open]:
            meter.end_window(name, sync=False, complete=complete)
        self._open.clear()
        m = meter.end_window(WHOLE, complete=complete)
        meter.stop()
        if self.lease is not None:
            self.lease.release()
        out = self._metrics("train", m)
        if out:
            out[f"{self.prefix}total_j"] = out[f"{self.prefix}train_j"]
            out[f"{self.prefix}co2e_g"] = out[f"{self.prefix}train_j"] * (self._g_per_j or 0)
        self.summary = out
        self._record(m, complete)
        return out

    def _record(self, m: Any, complete: bool) -> None:
        if self.ledger is False:
            return
        try:
            from wattprint.ledger import Ledger

            fp = m.to_footprint(site=self.factors)
            with Ledger(None if self.ledger is True else self.ledger) as led:
                rid = led.start_run([self.label], site=self.factors.site_id,
                                    started_at=m.started_at)
                job = getattr(self, "job", None)
                if job is not None and job.distributed:
                    led.tag_job(rid, job.to_dict())
                led.finish_run(rid, complete=complete, exit_code=None, measurement=m,
                               footprint=fp, notes=list(self.site_notes))
                self.run_id = rid
        except Exception as exc:  # noqa: BLE001 - never break the user's training
            log.warning("wattprint: training energy not stored in the ledger: %s", exc)
