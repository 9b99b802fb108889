"""The grid hour by hour: importers, ledger cache, time-resolved run emissions, plan when."""

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from wattprint.cli.main import run
from wattprint.errors import InputError
from wattprint.ledger import Ledger
from wattprint.site.grid_hourly import (
    HourlySeries,
    energy_by_hour,
    read_electricity_maps_csv,
    read_generation_mix_csv,
    read_uk_carbon_intensity_json,
    time_resolved_co2e_g,
)

GRID = Path(__file__).parent / "data" / "grid"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_electricity_maps_export_uses_lca_column():
    s = read_electricity_maps_csv((GRID / "electricity_maps_GB_sample.csv").read_text("utf-8"))
    assert s.zone == "GB" and s.hour_start_s.size == 48
    assert s.gco2e_per_kwh[18] == pytest.approx(280.0)  # 200 + 80 at 18:00 (LCA, not direct)
    assert "life-cycle" in s.provenance


def test_uk_api_half_hours_to_hours_actual_then_forecast():
    s = read_uk_carbon_intensity_json((GRID / "uk_carbon_intensity_sample.json").read_text())
    assert s.hour_start_s.tolist() == [ts("2018-01-20T12:00"), ts("2018-01-20T13:00")]
    assert s.gco2e_per_kwh.tolist() == pytest.approx([(263 + 270) / 2, 250.0])
    assert "3 actual, 1 forecast" in s.provenance


def test_entsoe_generation_mix_times_fuel_factors():
    s = read_generation_mix_csv((GRID / "entsoe_generation_sample.csv").read_text(), "DE")
    expected = (4000 * 230 + 10000 * 820 + 6000 * 490 + 20000 * 11) / 40000  # storage excluded
    assert s.gco2e_per_kwh[0] == pytest.approx(expected)
    assert s.gco2e_per_kwh[-1] < s.gco2e_per_kwh[0]  # the solar noon hour is cleaner


def test_eia930_end_of_hour_and_adjusted_columns():
    s = read_generation_mix_csv((GRID / "eia930_sample.csv").read_text(), "CISO")
    assert s.hour_start_s[0] == ts("2024-03-01T00:00")  # labelled by the end of the hour
    assert s.gco2e_per_kwh[0] == pytest.approx((10000 * 490 + 2000 * 12 + 8000 * 11) / 20000)


@pytest.mark.parametrize("text,needle", [
    ("{", "JSON"), ('{"data": 3}', "data"),
    ('{"data": [{"from": "yesterday", "intensity": {"actual": 5}}]}', "time"),
    ('{"data": [{"from": "2024-01-01T00:00Z", "intensity": {"actual": -5}}]}', ">= 0"),
])
def test_uk_api_bad_input(text, needle):
    with pytest.raises(InputError, match=needle):
        read_uk_carbon_intensity_json(text)


@pytest.mark.parametrize("reader,text,needle", [
    # a row longer than the header (csv puts its extra cells under the key None)
    (read_electricity_maps_csv, "a,b\n1,2,3,4\n", "needs 'Datetime (UTC)'"),
    (read_electricity_maps_csv, '{\n  "kind": "estimate",\n  "time": {"value": 1}\n}\n',
     "needs 'Datetime (UTC)'"),
    (read_generation_mix_csv, "a,b\n1,2,3,4\n", "needs a time column"),
    # a row shorter than the header (its missing cells are None)
    (read_generation_mix_csv, "MTU,Biomass - Actual Aggregated [MW]\n"
     "01.01.2024 00:00 - 01.01.2024 01:00,5,6\n,9\n", "line 3: cannot read time ''"),
])
def test_csv_readers_refuse_ragged_or_foreign_files(reader, text, needle):
    """A file that is not the export (the JSON of an estimate, a ragged CSV) is a one-line
    InputError, never an AttributeError on a None column name."""
    with pytest.raises(InputError, match=re.escape(needle)):
        reader(text, "X")


def test_energy_split_at_hour_boundaries():
    t = np.array([ts("2024-03-01T00:30"), ts("2024-03-01T01:30")])
    parts = energy_by_hour(t, np.array([1000.0, 1000.0]))
    assert sorted(parts.values()) == pytest.approx([1.8e6, 1.8e6])  # 0.5 kWh each side


