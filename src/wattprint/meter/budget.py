"""Budget guard: watch a run's running total against an energy or CO2e budget.

What is counted:

* an **energy** budget (``J``, ``kJ``, ``MJ``, ``Wh``, ``kWh``, ``MWh`` ...) counts the
  meter's *total energy*: every device the meter reads (accelerators + host CPU/DRAM where
  measured), at the devices, **before** the facility overhead (PUE is not applied);
* a **CO2e** budget (``g``, ``kg``, ``t``, ``gCO2e``, ``kgCO2e``, ``tCO2e``) counts
  operational CO2e with the run's site factors: ``energy × PUE × grid intensity``
  (:func:`budget_amount`; embodied carbon is not counted).

The guard is a sampler observer: it integrates the total power the sampler reads (W, held
between readings) at the sampler's pace, on the sampler thread, never at window
boundaries' hot path. When step windows and the run's total step count are known, a
``projector`` (the CLI passes :func:`wattprint.calibrate.extrapolate.extrapolate_windows`)
projects the whole run's energy from the first steps; the guard warns once (one stderr
line) when the projection exceeds the budget. With ``on_exceed="stop"`` it calls
``on_stop(reason)`` once, *before* the budget is crossed: as soon as the running total plus
the current power held for ``horizon_s`` (the time the child needs to stop) reaches it.

When the workload is known before the run (``--workload``, :mod:`.prediction`),
:meth:`BudgetGuard.predict` records the prediction and its range, says it on one line, and
returns whether it is over the budget (the caller refuses to start under ``stop``:
:class:`BudgetRefused`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from wattprint.errors import InputError
from wattprint.meter.device_state import WindowStats
from wattprint.numbers import CO2E_UNITS, ENERGY_UNITS, parse_with_unit
from wattprint.quantity import J_PER_KWH
from wattprint.units import plural

ON_EXCEED = ("warn", "stop")
#: Projections are recomputed for the first steps, then when the step count grew by 10 %.
EARLY_STEPS = 20
REGROW = 1.1


class BudgetRefused(InputError):
    """The run is predicted to exceed its budget and ``on_exceed`` is ``stop``: not started."""


@dataclass(frozen=True)
class Budget:
    """A run's budget: ``kind`` ``energy`` (``limit`` in J) or ``co2e`` (``limit`` in g)."""

    kind: Literal["energy", "co2e"]
    limit: float
    text: str

    @property
    def unit(self) -> str:
        """SI unit of :attr:`limit`: ``J`` or ``gCO2e``."""
        return "J" if self.kind == "energy" else "gCO2e"

    def show(self, value: float) -> str:
        """``value`` (J or g) in a readable unit, e.g. ``5 kWh``, ``1.2 kg CO2e``."""
        from wattprint.quantity import Quantity
        from wattprint.units import human

        return human(Quantity(value, self.unit, ""))[0]


def parse_budget(text: str) -> Budget:
    """Parse ``5kWh``, ``500 Wh``, ``2kgCO2e``, ``300g`` into a :class:`Budget`.

    Raises:
        InputError: empty, no unit, an unknown unit, or not a positive finite amount.
    """
    t = str(text).strip().replace(" ", "")
    what = f"--budget {text!r}"
    for units, kind in ((ENERGY_UNITS, "energy"), (CO2E_UNITS, "co2e")):
        if any(t.endswith(u) for u in units):
            try:
                value = parse_with_unit(t, what, units)
            except InputError as exc:
                raise InputError(f"{exc} (e.g. 5kWh, 500Wh, 2kgCO2e)") from exc
            return Budget(kind, value, text.strip())  # type: ignore[arg-type]
    raise InputError(f"{what}: expected a positive energy (J, kWh, MWh ...) or CO2e (g, kg, "
                     "t, kgCO2e ...) amount, e.g. 5kWh or 2kgCO2e")


def budget_amount(budget: Budget, energy_j: float, g_per_j: float) -> float:
    """What ``energy_j`` (J, at the devices) counts against ``budget``: J itself, or g CO2e
    = ``energy_j × g_per_j`` with ``g_per_j = PUE × grid gCO2e/kWh / 3.6e6``."""
    return energy_j if budget.kind == "energy" else energy_j * g_per_j


def site_g_per_j(site: Any) -> float:
    """Operational g CO2e per J at the devices for resolved site factors
    (PUE × grid g/kWh ÷ 3.6e6 J/kWh)."""
    return float(site.pue.value) * float(site.grid_gco2e_per_kwh.value) / J_PER_KWH


