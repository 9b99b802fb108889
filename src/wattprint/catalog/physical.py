"""Physical site data: climate normals, cooling constants and water stress.

Files in ``wattprint/data``: ``climate.toml`` (monthly normals per weather station),
``cooling.toml`` (constants of the facility model) and ``water_stress.toml`` (WRI Aqueduct
baseline water stress). Parsed and validated on first use, cached; a malformed file raises
:class:`DataError` naming the file and entry.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wattprint.catalog.loader import data_dir, read_data_toml
from wattprint.catalog.schema import Sourced
from wattprint.catalog.table import _first_error
from wattprint.errors import DataError

CLIMATE_FILE = "climate.toml"
COOLING_FILE = "cooling.toml"
WATER_STRESS_FILE = "water_stress.toml"
AWARE_FILE = "aware.toml"
HOUSEHOLDS_FILE = "households.toml"
FUEL_FILE = "fuel_factors.toml"
PRICES_FILE = "prices.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _twelve(v: list[float]) -> list[float]:
    if len(v) != 12:
        raise ValueError(f"needs 12 monthly values, got {len(v)}")
    return v


class Station(_Strict):
    """Monthly climate normals of one weather station and the sites it stands for."""

    id: str
    name: str
    sites: list[str]
    tmax_c: list[float]  # mean daily maximum dry bulb, per month (degrees C)
    tmin_c: list[float]  # mean daily minimum dry bulb, per month (degrees C)
    rh_pct: list[float]  # mean relative humidity, per month (percent)
    temperature: Sourced  # provenance of tmax/tmin (value unused, 1.0)
    humidity: Sourced  # provenance of rh_pct

    _v12 = field_validator("tmax_c", "tmin_c", "rh_pct")(_twelve)

    @field_validator("rh_pct")
    @classmethod
    def _rh(cls, v: list[float]) -> list[float]:
        if any(not 0.0 < x <= 100.0 for x in v):
            raise ValueError("relative humidity must be in (0, 100] percent")
        return v


class CoolingType(_Strict):
    """One cooling architecture: its fan and pump power as a fraction of the heat moved."""

    id: str
    name: str
    fan_fraction: Sourced


class Common(_Strict):
    """Constants shared by every cooling type (see ``cooling.toml`` for sources)."""

    ups_efficiency: Sourced
    transformer_efficiency: Sourced
    fixed_fraction: Sourced
    latent_heat_j_per_kg: Sourced
    carnot_fraction: Sourced
    max_cop: Sourced
    supply_air_c: Sourced
    air_rise_k: Sourced
    chilled_water_c: Sourced
    tower_approach_k: Sourced
    hx_approach_k: Sourced
    latent_share: Sourced
    cycles_of_concentration: Sourced
    evaporative_effectiveness: Sourced
    dry_cooler_approach_k: Sourced
    liquid_supply_c: Sourced
    liquid_capture: Sourced
    air_condenser_approach_k: Sourced
    tower_condenser_rise_k: Sourced
    min_dew_point_c: Sourced
    min_dew_point_2011_c: Sourced
    day_to_day_sd_k: Sourced
    evaporative_setpoint_c: Sourced
    liquid_rise_k: Sourced
    tower_range_k: Sourced
    drift_fraction: Sourced
    heat_reuse_share: Sourced
    max_dew_point_c: Sourced
    supply_air_max_c: Sourced
    fan_min_flow_ratio: Sourced
    ups_no_load_loss: Sourced
    ups_proportional_loss: Sourced
    ups_square_loss: Sourced
    ups_rating_share: Sourced
    central_ups: Sourced
    distributed_ups_efficiency: Sourced
    pdu_efficiency: Sourced


class CoolingData(_Strict):
    """The whole ``cooling.toml``."""

    common: Common
    cooling: list[CoolingType] = Field(min_length=1)


class WaterStress(_Strict):
    """WRI Aqueduct baseline water stress (0-5) for sites or countries."""

    id: str
    applies_to: list[str] = Field(min_length=1)
    score: Sourced

    @field_validator("score")
    @classmethod
    def _scale(cls, v: Sourced) -> Sourced:
        if not 0.0 <= v.value <= 5.0:
            raise ValueError("Aqueduct scores are on a 0-5 scale")
        return v


class ScarcityFactor(_Strict):
    """AWARE water-scarcity characterisation factor (m3 world-eq per m3) for sites or countries."""

    id: str
    applies_to: list[str] = Field(min_length=1)
    cf: Sourced

    @field_validator("cf")
    @classmethod
    def _aware_range(cls, v: Sourced) -> Sourced:
        if not 0.1 <= v.value <= 100.0:
            raise ValueError("AWARE factors lie between 0.1 and 100")
        return v


class Household(_Strict):
    """Average electricity use of one household in a country (id = ISO3)."""

    id: str
    kwh_per_year: Sourced


class FuelFactor(_Strict):
    """Life-cycle emission factor of one fuel and the column-name substrings that mean it."""

    id: str
    match: list[str] = Field(min_length=1)
    factor: Sourced  # gCO2e per kWh generated


class Owner(_Strict):
    """Owner's cost constants (``prices.toml [owner]``)."""

    facility_capex_usd_per_mw: Sourced
    facility_lifetime_s: Sourced
    maintenance_per_year: Sourced
    network_capex_usd_per_accelerator: Sourced