def test_time_resolved_co2e_and_fallback():
    series = HourlySeries("Z", np.array([ts("2024-03-01T00:00")]), np.array([100.0]), "test")
    samples = [{"t": ts("2024-03-01T00:30"), "device": "gpu0", "power_w": 1000.0},
               {"t": ts("2024-03-01T01:30"), "device": "gpu0", "power_w": 1000.0}]
    res = time_resolved_co2e_g(samples, series, fallback_gco2e_per_kwh=400.0, pue=1.2)
    assert res.energy_j == pytest.approx(1.2 * 3.6e6)
    assert res.co2e_g == pytest.approx(0.6 * 100 + 0.6 * 400)
    assert res.coverage == pytest.approx(0.5)
    assert "1 of 2 hours at the fallback" in res.provenance


def _run_with_samples(db: Path) -> str:
    with Ledger(db) as ledger:
        rid = ledger.start_run(["train.py"], site="gbr", started_at=ts("2024-03-01T17:00"))
        t0 = ts("2024-03-01T17:30")
        ledger.add_samples(rid, [(t0 + 60 * i, "gpu0", 700.0) for i in range(121)])
        ledger.finish_run(rid, complete=True, exit_code=0, ended_at=t0 + 7200)
    return rid


def test_cli_import_zones_and_run_hour_by_hour(tmp_path, capsys):
    db = tmp_path / "l.db"
    code, out, _ = cli(["grid", "import", str(GRID / "electricity_maps_GB_sample.csv"),
                        "--db", str(db)], capsys)
    assert code == 0 and "stored 48 hours for zone GB" in out
    code, out, _ = cli(["grid", "zones", "--db", str(db), "--json"], capsys)
    assert json.loads(out)[0]["hours"] == 48
    rid = _run_with_samples(db)
    code, out, _ = cli(["grid", "run", rid, "--zone", "GB", "--db", str(db), "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["coverage"] == pytest.approx(1.0)
    assert doc["energy_j"] == pytest.approx(700.0 * 7200)
    # 17:30-19:30 sits on the evening peak of the sample (280 at 18:00): above 200 on average
    assert doc["co2e_g"] / (doc["energy_j"] / 3.6e6) > 250


def test_cli_grid_bad_input(tmp_path, capsys):
    code, _, err = cli(["grid", "import", str(GRID / "eia930_sample.csv"), "--format",
                        "generation-mix", "--db", str(tmp_path / "l.db")], capsys)
    assert code == 2 and "--zone" in err
    code, _, err = cli(["grid", "import", str(tmp_path / "missing.csv")], capsys)
    assert code == 2 and "cannot read" in err


def test_plan_when_uses_real_hourly_data_or_says_it_falls_back(tmp_path, capsys):
    db = tmp_path / "l.db"
    args = ["plan", "when", "--region", "gbr", "--duration", "2h", "--energy", "1MWh",
            "--db", str(db), "--json"]
    code, out, _ = cli(args, capsys)
    # nothing cached: GB has shipped real data (Electricity Maps GB 2023)
    assert code == 0 and json.loads(out)["profile_source"].startswith("shipped real hourly")
    other = ["plan", "when", "--region", "us-ca", "--duration", "2h", "--energy", "1MWh",
             "--db", str(db), "--json"]
    code, out, _ = cli(other, capsys)
    assert code == 0 and "falling back to the typical profile" in json.loads(out)[
        "profile_source"]
    cli(["grid", "import", str(GRID / "electricity_maps_GB_sample.csv"), "--zone", "gbr",
         "--db", str(db)], capsys)
    code, out, _ = cli(args, capsys)
    doc = json.loads(out)
    assert doc["profile_source"].startswith("real hourly data")  # the cache comes first
    assert doc["best_hour"] in (4, 5, 6)  # the sample's trough is at 06:00 UTC


def test_plan_when_on_a_ledger_older_than_the_grid_cache(tmp_path, capsys):
    """A ledger from before migration 004, opened read-only (no migration runs), has no
    grid cache: plan when falls back to the typical profile instead of failing."""
    import sqlite3

    from wattprint.ledger.migrations import MIGRATIONS, apply_migrations

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    apply_migrations(conn, MIGRATIONS[:2])
    conn.close()
    code, out, _ = cli(["plan", "when", "--region", "us-ca", "--duration", "2h", "--energy",
                        "1MWh", "--db", str(db), "--json"], capsys)
    assert code == 0 and "falling back" in json.loads(out)["profile_source"]
    code, out, _ = cli(["grid", "zones", "--db", str(db), "--json"], capsys)
    assert code == 0 and json.loads(out) == []


class _Recorded(BaseHTTPRequestHandler):
    body = (GRID / "uk_carbon_intensity_sample.json").read_bytes()
    paths: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        _Recorded.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.slow
def test_live_uk_provider_against_recorded_response(tmp_path, capsys):
    server = HTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        code, out, _ = cli(["grid", "fetch", "--from", "2018-01-20T12:00Z", "--to",
                            "2018-01-20T14:00Z", "--base-url", url, "--db",
                            str(tmp_path / "l.db")], capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0 and "stored 2 hours for zone GB" in out
    assert _Recorded.paths[-1] == "/intensity/2018-01-20T12:00Z/2018-01-20T14:00Z"


def test_live_provider_unreachable_is_one_line(capsys):
    code, _, err = cli(["grid", "fetch", "--from", "2018-01-20T12:00Z", "--to",
                        "2018-01-20T14:00Z", "--base-url", "http://127.0.0.1:9"], capsys)
    assert code == 2 and "not reachable" in err


# --------------------------------------------------------------------------- shipped data


def test_shipped_gb_2023_is_a_real_year():
    from wattprint.site.grid_shipped import month_hour_means, shipped_series, zone_for

    s = shipped_series("GB")
    assert s is not None and s.hour_start_s.size == 8760
    assert s.hour_start_s[0] == ts("2023-01-01T00:00")
    assert np.all(np.diff(s.hour_start_s) == 3600.0)
    assert "ODbL" in s.provenance and "Electricity Maps" in s.provenance
    # annual mean within the catalog's GB range (OWID/Ember 2023: 211-238 g direct+LCA mix)
    assert 150.0 < s.gco2e_per_kwh.mean() < 260.0
    prof = s.daily_profile()
    assert prof[18] > prof[3] * 1.1  # the evening peak is dirtier than the night
    table = month_hour_means(s)
    assert np.isfinite(table).all() and table.shape == (12, 24)
    assert zone_for("gbr") == "GB" and zone_for("aws-eu-west-2") == "GB"
    assert zone_for("us-az") is None and shipped_series("XX") is None


def test_electricity_maps_life_cycle_header():
    text = ("Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO\u2082eq/kWh (direct),"
            "Carbon intensity gCO\u2082eq/kWh (Life cycle)\n"
            "2023-01-01 00:00:00,Great Britain,Great Britain,GB,62.4,91.22\n")
    s = read_electricity_maps_csv(text)
    assert s.gco2e_per_kwh[0] == pytest.approx(91.22) and "life-cycle" in s.provenance


def test_cli_run_hour_by_hour_on_shipped_data(tmp_path, capsys):
    db = tmp_path / "l.db"
    with Ledger(db):
        pass
    rid = _run_with_samples(db)  # 2024-03-01 17:30-19:30 UTC, 700 W
    code, out, _ = cli(["grid", "run", rid, "--zone", "gbr", "--db", str(db), "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["coverage"] == pytest.approx(1.0)
    assert "typical hour" in doc["provenance"] and "GB-2023" in doc["provenance"]
    from wattprint.site.grid_shipped import month_hour_means, shipped_series

    march = month_hour_means(shipped_series("GB"))[2]
    per_kwh = doc["co2e_g"] / (doc["energy_j"] / 3.6e6)
    assert march[17] * 0.9 < per_kwh < march[19] * 1.1


@pytest.mark.parametrize("pue", ["nan", "inf", "0.5"])
def test_cli_grid_run_refuses_a_pue_that_is_not_finite_and_ge_1(tmp_path, capsys, pue):
    db = tmp_path / "l.db"
    with Ledger(db):
        pass
    rid = _run_with_samples(db)
    code, out, err = cli(["grid", "run", rid, "--zone", "gbr", "--pue", pue, "--db", str(db)],
                         capsys)
    assert code == 2 and "PUE must be a finite number >= 1" in err and "nan" not in out


def test_cli_grid_run_names_the_site_of_its_annual_mean(tmp_path, capsys):
    db = tmp_path / "l.db"
    with Ledger(db):
        pass
    rid = _run_with_samples(db)  # site gbr
    code, out, _ = cli(["grid", "run", rid, "--zone", "gbr", "--db", str(db)], capsys)
    assert code == 0 and "at the run's site's (gbr) annual mean" in " ".join(out.split())
