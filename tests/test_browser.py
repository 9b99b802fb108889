"""Every report type and the dashboard in headless Chromium (Selenium + Debian's
chromium-driver): charts render, no console errors, the numbers shown match the command's JSON.

Screenshots go to ``test-artefacts/browser`` (or ``$WATTPRINT_TEST_ARTEFACTS``). Without
Chromium, chromedriver or selenium these tests skip; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from report_data import command_json, make_ledger
from wattprint.ledger.readonly import ReadOnlyLedger
from wattprint.report.html import render
from wattprint.report.html.measure import run_document

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(os.environ.get("WATTPRINT_TEST_ARTEFACTS", ROOT / "test-artefacts" / "browser"))
CHROMIUM = os.environ.get("WATTPRINT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1200,1500")
RUNNER = CliRunner()

COMMANDS: dict[str, list[str]] = {
    "estimate-infer": ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--batch", "8",
                       "--json"],
    "estimate-train": ["estimate", "train", "-m", "llama-3.1-8b", "-H", "h100", "--chips",
                       "1024", "--tokens", "15T", "--json"],
    "demo": ["demo", "--json"],
    "plan-infer": ["plan", "infer", "-m", "llama-3.1-8b", "--demand", "1e6requests/day",
                   "--json"],
    "plan-train": ["plan", "train", "-m", "llama-3.2-1b", "--tokens", "100B", "--json"],
    "lifecycle": ["lifecycle", "-m", "llama-3.1-8b", "--training-tokens", "15T", "--demand",
                  "1e9requests/day", "--days", "365", "--json"],
    "validation": ["validate", "-g", "h200", "-g", "inference", "--json"],
}

_UNITS = {"J": 1.0, "Wh": 3600.0, "kWh": 3.6e6, "MWh": 3.6e9, "GWh": 3.6e12,
          "mg CO2e": 1e-3, "g CO2e": 1.0, "kg CO2e": 1e3, "t CO2e": 1e6, "mL": 1e-3, "L": 1.0,
          "m³": 1e3, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0,
          "day": 86400.0, "days": 86400.0, "year": 86400.0 * 365, "years": 86400.0 * 365,
          "%": 0.01, "chip-h": 1.0, "": 1.0}


def shown_to_si(text: str) -> float:
    """A number as the page shows it (``2.19 Wh``, ``$56.7k``, ``4.18 %``) in SI units."""
    text = text.strip()
    m = re.fullmatch(r"-?\$([\d.,e+-]+)([kMB]?)", text)
    if m:
        return float(m.group(1).replace(",", "")) * {"": 1, "k": 1e3, "M": 1e6, "B": 1e9}[
            m.group(2)]
    m = re.fullmatch(r"(-?[\d.,]+(?:e[+-]?\d+)?)\s*(.*)", text)
    assert m, f"not a number: {text!r}"
    return float(m.group(1).replace(",", "")) * _UNITS[m.group(2)]


def json_value(doc: dict[str, Any], kind: str, key: str) -> float:
    """The JSON value behind a headline row of the page, found from the command's JSON."""
    parts = key.split(".")
    if kind in ("estimate-infer", "estimate-train"):
        return float(doc[key]["value"])
    if kind == "demo":
        part = doc["serving_one_year"] if parts[0] == "serving" else doc["training"]
        return float(part[parts[-1]]["value"])
    if kind.startswith("plan"):
        return float(doc["ranked"][int(parts[1])][parts[2]])
    if kind == "lifecycle":
        row = next(r for r in doc["rows"] if r["metric"] == parts[1])
        return float(row[parts[2]])
    if kind == "validation":
        s = next(s for s in doc["summary"] if s["group"] == parts[1] and s["quantity"] == "all")
        return float(s["median_abs_error"] if parts[2] == "median_abs_error"
                     else s["within_25pct"] / s["count"])
    if kind == "run":
        return float(doc["run"]["footprint"][key]["value"])
    if kind == "job":
        return float(sum(d["run"][parts[1]] for d in doc["documents"]))
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [what for what, ok in (("chromium", Path(CHROMIUM).is_file()),
                                     ("chromedriver", Path(DRIVER).is_file())) if not ok]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need {', '.join(missing)} in CI")
        pytest.skip(f"no {', '.join(missing)} (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="wattprint-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def charts_ready(driver: Any, timeout_s: float = 30.0) -> int:
    """Wait until every figure of the page is drawn; returns how many (≥ 1 asserted)."""
    js = ("const want = document.querySelectorAll('script[data-fig]').length;"
          "const got = document.querySelectorAll('.js-plotly-plot svg.main-svg').length;"
          "return [want, document.querySelectorAll('.js-plotly-plot').length, got];")
    deadline = time.monotonic() + timeout_s
    while True:
        want, plots, svgs = driver.execute_script(js)
        if want and plots == want and svgs >= want:
            return int(want)
        assert time.monotonic() < deadline, f"charts not drawn: {want} figures, {plots} plots"
        time.sleep(0.2)


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def headline(driver: Any) -> list[tuple[str, str]]:
    return driver.execute_script(  # type: ignore[no-any-return]
        "return [...document.querySelectorAll('tr[data-key]')].map("
        "r => [r.dataset.key, r.querySelector('.value').textContent]);")


def shot(driver: Any, name: str) -> None:
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))
    for i, fig in enumerate(driver.find_elements("css selector", ".js-plotly-plot")[:4]):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", fig)
        time.sleep(0.2)
        fig.screenshot(str(ARTEFACTS / f"{name}-chart{i}.png"))


