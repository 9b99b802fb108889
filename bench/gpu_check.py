"""One prepared GPU session (NVIDIA, torch + transformers + nvidia-ml-py required).

Part A (issue #3): the Meter against direct NVML counter reads on the same windows.
Part B (issue #2): end-to-end energy of Llama-3-8B-shaped (random weights, bf16) prefill and
generate and a Llama-3.2-3B-shaped training step, measured with the Meter, to compare with
``wattprint estimate`` (see bench/compare_gpu_check.py). Writes JSON to $OUT (or ./out).

Run on the device: PYTHONPATH=src python3 bench/gpu_check.py
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

OUT = Path(os.environ.get("OUT", "out"))
OUT.mkdir(parents=True, exist_ok=True)
RESULTS: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def save() -> None:
    (OUT / "gpu_check.json").write_text(json.dumps(RESULTS, indent=2, default=str))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Session:
    """The GPU, its NVML handle and the Meter, with one measured-window helper."""

    def __init__(self) -> None:
        import pynvml
        import torch

        from wattprint.meter import Meter

        pynvml.nvmlInit()
        self.pynvml, self.torch = pynvml, torch
        self.handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        RESULTS["gpu"] = pynvml.nvmlDeviceGetName(self.handle)
        RESULTS["driver"] = pynvml.nvmlSystemGetDriverVersion()
        RESULTS["torch"] = torch.__version__
        self.dev = torch.device("cuda")
        # the sampler reads the energy counter every 0.2 s (never at the window boundaries); a
        # measurement read after the next counter read has the counter apportioned at both ends
        self.meter = Meter(interval_s=0.2, counter_interval_s=0.2)
        self.meter.start()

    def counter_j(self) -> float:
        """NVML's total-energy counter [J], read directly."""
        return self.pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1000.0

    def measured(self, name: str, fn: Any) -> dict[str, Any]:
        """Run ``fn`` in a meter window and between two direct counter reads."""
        self.torch.cuda.synchronize()
        e0 = self.counter_j()
        t0 = time.perf_counter()
        self.meter.begin_window(name)
        extra = fn()
        m = self.meter.end_window(name)
        t1 = time.perf_counter()
        e1 = self.counter_j()
        time.sleep(0.3)  # let the sampler's next counter read close the segment
        rec = window_record(name, m, e1 - e0, t1 - t0)
        if isinstance(extra, dict):
            rec.update(extra)
        log(f"{name}: meter {rec['meter_gpu_energy_j']:.1f} J ({rec['meter_method']}), "
            f"direct {rec['direct_counter_energy_j']:.1f} J, "
            f"diff {100 * (rec['meter_vs_direct'] or 0):+.2f} %, {rec['meter_time_s']:.3f} s")
        return rec

    def record(self, into: list[dict[str, Any]], name: str, make: Any,
               extra: dict[str, Any] | None = None) -> None:
        """Measure ``make()``'s workload into ``into``; a failure is recorded, not raised."""
        try:
            rec = self.measured(name, make())
            rec.update(extra or {})
            into.append(rec)
        except Exception:  # noqa: BLE001 - keep going, record the failure
            into.append({"name": name, "error": traceback.format_exc()})
        save()


def window_record(name: str, m: Any, direct_j: float, direct_s: float) -> dict[str, Any]:
    """One window: the Meter's GPU energy [J] and time [s] against the direct counter's."""
    gpu = m.gpus[0] if m.gpus else None
    return {
        "name": name,
        "meter_time_s": m.time.value,
        "meter_gpu_energy_j": m.accelerator_energy.value,
        "meter_method": gpu.method if gpu else None,
        "meter_reason": gpu.reason if gpu else None,
        "direct_counter_energy_j": direct_j,
        "direct_time_s": direct_s,
        "meter_vs_direct": (m.accelerator_energy.value / direct_j - 1.0) if direct_j > 0
        else None,
    }


def timed_loop(torch: Any, seconds: float, body: Any) -> Any:
    """A workload: ``body()`` repeated for ``seconds``, synchronising every 8 calls."""
    def run() -> dict[str, Any]:
        n = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            body()
            n += 1
            if n % 8 == 0:
                torch.cuda.synchronize()
        torch.cuda.synchronize()
        return {"iterations": n}
    return run


