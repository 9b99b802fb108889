"""Golden tests for the Mamba-2 hybrid (Nemotron Nano 2) physics, each naming its source.

Sources: Dao & Gu 2024, "Transformers are SSMs" (Mamba-2, arXiv 2405.21060); NVIDIA
Nemotron-H (arXiv 2504.03624); NVIDIA Nemotron Nano 2 (arXiv 2508.14444) and its Hugging Face
config.json (tests/data/configs/nemotron-nano-*-v2.json); vLLM's Mamba-2 state shapes
(``MambaStateShapeCalculator.mamba2_state_shape``).
"""

import json
from pathlib import Path

import pytest

from wattprint.cli.main import run
from wattprint.engine.memory import paged_kv_capacity, paged_kv_sequence_bytes
from wattprint.errors import InputError
from wattprint.workload.model_spec import get_model_spec, load_config_file, spec_from_config
from wattprint.workload.phases import Traffic, decode_work, prefill_work
from wattprint.workload.precision import precision_plan
from wattprint.workload.ssm import (
    recurrent_state_bytes,
    ssd_chunked_flops,
    ssd_decode_flops,
)

CONFIGS = Path(__file__).parent / "data" / "configs"
FUSED = Traffic(2.0, 1.0, True)
BF16 = precision_plan("bf16")


@pytest.fixture(scope="module")
def nano9():
    return load_config_file(CONFIGS / "nemotron-nano-9b-v2.json")


def test_pattern_counts_blocks(nano9):
    # config.json hybrid_override_pattern: 27 M, 4 *, 25 - over 56 blocks (Nano 2 report §2.1)
    assert (nano9.mamba_layers, nano9.attn_layers, nano9.mlp_layers) == (27, 4, 25)
    assert nano9.layers == 56 and nano9.layer_equivalents == 28.0
    assert nano9.head_dim == 128 and not nano9.gated_mlp  # relu2 MLP: two matrices


def test_mamba2_layer_weights(nano9):
    # Mamba-2 paper §7.1 (parallel projections): in_proj d·(2·d_inner + 2·G·N + H), conv over
    # x, B, C (weight + bias), dt_bias/A_log/D, gated norm d_inner, out_proj d_inner·d
    d, h, p, g, n, k = 4480, 128, 80, 8, 128, 4
    inner, conv = h * p, h * p + 2 * g * n
    assert nano9.mamba_params_per_layer == \
        d * (2 * inner + 2 * g * n + h) + conv * (k + 1) + 3 * h + inner + inner * d \
        == 147_446_144


def test_kv_cache_only_in_attention_layers(nano9):
    # only the 4 attention blocks cache keys and values: 4 · 2 · 8 KV heads · 128
    assert nano9.kv_elements_per_token() == 4 * 2 * 8 * 128


def test_ssd_decode_flops_golden(nano9):
    # Mamba-2 paper §3.4 (recurrent form): h ← a·h + x·Bᵀ (3·P·N), y = h·C (2·P·N) per head
    assert ssd_decode_flops(nano9, 1.0) == 5 * 128 * 80 * 128 * 27 == 176_947_200


def test_ssd_chunked_flops_golden(nano9):
    # Mamba-2 paper §6 (SSD algorithm): G·Q·N (C·Bᵀ) + H·Q·P (masked mix) + 2·H·N·P (chunk
    # states, state read-out) multiply-adds per token, Q = chunk_size 128
    per_token = 2 * (8 * 128 * 128 + 128 * (128 * 80 + 2 * 128 * 80)) * 27
    assert ssd_chunked_flops(nano9, 1000.0, 1000.0) == pytest.approx(1000 * per_token)
    # a 16-token prompt is one short chunk
    short = 2 * (8 * 16 * 128 + 128 * (16 * 80 + 2 * 128 * 80)) * 27
    assert ssd_chunked_flops(nano9, 16.0, 16.0) == pytest.approx(16 * short)


def test_recurrent_state_bytes_golden():
    # vLLM mamba2_state_shape: SSM (H, P, N) and conv (K − 1, d_inner + 2·G·N) per layer; the
    # catalog card keeps the SSM state in float32 (model card: --mamba_ssm_cache_dtype float32)
    card = get_model_spec("nemotron-nano-v2")
    per_layer = 128 * 80 * 128 * 4 + 3 * (128 * 80 + 2 * 8 * 128) * 2
    assert recurrent_state_bytes(card, BF16) == 27 * per_layer == 143_548_416
    # the verbatim config says nothing: vLLM's "auto", the model dtype (bf16)
    fixture = load_config_file(CONFIGS / "nemotron-nano-9b-v2.json")
    assert recurrent_state_bytes(fixture, BF16) == 27 * (128 * 80 * 128 * 2 + 3 * 12288 * 2)
    # an fp8 KV cache leaves the Mamba state alone (vLLM --mamba-cache-dtype auto = model
    # dtype, not --kv-cache-dtype): conv and "auto" SSM state stay bf16
    fp8_kv = precision_plan("bf16", "fp8")
    assert recurrent_state_bytes(card, fp8_kv) == recurrent_state_bytes(card, BF16)
    assert recurrent_state_bytes(fixture, fp8_kv) == recurrent_state_bytes(fixture, BF16)