def check_page(driver: Any, doc: dict[str, Any], kind: str) -> int:
    n = charts_ready(driver)
    assert console_errors(driver) == []
    rows = headline(driver)
    checked = 0
    for key, text in rows:
        want = json_value(doc, kind, key)
        assert shown_to_si(text) == pytest.approx(want, rel=0.006, abs=1e-12), (key, text)
        checked += 1
    assert checked >= 3, f"{kind}: only {checked} numbers on the page"
    return n


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("browser") / "ledger.sqlite"
    make_ledger(db, 3)
    return db


@pytest.mark.parametrize("kind", [*COMMANDS, "run", "job"])
def test_report_renders_with_the_json_numbers(browser: Any, ledger_db: Path, kind: str) -> None:
    if kind in COMMANDS:
        doc = command_json(RUNNER, COMMANDS[kind])
    else:
        led = ReadOnlyLedger(ledger_db)
        docs = [run_document(led, rid) for rid in ("run0000abcdef", "run0001abcdef")]
        led.close()
        doc = docs[0] if kind == "run" else {"kind": "job", "documents": docs}
    page = ARTEFACTS / f"report-{kind}.html"
    page.write_text(render(doc), encoding="utf-8")
    browser.get(page.as_uri())
    assert check_page(browser, doc, kind) >= 1
    shot(browser, f"report-{kind}")


@pytest.fixture(scope="module")
def dashboard(ledger_db: Path) -> Iterator[str]:
    from wattprint.ui.server import make_dashboard_server

    server, url = make_dashboard_server(ledger_db)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def test_dashboard_end_to_end(browser: Any, dashboard: str, ledger_db: Path) -> None:
    browser.get(dashboard)
    deadline = time.monotonic() + 20
    while not browser.find_elements("css selector", "tr.run-row") and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = browser.find_elements("css selector", "tr.run-row")
    assert len(rows) == 3, browser.page_source[:500]
    assert console_errors(browser) == []
    shot(browser, "ui-runs")
    browser.find_elements("css selector", "a.run-link")[0].click()
    assert "/run/run0002abcdef" in browser.current_url
    charts_ready(browser)
    assert browser.find_elements("css selector", "#power-timeline svg.main-svg")
    led = ReadOnlyLedger(ledger_db)
    doc = run_document(led, "run0002abcdef")
    led.close()
    shown = dict(headline(browser))
    for key in ("accelerator_energy", "facility_energy", "co2e"):
        assert shown_to_si(shown[key]) == pytest.approx(json_value(doc, "run", key), rel=0.006)
    assert console_errors(browser) == []
    shot(browser, "ui-run")


def test_dashboard_compare_what_if_and_planner(browser: Any, dashboard: str) -> None:
    for path, name in (("compare?runs=run0000abcdef,run0002abcdef", "ui-compare"),
                       ("estimate?model=llama-3.1-8b&hardware=h100&batch=32", "ui-estimate"),
                       ("plan?model=llama-3.1-8b&demand=1e6requests/day", "ui-plan")):
        browser.get(dashboard + path)
        assert charts_ready(browser) >= 1
        assert console_errors(browser) == []
        shot(browser, name)


def test_dashboard_refuses_traversal_over_http(dashboard: str) -> None:
    host, port = dashboard.split("//")[1].rstrip("/").split(":")
    for path in ("/static/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/run/..%2f..%2f..%2fetc%2fpasswd", "/static/plotly.min.js/../../../x",
                 "/api/runs/../../../etc/passwd", "/report/%2e%2e%2f%2e%2e%2fetc%2fpasswd"):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 404 and b"root:" not in body, path


def test_ui_refuses_non_loopback_bind_without_token(ledger_db: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("WATTPRINT_UI_TOKEN", None)
    for extra in ([], ["--allow-remote"]):
        proc = subprocess.run([sys.executable, "-m", "wattprint", "ui", "--db", str(ledger_db),
                               "--host", "0.0.0.0", *extra], capture_output=True, text=True,
                              timeout=60, env=env)
        assert proc.returncode == 2
        assert proc.stderr.startswith("wattprint: error: refusing to serve")
        assert "Traceback" not in proc.stderr


def test_pdf_through_headless_chromium(browser: Any, tmp_path: Path) -> None:
    from wattprint.cli.main import build_app

    src = tmp_path / "est.json"
    src.write_text(json.dumps(command_json(RUNNER, COMMANDS["estimate-infer"])))
    out = ARTEFACTS / "report-estimate-infer.pdf"
    res = RUNNER.invoke(build_app(["report"]), ["report", str(src), "-f", "pdf", "-o", str(out)])
    assert res.exit_code == 0, res.output
    head = out.read_bytes()
    assert head.startswith(b"%PDF") and len(head) > 20_000
