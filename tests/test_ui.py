"""The dashboard's WSGI app in process: routes, read-only ledger, refusals (browser e2e is in
test_browser.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from report_data import make_ledger
from wattprint.errors import InputError
from wattprint.ledger.readonly import ReadOnlyLedger
from wattprint.ui.app import Dashboard
from wattprint.ui.server import check_bind, is_loopback, make_dashboard_server

TOKEN = "t0ken-with-at-least-16-chars"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Dashboard:
    db = tmp_path_factory.mktemp("ui") / "l.sqlite"
    make_ledger(db, 3)
    return Dashboard(ReadOnlyLedger(db))


def call(app: Dashboard, path: str, query: str = "", method: str = "GET",
         host: str = "127.0.0.1:8000", **headers: str) -> tuple[int, dict[str, str], bytes]:
    env: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                           "HTTP_HOST": host, "wsgi.input": io.BytesIO()}
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    got: dict[str, Any] = {}

    def start(status: str, hdrs: list[tuple[str, str]]) -> None:
        got["status"], got["headers"] = int(status.split()[0]), dict(hdrs)

    body = b"".join(app(env, start))
    return got["status"], got["headers"], body


def test_pages_and_json_endpoints(app: Dashboard) -> None:
    st, hdr, body = call(app, "/")
    assert st == 200 and body.count(b"class='run-row'") == 3
    assert "default-src 'self'" in hdr["Content-Security-Policy"]
    st, _, body = call(app, "/api/runs")
    runs = json.loads(body)["runs"]
    assert [r["id"] for r in runs] == ["run0002abcdef", "run0001abcdef", "run0000abcdef"]
    st, _, body = call(app, "/run/run0001abcdef")
    assert st == 200 and b"power-timeline" in body and b"/static/plotly.min.js" in body
    st, _, body = call(app, "/api/runs/run0001")
    doc = json.loads(body)
    assert doc["run"]["total_energy_j"] == pytest.approx(runs[1]["total_energy_j"])
    assert len(doc["series"]["gpu0"]["t"]) == 600
    st, _, body = call(app, "/compare", "runs=run0000abcdef,run0002abcdef")
    assert st == 200 and b"Comparing 2 runs" in body
    st, hdr, body = call(app, "/static/plotly.min.js")
    assert st == 200 and hdr["Content-Type"].startswith("text/javascript") and len(body) > 1e6


def test_what_if_and_planner(app: Dashboard) -> None:
    st, _, body = call(app, "/estimate")
    assert st == 200 and b"<form" in body
    q = "model=llama-3.1-8b&hardware=h100&batch=16&prompt_tokens=512&output_tokens=128"
    st, _, body = call(app, "/api/estimate", q)
    fp = json.loads(body)
    assert fp["inputs"]["batch"] == 16 and fp["facility_energy"]["value"] > 0
    st, _, page = call(app, "/estimate", q)
    assert repr(fp["facility_energy"]["value"]).encode() in page
    st, _, body = call(app, "/api/plan", "model=llama-3.2-1b&demand=10rps")
    assert st == 200 and json.loads(body)["frontier"]


@pytest.mark.parametrize("path,query", [
    ("/static/../../../etc/passwd", ""), ("/static/plotly.min.js/../../x", ""),
    ("/run/../../etc/passwd", ""), ("/run/..%2f..%2fetc%2fpasswd", ""), ("/etc/passwd", ""),
    ("/api/runs/run0000abcdef/../../x", ""), ("/run/x' OR '1'='1", ""),
    ("//etc/passwd", ""), ("/report/....//....//etc/passwd", ""),
])
def test_path_traversal_is_refused(app: Dashboard, path: str, query: str) -> None:
    st, _, body = call(app, path, query)
    assert st == 404 and b"root:" not in body


@pytest.mark.parametrize("query", [
    "model=../../etc/passwd", "model=/etc/passwd", "model=config.json",
    "hardware=h100;DROP TABLE runs", "site=..%2f..", "batch=1e9",
])
def test_bad_what_if_input_is_a_400(app: Dashboard, query: str) -> None:
    st, _, body = call(app, "/api/estimate", query)
    assert st == 400 and body.startswith(b"400 ")


def test_sql_injection_in_compare_is_refused(app: Dashboard) -> None:
    st, _, _ = call(app, "/compare", "runs=run0000abcdef,x'%20OR%201=1--")
    assert st == 400
    assert call(app, "/api/runs")[0] == 200  # ledger intact


def test_read_only_and_methods(app: Dashboard) -> None:
    assert call(app, "/", method="POST")[0] == 405
    assert call(app, "/", method="DELETE")[0] == 405
    assert call(app, "/", host="evil.example:8000")[0] == 403  # DNS rebinding
    assert call(app, "/", host="localhost:1234")[0] == 200


def test_token_is_required_when_set(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, 1)
    app = Dashboard(ReadOnlyLedger(db), token=TOKEN, loopback=False)
    assert call(app, "/", host="10.0.0.5:80")[0] == 401
    assert call(app, "/", "token=wrong-token-wrong-token", host="10.0.0.5:80")[0] == 401
    st, hdr, _ = call(app, "/", f"token={TOKEN}", host="10.0.0.5:80")
    assert st == 200 and "HttpOnly" in hdr["Set-Cookie"]
    assert call(app, "/api/runs", host="x:1", authorization=f"Bearer {TOKEN}")[0] == 200
    assert call(app, "/api/runs", host="x:1", cookie=f"wattprint_token={TOKEN}")[0] == 200


def test_non_loopback_bind_needs_flag_and_token(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    with pytest.raises(InputError, match="--allow-remote"):
        check_bind("0.0.0.0", allow_remote=False, token=TOKEN)
    with pytest.raises(InputError, match="without --token"):
        check_bind("0.0.0.0", allow_remote=True, token=None)
    with pytest.raises(InputError, match="16 characters"):
        check_bind("0.0.0.0", allow_remote=True, token="short")
    check_bind("0.0.0.0", allow_remote=True, token=TOKEN)
    db = tmp_path / "l.sqlite"
    make_ledger(db, 1)
    from wattprint.cli.main import build_app

    res = CliRunner().invoke(build_app(["ui"]), ["ui", "--db", str(db), "--host", "0.0.0.0"])
    assert res.exit_code != 0 and isinstance(res.exception, InputError | SystemExit)
    server, url = make_dashboard_server(db)
    try:
        assert url.startswith("http://127.0.0.1:") and server.server_port > 0
    finally:
        server.server_close()


def test_missing_ledger_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no ledger"):
        ReadOnlyLedger(tmp_path / "nope.sqlite")


def test_long_runs_are_thinned_inside_sqlite(app: Dashboard) -> None:
    from wattprint.report.html.measure import run_document

    led = app.ledger
    assert led.sample_counts("run0000abcdef") == {"cpu": 600, "gpu0": 600}
    rows = led.samples_thinned("run0000abcdef", 100)
    gpu = [r["t"] for r in rows if r["device"] == "gpu0"]
    assert len(gpu) == 100 and gpu == sorted(gpu)
    assert gpu[1] - gpu[0] == pytest.approx(0.6)  # every 6th of 0.1 s samples
    doc = run_document(led, "run0000abcdef", max_points=100)
    assert doc["series"]["gpu0"]["samples"] == 600 and doc["series"]["gpu0"]["every"] == 6
