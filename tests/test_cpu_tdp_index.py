"""The meter's generated CPU TDP index stays equal to the hardware catalog."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from wattprint.catalog import get_hardware, hardware_catalog
from wattprint.meter.backends import cpu_estimate
from wattprint.meter.backends.cpu_estimate import catalog_cpu, cpu_tdp_w

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "gen_cpu_tdp_index.py"


def test_index_file_is_what_the_generator_writes_from_the_catalog() -> None:
    render = runpy.run_path(str(TOOL))["render"]
    index = ROOT / "src/wattprint/meter/backends/cpu_tdp_index.py"
    assert index.read_text(encoding="utf-8") == render(), (
        "cpu_tdp_index.py is stale: run `PYTHONPATH=src python tools/gen_cpu_tdp_index.py`")


def test_every_catalogued_cpu_name_resolves_like_the_catalog() -> None:
    cpus = [hw for hw in hardware_catalog().values() if hw.kind == "cpu"]
    assert cpus
    for hw in cpus:
        for name in (hw.id, hw.name, *hw.aliases, hw.name.upper(),
                     hw.name.replace("Intel ", "Intel(R) ").replace("Xeon ", "Xeon(R) ")):
            hit = catalog_cpu(name)
            assert hit is not None, name
            assert hit[0] == get_hardware(name).id == hw.id
            assert hit[1] == hw.tdp_w.value and hit[2] == hw.tdp_w.source


def test_unknown_cpu_gets_the_labelled_per_core_default() -> None:
    assert catalog_cpu("Imaginary CPU 9000") is None
    w, source = cpu_tdp_w("Imaginary CPU 9000", cores=6)
    assert w == pytest.approx(6 * cpu_estimate.DEFAULT_W_PER_CORE)
    assert "assumed" in source and "not in the catalog" in source
    w, source = cpu_tdp_w("Intel(R) Xeon(R) Platinum 8480+")
    assert w == 350.0 and "intel-xeon-8480plus" in source and "2023" in source


@pytest.mark.slow
def test_meter_start_loads_neither_the_catalog_nor_pydantic_nor_psutil() -> None:
    code = ("import sys, wattprint.meter as wm; from wattprint.meter.backends.cpu_estimate "
            "import CpuEstimateBackend; m = wm.Meter(backends=[CpuEstimateBackend('test')]); "
            "m.start(); m.begin_window('w'); m.end_window('w').total_energy; m.stop(); "
            "bad = [n for n in ('pydantic', 'wattprint.catalog', 'psutil', 'logging') "
            "if n in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    want = "['psutil']" if not sys.platform.startswith("linux") else "[]"
    assert out.stdout.strip() == want