class Price(_Strict):
    """One dated price of an accelerator: per hour (rented) or per unit (owner capex)."""

    id: str
    hardware: str
    kind: str = Field(pattern=r"^(on-demand|reserved|capacity-block|owner-capex)$")
    provider: str
    usd: Sourced


class PriceData(_Strict):
    """The whole ``prices.toml``."""

    owner: Owner
    price: list[Price] = Field(min_length=1)


def _entries(file: str, table: str, model: type[BaseModel]) -> list[BaseModel]:
    doc = read_data_toml(data_dir() / file, file)
    rows = doc.get(table)
    if not isinstance(rows, list) or not rows:
        raise DataError(f"{file}: no [[{table}]] entries")
    out = []
    for i, row in enumerate(rows):
        rid = row.get("id", f"#{i + 1}") if isinstance(row, dict) else f"#{i + 1}"
        try:
            out.append(model.model_validate(row))
        except ValidationError as exc:
            raise DataError(f"{file}: entry {rid!r}: {_first_error(exc)}") from None
    return out


@lru_cache(maxsize=1)
def stations() -> dict[str, Station]:
    """Climate stations by id (``climate.toml``)."""
    out: dict[str, Station] = {}
    for st in _entries(CLIMATE_FILE, "station", Station):
        assert isinstance(st, Station)
        out[st.id] = st
    return out


@lru_cache(maxsize=1)
def station_for_site() -> dict[str, str]:
    """Site id -> station id, from each station's ``sites`` list."""
    out: dict[str, str] = {}
    for st in stations().values():
        for site in st.sites:
            if site in out:
                raise DataError(f"{CLIMATE_FILE}: site {site!r} is listed by two stations")
            out[site] = st.id
    return out


@lru_cache(maxsize=1)
def cooling_data() -> CoolingData:
    """The facility-model constants (``cooling.toml``)."""
    doc = read_data_toml(data_dir() / COOLING_FILE, COOLING_FILE)
    try:
        return CoolingData.model_validate(doc)
    except ValidationError as exc:
        raise DataError(f"{COOLING_FILE}: {_first_error(exc)}") from None


@lru_cache(maxsize=1)
def water_stress_entries() -> list[WaterStress]:
    """Every water-stress entry (``water_stress.toml``), in file order."""
    return [e for e in _entries(WATER_STRESS_FILE, "stress", WaterStress)
            if isinstance(e, WaterStress)]


@lru_cache(maxsize=1)
def scarcity_entries() -> list[ScarcityFactor]:
    """Every AWARE scarcity-factor entry (``aware.toml``), in file order."""
    return [e for e in _entries(AWARE_FILE, "scarcity", ScarcityFactor)
            if isinstance(e, ScarcityFactor)]


@lru_cache(maxsize=1)
def households() -> dict[str, Household]:
    """Household electricity use by ISO3 country (``households.toml``)."""
    return {e.id: e for e in _entries(HOUSEHOLDS_FILE, "household", Household)
            if isinstance(e, Household)}


@lru_cache(maxsize=1)
def fuel_factors() -> dict[str, FuelFactor]:
    """Fuel emission factors by fuel id, in file order (``fuel_factors.toml``)."""
    return {e.id: e for e in _entries(FUEL_FILE, "fuel", FuelFactor)
            if isinstance(e, FuelFactor)}


@lru_cache(maxsize=1)
def price_data() -> PriceData:
    """Accelerator prices and owner's cost constants (``prices.toml``)."""
    doc = read_data_toml(data_dir() / PRICES_FILE, PRICES_FILE)
    try:
        return PriceData.model_validate(doc)
    except ValidationError as exc:
        raise DataError(f"{PRICES_FILE}: {_first_error(exc)}") from None


def clear_physical_caches() -> None:
    """Forget the parsed physical-data files."""
    for fn in (stations, station_for_site, cooling_data, water_stress_entries, scarcity_entries,
               households,
               fuel_factors, price_data):
        fn.cache_clear()