def part_a(s: Session) -> None:
    """Part A: the Meter against direct NVML counter reads on the same windows."""
    torch, dev = s.torch, s.dev
    out: list[dict[str, Any]] = []
    RESULTS["meter_vs_nvml"] = out
    a = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    src = torch.empty(2 * 1024**3, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(src)
    sa = torch.randn(256, 256, device=dev, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()

    def bursty() -> dict[str, Any]:
        end = time.perf_counter() + 3.0
        while time.perf_counter() < end:
            t = time.perf_counter() + 0.05
            while time.perf_counter() < t:
                a @ b
            torch.cuda.synchronize()
            time.sleep(0.05)
        return {}

    for name, fn in (
        ("idle_context_3s", lambda: time.sleep(3.0)),
        ("matmul_bf16_5s", timed_loop(torch, 5.0, lambda: a @ b)),
        ("hbm_copy_4s", timed_loop(torch, 4.0, lambda: dst.copy_(src))),
        ("small_matmul_launch_bound_3s", timed_loop(torch, 3.0, lambda: sa @ sa)),
        ("bursty_50ms_on_off_3s", bursty),
        ("short_window_50ms", timed_loop(torch, 0.05, lambda: a @ b)),
        ("short_window_200ms", timed_loop(torch, 0.2, lambda: a @ b)),
    ):
        s.record(out, name, lambda fn=fn: fn)
    a = b = src = dst = sa = None  # free the GPU memory  # noqa: F841
    torch.cuda.empty_cache()


CFG_8B: dict[str, Any] = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
              num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
              max_position_embeddings=8192, rope_theta=500000.0, tie_word_embeddings=False)
CFG_3B: dict[str, Any] = dict(hidden_size=3072, intermediate_size=8192, num_hidden_layers=28,
              num_attention_heads=24, num_key_value_heads=8, vocab_size=128256,
              max_position_embeddings=8192, rope_theta=500000.0, tie_word_embeddings=True)


def prefill(s: Session, model: Any, seq: int, seconds: float) -> Any:
    """A warmed-up workload: batch-1 forward passes of ``seq`` tokens for ``seconds``."""
    torch = s.torch
    ids = torch.randint(0, 128000, (1, seq), device=s.dev)

    def run() -> dict[str, Any]:
        n = 0
        end = time.perf_counter() + seconds
        with torch.no_grad():
            while time.perf_counter() < end:
                model(ids, use_cache=False, logits_to_keep=1)
                n += 1
        torch.cuda.synchronize()
        return {"kind": "prefill", "batch": 1, "prompt_tokens": seq, "repeats": n}
    with torch.no_grad():
        for _ in range(3):
            model(ids, use_cache=False, logits_to_keep=1)
    return run


def generate(s: Session, model: Any, batch: int, prompt: int, new: int) -> Any:
    """A warmed-up workload: greedy generation of ``new`` tokens after ``prompt``."""
    torch = s.torch
    ids = torch.randint(0, 128000, (batch, prompt), device=s.dev)
    kw = dict(do_sample=False, pad_token_id=0)

    def run() -> dict[str, Any]:
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=new, min_new_tokens=new, **kw)
        torch.cuda.synchronize()
        return {"kind": "generate", "batch": batch, "prompt_tokens": prompt,
                "output_tokens": int(out.shape[1] - prompt)}
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, min_new_tokens=4, **kw)
    return run


def part_b_inference(s: Session, out: list[dict[str, Any]]) -> None:
    """Part B: Llama-3-8B-shaped (random weights, bf16) prefill and generate."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch = s.torch
    RESULTS["model_config_8b"] = CFG_8B
    torch.set_default_dtype(torch.bfloat16)
    t0 = time.perf_counter()
    with torch.device(s.dev):
        model = LlamaForCausalLM(LlamaConfig(**CFG_8B, attn_implementation="sdpa"))
    model.eval()
    log(f"8B model built in {time.perf_counter() - t0:.1f} s")
    shape = {"model": "llama-3-8b-shape"}
    for name, mk in (
        ("llama3-8b_prefill_b1_s2048", lambda: prefill(s, model, 2048, 4.0)),
        ("llama3-8b_prefill_b1_s256", lambda: prefill(s, model, 256, 3.0)),
        ("llama3-8b_generate_b1_p128_n128", lambda: generate(s, model, 1, 128, 128)),
        ("llama3-8b_generate_b64_p128_n128", lambda: generate(s, model, 64, 128, 128)),
        ("llama3-8b_generate_b16_p2048_n128", lambda: generate(s, model, 16, 2048, 128)),
    ):
        s.record(out, name, mk, shape)
    model = None  # free the GPU memory before the training part
    torch.cuda.empty_cache()


def train_step(s: Session) -> Any:
    """Llama-3.2-3B shape: eager, fp32 master weights, autocast bf16, fused AdamW; 6 steps
    after 2 warm-up steps."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch = s.torch
    torch.set_default_dtype(torch.float32)
    with torch.device(s.dev):
        tm = LlamaForCausalLM(LlamaConfig(**CFG_3B, attn_implementation="sdpa"))
    opt = torch.optim.AdamW(tm.parameters(), lr=1e-4, fused=True)
    batch, seq = 4, 2048
    ids = torch.randint(0, 128000, (batch, seq), device=s.dev)

    def step() -> None:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = tm(ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(2):
        step()
    torch.cuda.synchronize()

    def train() -> dict[str, Any]:
        for _ in range(6):
            step()
        torch.cuda.synchronize()
        return {"kind": "train", "batch": batch, "seq_len": seq, "steps": 6,
                "tokens": 6 * batch * seq}
    return train


def main() -> None:
    s = Session()
    part_a(s)
    out: list[dict[str, Any]] = []
    RESULTS["workloads"] = out
    part_b_inference(s, out)
    RESULTS["model_config_3b"] = CFG_3B
    s.record(out, "llama3.2-3b_train_b4_s2048", lambda: train_step(s),
             {"model": "llama-3.2-3b-shape"})
    s.meter.stop()
    RESULTS["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    save()
    log("done")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        RESULTS["fatal"] = traceback.format_exc()
        save()
        traceback.print_exc()
        sys.exit(1)
