"""``wattprint serve-meter``: engine metrics served over HTTP on 127.0.0.1 (recorded-format
text of vLLM, SGLang and TGI, tests/data/serving/), fake devices at a known power."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from _needs import need_modules
from wattprint.errors import InputError
from wattprint.integrations.serve_meter import ServeMeter
from wattprint.integrations.serving_metrics import (
    counter_increase,
    parse_counters,
    scrape,
)
from wattprint.meter import Meter
from wattprint.testing import FakeClock, ReplayBackend, cli_call

DATA = Path(__file__).parent / "data" / "serving"
#: engine → the series the fake engine advances: (prompt, generation, requests).
SERIES = {
    "vllm": ('vllm:prompt_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"}',
             'vllm:generation_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-'
             'Instruct"}',
             'vllm:request_success_total{engine="0",finished_reason="stop",model_name="meta-'
             'llama/Llama-3.1-8B-Instruct"}'),
    "sglang": ('sglang:prompt_tokens_total{engine_type="unified",model_name="meta-llama/Llama-'
               '3.1-8B-Instruct",pp_rank="0",tp_rank="0"}',
               'sglang:generation_tokens_total{engine_type="unified",model_name="meta-llama/'
               'Llama-3.1-8B-Instruct",pp_rank="0",tp_rank="0"}',
               'sglang:num_requests_total{model_name="meta-llama/Llama-3.1-8B-Instruct"}'),
    "tgi": ("tgi_request_input_length_sum", "tgi_request_generated_tokens_sum",
            "tgi_request_success"),
}


def _prom() -> None:
    need_modules("prometheus_client")


def with_values(text: str, values: dict[str, float]) -> str:
    """The recorded text with the named series set to new values."""
    for key, v in values.items():
        text, n = re.subn(rf"(?m)^{re.escape(key)} \S+$", f"{key} {v!r}", text)
        assert n == 1, key
    return text


class FakeEngine:
    """An engine's /metrics on 127.0.0.1: the recorded text, counters set by the test."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.base = (DATA / f"{engine}.prom").read_text()
        self.text = self.base
        self.body: bytes | None = None
        self.fail_after: int | None = None  # answer garbage after this many scrapes
        self.hits = 0
        owner = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.hits += 1
                if owner.fail_after is not None and owner.hits > owner.fail_after:
                    owner.body = b"Bad Gateway"
                body = owner.body if owner.body is not None else owner.text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/metrics"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def set(self, prompt: float, gen: float, req: float) -> None:
        p, g, r = SERIES[self.engine]
        self.text = with_values(self.base, {p: prompt, g: gen, r: req})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Iterator[FakeEngine]:
    _prom()
    e = FakeEngine(request.param)
    yield e
    e.close()


def _meter(clock: FakeClock, watts: float = 300.0) -> Meter:
    b = ReplayBackend({"gpu0": watts, "cpu": 40.0}, kinds={"gpu0": "gpu", "cpu": "cpu"})
    return Meter(backends=[b], interval_s=3600, clock=clock)


def test_recorded_samples_parse() -> None:
    _prom()
    got = {e: parse_counters(e, (DATA / f"{e}.prom").read_text()) for e in SERIES}
    assert got["vllm"].generation_tokens == 259771 and got["vllm"].requests == 842 + 171
    assert got["vllm"].prompt_tokens == 518912
    # SGLang: tensor-parallel ranks report the same tokens; rank 0 only is counted
    assert got["sglang"].generation_tokens == 7557572 and got["sglang"].requests == 29523
    assert got["tgi"].generation_tokens == 213612 and got["tgi"].requests == 1180
    assert got["tgi"].prompt_tokens == 402771


def test_recorded_outputs_parse() -> None:
    """Real /metrics lines from public threads and docs (tests/data/serving/README.md):
    vLLM's older V0 format and SGLang's exponent notation, both without the request counter
    (requests then unknown, not 0)."""
    _prom()
    got = parse_counters("vllm", (DATA / "recorded" / "vllm_v0_bloom560m.prom").read_text())
    assert (got.prompt_tokens, got.generation_tokens, got.requests) == (1196, 218152, None)
    sg = parse_counters("sglang",
                        (DATA / "recorded" / "sglang_docs_llama31_8b.prom").read_text())
    assert (sg.prompt_tokens, sg.generation_tokens, sg.requests) == (8128902, 7557572, None)