def test_decode_bytes_fixed_state_does_not_grow_with_context():
    spec = get_model_spec("nemotron-nano-9b-v2")
    short = decode_work(spec, BF16, FUSED, batch=8, context_tokens=1_000)
    long = decode_work(spec, BF16, FUSED, batch=8, context_tokens=101_000)
    # only the 4 attention layers' KV reads grow: 8 sequences × 100k tokens × 8192 × 2 B
    assert long.kv_bytes - short.kv_bytes == pytest.approx(8 * 100_000 * 8192 * 2)
    # the state is read and written every step
    assert short.kv_bytes >= 2 * 8 * recurrent_state_bytes(spec, BF16)


def test_prefill_writes_the_state_and_adds_the_scan():
    spec = get_model_spec("nemotron-nano-9b-v2")
    pre = prefill_work(spec, BF16, FUSED, batch=2, prompt_tokens=512)
    kv = 2 * 512 * spec.kv_elements_per_token() * 2
    assert pre.kv_bytes == pytest.approx(kv + 2 * recurrent_state_bytes(spec, BF16))
    assert pre.attention_flops > ssd_chunked_flops(spec, 1024.0, 512.0) > 0


def test_plain_transformer_unchanged():
    spec = get_model_spec("llama-3.1-8b")
    assert spec.attn_layers == spec.mlp_layers == spec.layers == 32
    assert spec.layer_equivalents == 32.0 and spec.mamba_layers == 0
    assert recurrent_state_bytes(spec, BF16) == 0.0


def test_memory_holds_one_state_slot_per_sequence():
    # 12B on one H100 (80 GB, gpu_memory_utilization 0.9): ML.ENERGY's lm-arena run with
    # max_num_seqs 256 held 241 sequences on average; the float32 state (149 MB a sequence)
    # leaves room for 288 at 630 tokens held (a bf16 state: about 520)
    spec = get_model_spec("nemotron-nano-12b-v2")
    per_seq = paged_kv_sequence_bytes(spec, BF16, 630.0)
    assert per_seq == pytest.approx(recurrent_state_bytes(spec, BF16) + 640 * 6 * 2048 * 2)
    cap = paged_kv_capacity(spec, BF16, 80e9, 1, 630.0)
    assert 241 <= cap < 400


@pytest.mark.parametrize("cfg,needle", [
    ({"hybrid_override_pattern": "ME*"}, "'E'"),
    ({"hybrid_override_pattern": "M*"}, "lists 2 layers"),
    ({"hybrid_override_pattern": "M-*", "mamba_num_heads": None}, "mamba_num_heads"),
    ({"hybrid_override_pattern": "M-*", "mamba_ssm_cache_dtype": "fp4"},
     "mamba_ssm_cache_dtype"),
])
def test_hybrid_config_refuses_what_it_does_not_model(cfg, needle):
    base = {"model_type": "nemotron_h", "hidden_size": 256, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64,
            "intermediate_size": 512, "vocab_size": 1000, "mamba_num_heads": 8,
            "mamba_head_dim": 32, "ssm_state_size": 16, "n_groups": 1, "conv_kernel": 4,
            "chunk_size": 64}
    with pytest.raises(InputError, match=needle):
        spec_from_config({**base, **cfg})


def test_estimate_infer_nemotron_nano_v2(capsys):
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "--model", "nemotron-nano-v2", "--hardware", "h100",
             "--batch", "64", "--prompt-tokens", "400", "--output-tokens", "500", "--json"])
    out = capsys.readouterr()
    assert e.value.code == 0, out.err
    d = json.loads(out.out)
    assert "nemotron-nano-9b-v2" in json.dumps(d)


def test_training_counts_layer_equivalents_like_inference(nano9):
    # a hybrid block (Mamba-2, attention or MLP) is half a transformer layer of kernels and
    # has one tensor-parallel all-reduce: training charges what inference charges
    from wattprint.device.execute import COLLECTIVE_BASE_S, COLLECTIVE_HOP_S
    from wattprint.device.roofline import allreduce_time_s, collective_latency_s
    from wattprint.engine.parallelism import Fabric, Layout, tp_comm_s
    from wattprint.workload.phases import train_step_work

    fwd = prefill_work(nano9, BF16, FUSED, batch=2, prompt_tokens=512)
    step = train_step_work(nano9, BF16, FUSED, 2, 512)
    assert fwd.layer_passes == nano9.layer_equivalents == 28.0
    assert step.layer_passes == 3 * 28.0
    lay = Layout(2, 1, 1, 1, 4096.0, 2048, False, "test")  # 2 sequences per rank, TP 2
    fabric = Fabric(4.5e11, 5e10, 8)
    per_call = allreduce_time_s(2048 * nano9.hidden * 2.0, 2.0, fabric.link(False)) + \
        collective_latency_s(2.0, COLLECTIVE_BASE_S, COLLECTIVE_HOP_S)
    assert tp_comm_s(nano9, lay, 2.0, fabric) == pytest.approx(4 * 28.0 * 2 * per_call)
