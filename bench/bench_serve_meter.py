"""``wattprint serve-meter`` cost per interval: parse a recorded vLLM /metrics page, and one
``ServeMeter.step`` (scrape over HTTP on 127.0.0.1 + meter window over 8 fake GPUs + sliding
window) without and with the prediction (``estimate_serving`` at the observed load).

    python bench/bench_serve_meter.py    # writes bench/results/serve_meter.json
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_serve_meter import FakeEngine  # noqa: E402
from wattprint.integrations.serve_meter import ServeMeter  # noqa: E402
from wattprint.integrations.serving_metrics import parse_counters  # noqa: E402
from wattprint.meter import Meter  # noqa: E402
from wattprint.meter.backends.nvidia import NvidiaBackend  # noqa: E402
from wattprint.testing import FakeGpu, FakeNvml  # noqa: E402


def _ms(fn: object, n: int) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - t) * 1e3)
    return statistics.median(out)


def main() -> None:
    text = (ROOT / "tests/data/serving/vllm.prom").read_text()
    res = {"parse_vllm_page_ms": _ms(lambda: parse_counters("vllm", text), 200)}
    eng = FakeEngine("vllm")
    k = [0]

    def served() -> None:
        k[0] += 1
        eng.set(512.0 * k[0], 256.0 * k[0], k[0])

    for label, kw in (("step_ms", {}), ("step_with_prediction_ms",
                                        {"model": "llama-3.1-8b", "hardware": "h100-sxm"})):
        gpus = FakeNvml([FakeGpu(uuid=f"GPU-{i}", step_mj=500.0, power_w=300.0)
                         for i in range(8)])
        sm = ServeMeter("vllm", eng.url, Meter(backends=[NvidiaBackend(nvml=gpus)]),
                        **kw).start()  # type: ignore[arg-type]

        def step(sm: ServeMeter = sm) -> None:
            served()
            sm.step()

        res[label] = _ms(step, 30)
        sm.finish()
    eng.close()
    out = ROOT / "bench/results/serve_meter.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
