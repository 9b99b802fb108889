"""calibrate fit: the quality bar on the H200 1B-shape measurements, generalisation, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from wattprint.calibrate.fit import FIT_PARAMS, fit_measurements, predict
from wattprint.calibrate.measurements import (
    measurements_from_ledger,
    parse_measurement,
    read_measurements,
    resolve_all,
)
from wattprint.device.profile import load_profile, save_profile
from wattprint.errors import DataError
from wattprint.estimate import estimate_inference
from wattprint.testing import cli_run
from wattprint.workload.model_spec import spec_from_config

DATA = Path(__file__).parent / "data" / "h200_workloads_dev.jsonl"
LLAMA_8B = {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
            "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
            "tie_word_embeddings": False}


@pytest.fixture(scope="module")
def fitted():
    return fit_measurements(read_measurements(DATA), stack="eager", source=DATA.name)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return cli_run(*args)  # type: ignore[no-any-return]


def test_leave_one_out_within_15_percent(fitted) -> None:
    assert len(fitted.loo) == 4
    for row in fitted.loo:
        assert abs(row["time_error"]) <= 0.15, row
        assert abs(row["energy_error"]) <= 0.15, row
    assert fitted.loo_max_abs_error() <= 0.15


def test_in_sample_fit_is_close_and_params_have_ranges(fitted) -> None:
    for row in fitted.in_sample:
        assert abs(row["time_error"]) < 0.10 and abs(row["energy_error"]) < 0.10
    names = [p["name"] for p in fitted.params]
    assert names == list(FIT_PARAMS)
    for p in fitted.params:
        assert p["low"] <= p["value"] <= p["high"]
        assert p["low"] < p["high"]
    st = fitted.profile.stack
    assert st.per_layer_s is not None and st.per_layer_s.low is not None
    assert 0 < st.compute_efficiency.value <= 1.0


def test_fitted_profile_reproduces_fit_through_estimate(fitted, tmp_path: Path) -> None:
    path = save_profile(fitted.profile, tmp_path / "fit.json")
    prof = load_profile(str(path))
    assert prof.stack.per_layer_s == fitted.profile.stack.per_layer_s
    preds = predict(read_measurements(DATA), str(path), stack="eager")
    for (t, e), row in zip(preds, fitted.in_sample, strict=True):
        assert t == pytest.approx(row["predicted_time_s"], rel=1e-9)
        assert e == pytest.approx(row["predicted_energy_j"], rel=1e-9)


def test_fit_generalises_through_per_layer_overhead(fitted) -> None:
    """An 8B shape (32 layers) pays twice the per-layer dispatch of the 1B (16 layers)."""
    prof = fitted.profile
    one_b = spec_from_config(read_measurements(DATA)[0].model_cfg, name="1b")
    eight_b = spec_from_config(LLAMA_8B, name="8b")

    def tpot(spec) -> float:
        fp = estimate_inference(spec, "h200", batch=1, prompt_tokens=128, output_tokens=128,
                                profile=prof, stack="eager")
        return fp["time_per_output_token"].value

    small, big = tpot(one_b), tpot(eight_b)
    per_layer = prof.stack.per_layer_s.value
    # both decode steps are overhead-bound: the difference is 16 more layers' dispatch
    assert big - small == pytest.approx(16 * per_layer, rel=0.02)
    assert big > small * 1.1
    # and a prefill of the 8B shape is not the 1B value either
    pre1 = estimate_inference(one_b, "h200", prompt_tokens=2048, output_tokens=1, profile=prof)
    pre8 = estimate_inference(eight_b, "h200", prompt_tokens=2048, output_tokens=1,
                              profile=prof)
    assert pre8["time"].value > 2 * pre1["time"].value


def test_cli_fit_writes_profile_and_reports_loo(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    r = _cli("calibrate", "fit", str(DATA), "--hardware", "h200", "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["profile_path"] == str(out) and out.is_file()
    assert len(d["leave_one_out"]) == 4 and d["loo_max_abs_error"] <= 0.15
    assert {p["name"] for p in d["params"]} == set(FIT_PARAMS)
    txt = _cli("calibrate", "fit", str(DATA))
    assert txt.returncode == 0 and "leave-one-out" in txt.stdout.lower()


def test_cli_estimate_uses_fitted_profile(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    assert _cli("calibrate", "fit", str(DATA), "-o", str(out)).returncode == 0
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(LLAMA_8B))
    base = _cli("estimate", "infer", "--model-config", str(cfg), "-H", "h200", "--json")
    tuned = _cli("estimate", "infer", "--model-config", str(cfg), "-H", "h200", "--profile",
                 str(out), "--json")
    assert base.returncode == 0 and tuned.returncode == 0, tuned.stderr
    assert json.loads(base.stdout)["time"]["value"] != json.loads(tuned.stdout)["time"]["value"]


BAD = {
    "negative energy": ({"energy_j": -5.0}, "line 2: energy_j must be > 0"),
    "unknown kind": ({"kind": "finetune"}, "line 2: unknown kind 'finetune'"),
    "missing time": ({"time_s": None}, "line 2: missing field time_s"),
    "missing energy field": ("drop:energy_j", "line 2: missing field energy_j"),
    "missing prompt": ("drop:prompt_tokens", "line 2: missing field prompt_tokens"),
    "zero batch": ({"batch": 0}, "line 2: batch must be ≥ 1"),
    "no model": ("drop:model_config,model", "line 2: missing field model_config"),
    "unknown model": ({"model_config": None, "model": "no-such-net"},
                      "line 2: missing field model_config, and model 'no-such-net'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_measurement_files_exit_2_naming_the_line(case: str, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    change, expected = BAD[case]
    bad = dict(rows[1])
    if isinstance(change, str):
        for key in change.split(":")[1].split(","):
            bad.pop(key)
    else:
        bad.update(change)
    f = tmp_path / "measurements.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in (rows[0], bad, rows[2])) + "\n")
    with pytest.raises(DataError, match=expected.split(": ", 1)[0]):
        read_measurements(f)
    r = _cli("calibrate", "fit", str(f))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"measurements.jsonl {expected}" in lines[0]


def test_invalid_json_and_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "m.jsonl"
    f.write_text("# comment\n\n{not json}\n")
    r = _cli("calibrate", "fit", str(f))
    assert r.returncode == 2 and "m.jsonl line 3: not valid JSON" in r.stderr
    f.write_text("# nothing\n")
    r = _cli("calibrate", "fit", str(f))
    assert r.returncode == 2 and "no measurements" in r.stderr
    r = _cli("calibrate", "fit", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "no measurements file" in r.stderr


def test_mixed_hardware_is_an_error() -> None:
    rows = read_measurements(DATA)
    other = rows[1].model_copy(update={"hardware": "h100", "line": 9})
    with pytest.raises(DataError, match="several hardware"):
        fit_measurements([rows[0], other], leave_one_out=False)


def test_measurement_from_ledger_rows(tmp_path: Path) -> None:
    from wattprint.ledger import Ledger
    from wattprint.meter import Meter
    from wattprint.testing import ReplayBackend

    db = tmp_path / "l.sqlite"
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    with Ledger(db) as led:
        rid = led.start_run(["python", "gen.py"])
        meter = Meter(backends=[ReplayBackend({"g": 130.0})], interval_s=3600)
        with meter.window("generate"):
            meter.sampler.tick()
        meter.stop()
        led.add_window(rid, meter.measurements[-1])
        led.finish_run(rid, complete=True, exit_code=0, measurement=meter.measurements[-1])
        desc = {k: v for k, v in rows[1].items() if k not in ("time_s", "energy_j")}
        m = measurements_from_ledger(led, rid, desc, window="generate")
        assert m.time_s is not None and m.time_s > 0
    # the same through a measurements file naming the run
    f = tmp_path / "m.jsonl"
    f.write_text(json.dumps({**desc, "ledger_run": rid, "window": "generate"}) + "\n")
    resolved = resolve_all(read_measurements(f), db)
    assert resolved[0].time_s == pytest.approx(m.time_s)
    bad = parse_measurement({**desc, "ledger_run": "ffffffffffff"}, "m.jsonl", 4)
    with Ledger(db) as led, pytest.raises(DataError, match="m.jsonl line 4"):
        from wattprint.calibrate.measurements import resolve_from_ledger

        resolve_from_ledger(bad, led)


def test_builtin_fitted_profile_still_fits_its_measurements() -> None:
    """The shipped h200-1b-eager-fit profile (see docs/calibration.md) reproduces its data."""
    prof = load_profile("h200-1b-eager-fit")
    assert prof.stack.base == "eager" and prof.device.idle_w is not None
    rows = read_measurements(DATA)
    for (t, e), m in zip(predict(rows, prof, stack="eager"), rows, strict=True):
        assert abs(t / m.time_s - 1) <= 0.15 and abs(e / m.energy_j - 1) <= 0.15, m.label