def test_counter_increase_never_negative() -> None:
    assert counter_increase(100.0, 150.0) == 50.0
    assert counter_increase(100.0, 30.0) == 30.0  # restart: counted from 0
    assert counter_increase(100.0, 0.0) == 0.0
    assert counter_increase(None, 5.0) is None


@pytest.mark.parametrize("engine", ["vllm", "sglang", "tgi"], indirect=True)
def test_joules_per_token_exact(engine: FakeEngine) -> None:
    clock = FakeClock(100.0)
    engine.set(1000, 500, 10)
    sm = ServeMeter(engine.engine, engine.url, _meter(clock), window_s=10.0).start()
    for k in range(1, 5):  # 5 s intervals: +2000 prompt, +1000 output tokens, +4 requests
        clock.advance(5.0)
        engine.set(1000 + 2000 * k, 500 + 1000 * k, 10 + 4 * k)
        r = sm.step()
    # the sliding 10 s window holds the last two intervals: 300 W × 10 s = 3000 J
    assert r["window_s"] == pytest.approx(10.0)
    assert r["energy_j"] == pytest.approx(3000.0)
    assert r["energy_scope"] == "accelerators"
    assert r["output_tokens"] == 2000 and r["requests"] == 8 and r["prompt_tokens"] == 4000
    assert r["j_per_output_token"] == pytest.approx(1.5)
    assert r["j_per_request"] == pytest.approx(375.0)
    assert r["output_tokens_per_s"] == pytest.approx(200.0)
    whole = sm.finish()
    assert whole.accelerator_energy.value == pytest.approx(300.0 * 20.0)


@pytest.mark.parametrize("engine", ["vllm"], indirect=True)
def test_counter_reset_and_idle(engine: FakeEngine) -> None:
    clock = FakeClock()
    engine.set(1000, 5000, 10)
    sm = ServeMeter("vllm", engine.url, _meter(clock, 200.0), window_s=5.0).start()
    clock.advance(5.0)
    r = sm.step()  # nothing served: no J/token, never a zero or a division by zero
    assert r["output_tokens"] == 0 and r["j_per_output_token"] is None
    assert r["energy_j"] == pytest.approx(1000.0)
    clock.advance(5.0)
    engine.set(40, 250, 1)  # the engine restarted: counters from 0
    r = sm.step()
    assert r["output_tokens"] == 250 and r["counter_resets"] == 1
    assert r["j_per_output_token"] == pytest.approx(1000.0 / 250)
    sm.finish()


@pytest.mark.parametrize("engine", ["vllm"], indirect=True)
def test_prediction_next_to_measurement(engine: FakeEngine) -> None:
    clock = FakeClock()
    engine.set(0, 0, 0)
    sm = ServeMeter("vllm", engine.url, _meter(clock), window_s=60.0,
                    model="llama-3.1-8b", hardware="h100-sxm").start()
    clock.advance(10.0)
    engine.set(5120, 2560, 10)
    r = sm.step()
    p = r["predicted"]
    assert p is not None and p["j_per_output_token"] > 0
    assert p["j_per_output_token_low"] <= p["j_per_output_token"] <= \
        p["j_per_output_token_high"]
    assert p["j_per_request"] == pytest.approx(p["j_per_output_token"] * 256, rel=1e-6)
    sm.finish()


@pytest.mark.parametrize("engine", ["tgi"], indirect=True)
def test_not_metrics_text_and_wrong_engine(engine: FakeEngine) -> None:
    with pytest.raises(InputError, match="no vllm:generation_tokens_total"):
        parse_counters("vllm", scrape(engine.url), engine.url)
    engine.body = b"<html><body>hello</body></html>"
    with pytest.raises(InputError, match="did not answer Prometheus metrics text"):
        parse_counters("tgi", scrape(engine.url), engine.url)


