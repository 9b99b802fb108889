"""`wattprint history` at 80 columns keeps time, energy and CO2e (the command is what is cut)."""

from __future__ import annotations

import pytest

from wattprint.report.run_views import print_history

ROW = {"id": "5ceb4ede00bb", "started_at": 1796150907.8, "time_s": 1.23, "state": "complete",
       "exit_code": 0, "total_energy_j": 23.4, "co2e_g": 0.00307,
       "command": ["bash", "-c", "for i in 1 2 3 4 5 6; do echo step $i loss; sleep 0.2; done"]}


@pytest.mark.parametrize("columns", [80, 120])
def test_history_keeps_energy_and_co2e(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str], columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    print_history([ROW], "ledger.sqlite")
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.strip().startswith("run "))
    for col in ("time", "state", "energy", "CO2e", "command"):
        assert col in header, (col, header)
    assert "23.4 J" in out and "1.23 s" in out
    assert max(len(line) for line in out.splitlines()) <= columns
