"""Site formulas. Each works on floats or numpy arrays (used by the planner's sweeps).

Units: energy J, power W, time s, intensity g/kWh, water L/kWh, price USD/kWh.
"""

from __future__ import annotations

from typing import Any

from wattprint.quantity import J_PER_KWH

F = Any  # a float or a numpy array (the planner sweeps arrays)


def host_energy_j(host_power_w: F, chips: F, time_s: F) -> F:
    """Host share (CPU, RAM, NIC, fans) of the servers: ``P_host × chips × t`` [J]."""
    return host_power_w * chips * time_s


def it_energy_j(accelerator_energy_j: F, host_energy_j: F) -> F:
    """IT energy = accelerators + host share [J]."""
    return accelerator_energy_j + host_energy_j


def facility_energy_j(it_energy_j: F, pue: F) -> F:
    """Energy at the facility meter = IT energy × PUE [J]."""
    return it_energy_j * pue


def operational_co2e_g(facility_energy_j: F, grid_gco2e_per_kwh: F) -> F:
    """Operational CO2e = facility energy [kWh] × grid intensity [g/kWh] → g."""
    return facility_energy_j / J_PER_KWH * grid_gco2e_per_kwh


def water_l(it_energy_j: F, facility_energy_j: F, wue_l_per_kwh: F, water_l_per_kwh: F) -> F:
    """Water consumed = on-site WUE × IT energy + off-site intensity × facility energy [L].

    WUE is defined per kWh of IT energy, so it multiplies IT energy, not facility energy
    (multiplying by facility energy counts PUE twice, the bug fixed in ecologits#230).
    The electricity's water is drawn for every kWh the facility takes from the grid.
    """
    return (it_energy_j / J_PER_KWH * wue_l_per_kwh
            + facility_energy_j / J_PER_KWH * water_l_per_kwh)


def scarcity_weighted_water_l(water_l: F, aware_cf: F) -> F:
    """Scarcity-weighted water = litres consumed × AWARE factor [L world-eq].

    AWARE (WULCA, Boulay et al. 2018) is m3 world-eq per m3 consumed: 1 where as much water
    remains per area as on the world average, up to 100 where almost none remains.
    """
    return water_l * aware_cf


def energy_cost_usd(facility_energy_j: F, price_usd_per_kwh: F) -> F:
    """Electricity cost = facility energy [kWh] × price [USD/kWh]."""
    return facility_energy_j / J_PER_KWH * price_usd_per_kwh


def embodied_per_chip_g(board_g: F, host_g: F, network_g: F, building_g_per_w: F,
                        it_power_w: F, lifetime_s: F, building_lifetime_s: F) -> F:
    """Embodied CO2e per accelerator over its service life [g]:
    ``board + host share + network share + building/W × IT W × lifetime / building lifetime``.

    The building (shell, power and cooling plant, per W of IT capacity) lasts longer than the
    hardware, so an accelerator's service life carries only ``lifetime / building_lifetime``
    of its slice of the building.
    """
    return (board_g + host_g + network_g
            + building_g_per_w * it_power_w * lifetime_s / building_lifetime_s)


def embodied_co2e_g(embodied_per_chip_g: F, chips: F, time_s: F, lifetime_s: F,
                    utilisation: F) -> F:
    """Embodied CO2e charged to the work: ``E_emb × chips × t / (lifetime × utilisation)`` [g].

    ``embodied_per_chip_g`` includes the chip (board), its share of the host server and, for
    data-centre hardware, of the network and the building (``embodied_per_chip_g()``).
    Dividing by utilisation charges the idle part of the hardware's life to the work done.
    """
    return (embodied_per_chip_g * chips * time_s
            / (lifetime_s * utilisation))