def test_bad_urls() -> None:
    for url in ("file:///etc/passwd", "ftp://x/metrics", "http://", "localhost:8000"):
        with pytest.raises(InputError, match="http:// or https://"):
            scrape(url)
    with pytest.raises(InputError, match="cannot reach"):
        scrape("http://127.0.0.1:9/metrics", timeout_s=2)


def _redirect_server() -> ThreadingHTTPServer:
    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    s = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=s.serve_forever, args=(0.02,), daemon=True).start()
    return s


def test_redirect_refused() -> None:
    s = _redirect_server()
    try:
        with pytest.raises(InputError, match="redirected"):
            scrape(f"http://127.0.0.1:{s.server_address[1]}/metrics")
    finally:
        s.shutdown()
        s.server_close()


@pytest.mark.parametrize("args", [
    ["--engine", "vllm", "--url", "file:///etc/passwd"],
    ["--engine", "ollama", "--url", "http://127.0.0.1:9/metrics"],
    ["--engine", "vllm", "--url", "http://127.0.0.1:9/metrics"],
    ["--engine", "vllm", "--url", "http://127.0.0.1:9/metrics", "--interval", "soon"],
    ["--engine", "vllm", "--url", "http://127.0.0.1:9/metrics", "--model", "llama-3.1-8b"],
])
def test_cli_bad_input_one_line_exit_2(args: list[str], tmp_path: Path) -> None:
    _prom()
    code, out, err = cli_call("serve-meter", *args, "--db", str(tmp_path / "l.sqlite"))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "l.sqlite").exists()  # nothing stored for a refused start


@pytest.mark.slow  # real time: the CLI scrapes a live HTTP server for ~0.5 s
@pytest.mark.parametrize("engine", ["sglang"], indirect=True)
def test_cli_json_lines_and_ledger(engine: FakeEngine, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import wattprint.meter.backends as backends

    monkeypatch.setattr(backends, "detect_backends", lambda **_: [ReplayBackend(
        {"gpu0": 250.0}, kinds={"gpu0": "gpu"})])

    def advancing() -> None:  # the engine serves while we measure
        for k in range(1, 200):
            if stop.wait(0.02):
                return
            engine.set(100.0 * k, 50.0 * k, k)

    stop = threading.Event()
    t = threading.Thread(target=advancing, daemon=True)
    engine.set(0, 0, 0)
    t.start()
    db = tmp_path / "l.sqlite"
    try:
        code, out, err = cli_call("serve-meter", "--engine", "sglang", "--url", engine.url,
                                  "--interval", "0.2s", "--window", "1s", "--duration",
                                  "0.65s", "--json", "--db", str(db))
    finally:
        stop.set()
        t.join()
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) >= 2
    for r in rows:
        assert r["energy_scope"] == "accelerators" and r["energy_j"] > 0
        if r["output_tokens"]:
            assert r["j_per_output_token"] == pytest.approx(r["energy_j"] / r["output_tokens"])
    from wattprint.ledger import Ledger

    with Ledger(db) as led:
        (run,) = led.runs()
        wins = led.windows(run["id"])
        assert len(wins) >= len(rows) and run["status"] == "complete"
        assert run["accelerator_energy_j"] > 0


@pytest.mark.slow  # real time: the CLI scrapes a live HTTP server for ~0.5 s
@pytest.mark.parametrize("engine", ["tgi"], indirect=True)
def test_cli_engine_gone_stores_incomplete(engine: FakeEngine, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import wattprint.meter.backends as backends

    monkeypatch.setattr(backends, "detect_backends", lambda **_: [ReplayBackend(
        {"gpu0": 250.0}, kinds={"gpu0": "gpu"})])
    engine.fail_after = 2  # by scrape count, not by a timer: the same under any load
    db = tmp_path / "l.sqlite"
    code, out, err = cli_call("serve-meter", "--engine", "tgi", "--url", engine.url,
                              "--interval", "0.2s", "--duration", "5s", "--json", "--db",
                              str(db))
    assert code == 2 and "did not answer Prometheus metrics text" in err
    assert len(err.strip().splitlines()) == 1
    from wattprint.ledger import Ledger

    with Ledger(db) as led:
        (run,) = led.runs()
        assert run["status"] == "incomplete" and run["accelerator_energy_j"] > 0
