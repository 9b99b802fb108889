"""A Pushgateway that keeps failing is reported once, not on every interval."""

from __future__ import annotations

import pytest

from _needs import need_modules
from wattprint.testing import ReplayBackend


def test_a_failing_push_is_said_once(capsys: pytest.CaptureFixture[str]) -> None:
    need_modules("prometheus_client")
    from wattprint.cli.fleet_cmds import push_and_say
    from wattprint.exporter import FleetCollector

    col = FleetCollector([ReplayBackend({"g": 100.0})], job="j1", node="n1", interval_s=3600)
    col.read_once()
    failing = ""
    for _ in range(3):  # nothing listens on port 1 of the loopback: refused at once
        failing = push_and_say(col, "http://127.0.0.1:1", failing)
    err = capsys.readouterr().err
    assert failing and err.count("push failed") == 1, err
