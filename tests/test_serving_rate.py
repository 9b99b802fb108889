"""Serving at a request rate: paged-KV admission, steady batch, replicas, idle capacity."""

import json

import pytest

from wattprint.catalog import get_hardware
from wattprint.cli.main import run
from wattprint.engine.serving_rate import (
    KV_BLOCK_TOKENS,
    ServingPoint,
    estimate_serving,
    paged_kv_max_batch,
    steady_batch,
)
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.phases import weight_storage_bytes
from wattprint.workload.precision import precision_plan


def test_paged_kv_admission_golden():
    # vLLM: KV pool = gpu_memory_utilization (0.9) × memory − weights; pages of 16 tokens.
    spec, hw = get_model_spec("llama-3.1-8b"), get_hardware("h100")
    pool = 0.9 * hw.memory_bytes.value - weight_storage_bytes(spec, precision_plan("bf16"))
    held = -(-(512 + 128) // KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS
    per_seq = spec.kv_elements(held) * 2.0
    assert paged_kv_max_batch(spec, hw, "bf16", 1, 512, 256) == int(pool // per_seq)


def _pt(b, t):
    return ServingPoint(b, t, 0.01, 0.1, 500.0, None)  # type: ignore[arg-type]


def test_littles_law_steady_batch():
    points = [_pt(1, 1.0), _pt(2, 1.1), _pt(4, 1.2), _pt(8, 1.5)]
    assert steady_batch(points, 0.5).batch == 1     # 0.5 × 1.0 ≤ 1
    assert steady_batch(points, 3.0).batch == 4     # 3 × 1.2 = 3.6 ≤ 4
    assert steady_batch(points, 10.0) is None       # 10 × 1.5 > 8


def test_load_sets_batch_replicas_and_idle_share():
    low = estimate_serving("llama-3.1-8b", "h100", rate_rps=0.1, duration_s=10_000)
    high = estimate_serving("llama-3.1-8b", "h100", rate_rps=50, duration_s=20)
    per_req = [fp["accelerator_energy_per_request"].value for fp in (low, high)]
    assert per_req[0] > 5 * per_req[1]  # an idle-most-of-the-time replica costs per request
    assert high.details["steady_batch"] > low.details["steady_batch"]
    assert high.details["replicas"] >= low.details["replicas"] >= 1
    assert any("vLLM-like engine" in n for n in high.notes)
    assert any("provisioned (headroom" in n for n in high.notes)
    more = estimate_serving("llama-3.1-8b", "h100", rate_rps=500, duration_s=2)
    assert more.details["replicas"] > high.details["replicas"]


def test_cli_rate_and_default_note(capsys):
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--rate", "50rps",
             "--duration", "20s", "--json"])
    assert e.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["inputs"]["rate_rps"] == 50 and d["inputs"]["requests"] == pytest.approx(1000)
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert any("--rate" in n for n in out["notes"])
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--rate", "5rps",
             "--duration", "soon"])
    assert e.value.code == 2