Projector = Callable[[list[dict[str, Any]]], float | None]


class BudgetGuard(WindowStats):
    """Sampler observer checking a running total against a :class:`Budget`.

    Args:
        budget: the budget.
        clock: the sampler's monotonic clock (s).
        on_exceed: ``warn`` (never stops) or ``stop`` (calls ``on_stop`` once).
        g_per_j: g CO2e per J at the devices (:func:`site_g_per_j`), for CO2e budgets.
        horizon_s: with ``stop``, stop when the total would cross within this long at the
            current power (s): the child's stopping time (grace) plus a sampling interval.
        projector: step rows → projected whole-run energy (J) or ``None``.
        on_stop: called once with the reason when ``stop`` triggers.
        say: writes one warning line (default: stderr).
    """

    def __init__(self, budget: Budget, clock: Callable[[], float], *,
                 on_exceed: str = "warn", g_per_j: float = 0.0, horizon_s: float = 0.0,
                 projector: Projector | None = None,
                 on_stop: Callable[[str], None] | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        super().__init__()
        if on_exceed not in ON_EXCEED:
            raise InputError(f"--on-exceed must be warn or stop, got {on_exceed!r}")
        if budget.kind == "co2e" and not g_per_j > 0:
            raise InputError("a CO2e budget needs the site's grid intensity and PUE")
        self.budget, self.clock, self.on_exceed = budget, clock, on_exceed
        self.g_per_j, self.horizon_s, self.projector = g_per_j, horizon_s, projector
        self.on_stop, self.say = on_stop, say or _stderr
        self.energy_j = 0.0
        self.projected_j: float | None = None
        self.predicted: Any = None  # a prediction.Prediction made before the run
        self.others_j = self.others_w = 0.0  # the job's other node runs (job budget)
        self.other_runs: int | None = None
        self._others_at: float | None = None
        self.stopped: str | None = None
        self.notes: list[str] = []
        self._last: tuple[float, float] | None = None
        self._rows: list[dict[str, Any]] = []
        self._projected_at = 0
        self._warned: set[str] = set()

    # -- sampler side --------------------------------------------------------------------
    def observe(self, powers: dict[str, float], total_w: float) -> None:
        """Sampler tick: integrate the held total power (W) and check the budget."""
        if not powers:
            return
        t = self.clock()
        if self._last is not None:
            t0, w0 = self._last
            self.energy_j += w0 * max(0.0, t - t0)
        self._last = (t, total_w)
        self.check(total_w)

    def amount(self, energy_j: float) -> float:
        """``energy_j`` (J) in the budget's unit (J or g CO2e)."""
        return budget_amount(self.budget, energy_j, self.g_per_j)

    def check(self, power_w: float) -> None:
        """Compare the running total (and the projection) with the budget; warn/stop once.
        With a job-wide budget the total includes the job's other runs (:meth:`set_others`,
        extrapolated at their last power) and the projection is this node's plus theirs so
        far (a lower bound of the job's: its warning is never a false alarm)."""
        b, limit, scope = self.budget, self.budget.limit, self.scope
        others, others_w = self.others_now(), self.others_w
        proj = None if self.projected_j is None else self.projected_j + others
        if proj is not None and self.amount(proj) > limit:
            self._warn_once("projection", f"{scope} {b.text}: the run is projected to use "
                            f"{b.show(self.amount(proj))} (from its first steps), over the "
                            "budget" + ("; it will be stopped before crossing it"
                                        if self.on_exceed == "stop" else ""))
        now = self.amount(self.energy_j + others)
        if self.on_exceed == "stop":
            soon = self.amount(self.energy_j + others + (power_w + others_w) * self.horizon_s)
            if soon >= limit and self.stopped is None:
                shown = b.show(self.amount(proj)) if proj is not None else \
                    f"{b.show(soon)} within {self.horizon_s:.3g} s at " \
                    f"{power_w + others_w:.3g} W"
                self.stopped = (f"stopped: {scope} {b.text} would be crossed; projected "
                                f"{shown} ({self._used(now)})")
                self.say(f"wattprint: {self.stopped}; stopping the command")
                if self.on_stop is not None:
                    self.on_stop(self.stopped)
        elif now >= limit:
            self._warn_once("crossed", f"{scope} {b.text} crossed: {self._used(now)} "
                            "(--on-exceed warn: the command keeps running)")

    @property
    def scope(self) -> str:
        """``budget``, or ``job budget`` once the job's other runs are counted."""
        return "job budget" if self.other_runs is not None else "budget"

    def _used(self, now: float) -> str:
        b = self.budget
        if self.other_runs is None:
            return f"used {b.show(now)} so far"
        return (f"the job used {b.show(now)} so far: this node "
                f"{b.show(self.amount(self.energy_j))}, "
                f"{plural(self.other_runs, 'other node run')} "
                f"{b.show(self.amount(self.others_now()))}")

    # -- the job's other nodes (job-wide budget) ---------------------------------------------
    def set_others(self, energy_j: float, runs: int) -> None:
        """The job's other node runs: their energy so far (J at the devices, as the shared
        ledger has it) and how many; their power (W) is estimated from successive calls."""
        t = self.clock()
        last = self._others_at
        if last is not None and t > last and runs == self.other_runs:
            self.others_w = max(0.0, (energy_j - self.others_j) / (t - last))
        elif runs != self.other_runs:  # a run came or went: its jump is not power
            self.others_w = 0.0
        self.others_j, self._others_at, self.other_runs = max(0.0, energy_j), t, runs

    def count_job(self) -> None:
        """Count the job's other node runs from now on (none seen yet)."""
        if self.other_runs is None:
            self.other_runs = 0

    def others_now(self) -> float:
        """The other runs' energy now (J): the last reading plus their power since."""
        if self._others_at is None:
            return 0.0
        return self.others_j + self.others_w * max(0.0, self.clock() - self._others_at)

    def _warn_once(self, key: str, text: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        self.notes.append(text)
        self.say(f"wattprint: warning: {text}")

    # -- before the run -------------------------------------------------------------------
    def predict(self, prediction: Any) -> bool:
        """Record ``prediction`` (a :class:`~wattprint.meter.prediction.Prediction` in the
        budget's unit), say it on one line, and return whether its central value is over
        the budget. Under ``stop`` an over-budget prediction raises :class:`BudgetRefused`
        (nothing has started yet)."""
        self.predicted = prediction
        b, p = self.budget, prediction
        rng = f" (range {b.show(p.low)} – {b.show(p.high)})" \
            if p.low is not None and p.high is not None else ""
        over = p.value > b.limit
        verdict = ("over the budget" if over else "may exceed the budget (high end)"
                   if p.high is not None and p.high > b.limit else "within the budget")
        line = f"budget {b.text}: predicted {b.show(p.value)}{rng} for `{p.workload}`: {verdict}"
        if over and self.on_exceed == "stop":
            raise BudgetRefused(f"{line}; not started (--on-exceed stop). Raise the budget, "
                                "shrink the workload, or use --on-exceed warn")
        self.notes.append(line)
        self.say(f"wattprint: {'warning: ' if over else ''}{line}")
        return over

    # -- step side -----------------------------------------------------------------------
    def on_step(self, m: Any) -> None:
        """A step window ended (measurement ``m``): update the projection (not on the
        sampler thread; recomputed for the first steps, then as the count grows 10 %)."""
        if self.projector is None:
            return
        try:
            row = {"name": "step", "time_s": float(m.time.value),
                   "total_energy_j": float(m.total_energy.value), "complete": True}
        except Exception:  # noqa: BLE001 - a step that cannot be read is not projected
            return
        self._rows.append(row)
        n = len(self._rows)
        if n < 2 or (n > EARLY_STEPS and n < self._projected_at * REGROW):
            return
        self._projected_at = n
        try:
            p = self.projector(self._rows)
        except InputError as exc:
            self._warn_once("projector", f"budget projection unavailable: {exc}")
            return
        if p is not None:
            # plus what the run used before its first mark (start-up, data loading)
            before = max(0.0, self.energy_j - sum(r["total_energy_j"] for r in self._rows))
            self.projected_j = p + before

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state for the record."""
        return {"budget": self.budget.text, "kind": self.budget.kind,
                "limit": self.budget.limit, "unit": self.budget.unit,
                "on_exceed": self.on_exceed, "used": self.amount(self.energy_j),
                "projected": None if self.projected_j is None
                else self.amount(self.projected_j), "stopped": self.stopped,
                "predicted": None if self.predicted is None else self.predicted.to_dict(),
                "scope": "job" if self.other_runs is not None else "run",
                "job_used": None if self.other_runs is None
                else self.amount(self.energy_j + self.others_now()),
                "other_node_runs": self.other_runs}


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
