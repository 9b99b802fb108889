"""Record every README example's ``--json`` (and text) output, and diff two recordings.

A refactor must not change what a command answers (issue #8: "every command's ``--json`` for
the README examples is identical before and after, or differs only where a bug was fixed").
Record on main before the change, record again after, and diff::

    PYTHONPATH=src python tools/json_baseline.py record /tmp/before
    # ... change the code ...
    PYTHONPATH=src python tools/json_baseline.py record /tmp/after
    python tools/json_baseline.py diff /tmp/before /tmp/after

Commands run in one process through :func:`wattprint.testing.cli_call` (the same entry point
as the installed command), with an empty ledger in the output folder and 120 columns, so text
tables are comparable too. ``elapsed_s``/``configs_per_s`` (timings) are ignored by the diff.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

CONFIG = {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
          "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
          "max_position_embeddings": 8192}

#: name → arguments (without ``--json``). The README's Predict and Plan examples, a few more
#: plan paths (a model that does not fit on the device, a start hour against now, an energy
#: alone across regions, a CO2e budget), the catalog listings, the demo and the two V100 bf16
#: cases named in issue #8.
COMMANDS: dict[str, str] = {
    "est_train1": "estimate train --model llama-3.1-70b --tokens 15T --hardware h100 --chips 2048 "
                  "--site gcp-us-east4",
    "est_train2": "estimate train --model-config {config} --tokens 2e12 --hardware a100-80gb "
                  "--chips 512 --chip-hours 1.2M --pue 1.1",
    "est_infer1": "estimate infer --model llama-3.1-8b --hardware h100 --batch 32 "
                  "--prompt-tokens 1000 --output-tokens 300 --stack vllm --precision fp8 "
                  "--requests 1M",
    "est_infer_rate": "estimate infer --model llama-3.1-8b --hardware h100 --rate 50rps "
                      "--duration 1d",
    "est_infer_sdxl": "estimate infer --model sdxl --hardware h100 --steps 30 "
                      "--samples 1000",
    "est_infer_v100bf16": "estimate infer --model llama-3.1-8b --hardware v100 "
                          "--precision bf16",
    "est_train_v100bf16": "estimate train --model llama-3.1-8b --tokens 1T --hardware v100 "
                          "--precision bf16",
    "plan_infer": "plan infer --model llama-3.1-8b --demand 50rps --latency-slo "
                  "ttft=500ms,tpot=50ms --budget 500kWh/day --objective co2e",
    "plan_train": "plan train --model llama-3.1-8b --tokens 15T --deadline 30days",
    "plan_train_cost": "plan train --model llama-3.1-8b --tokens 1T --objective total-cost "
                       "--pricing owner",
    "plan_regions": "plan regions --model llama-3.1-8b --hardware h100 --demand 1M/day "
                    "--max-power 50MW --max-water-stress 3",
    "plan_regions_train": "plan regions --model llama-3.1-8b --hardware h100 --tokens 1T "
                          "--chips 256 --region us-az,us-va,irl "
                          "--objective water-scarcity",
    "plan_when": "plan when --region us-ca --duration 6h --energy 2MWh",
    "plan_edge": "plan edge --model llama-3.2-1b --device apple-a17-pro",
    "plan_budget": "plan budget --energy 500MWh --hardware h100 --demand 1M/day",
    "plan_facility": "plan facility --chips 10000 --hardware h100 --site us-az --max-power 50MW "
                     "--max-water-stress 3",
    "lifecycle": "lifecycle --model llama-3.1-8b --training-tokens 15T --demand 1M/day "
                 "--days 365",
    "plan_edge_misfit": "plan edge --model llama-3.1-70b --device apple-a17-pro",
    "plan_when_now": "plan when --region us-ca --duration 30h --energy 2MWh --now 18",
    "plan_regions_energy": "plan regions --energy 10MWh --region us-az,irl,deu "
                           "--objective water-stress",
    "plan_budget_co2e": "plan budget --co2e 100t",
    "demo": "demo",
    "hw_list": "hardware list",
    "models_list": "models list",
    "sites_list": "sites list",
    "stacks_list": "stacks list",
}

#: Keys whose values are timings, not results.
IGNORED = frozenset({"elapsed_s", "configs_per_s"})
#: The same timings in text output ("Swept 4,092 configurations in 0.06 s (69,151/s)").
TIMING = re.compile(r"in [0-9.]+ s \([0-9,]+/s\)")


def record(out: Path) -> None:
    """Run every command twice (``--json`` and text) and write ``NAME.json``/``NAME.txt``."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ["WATTPRINT_DB"] = str(out / "ledger.sqlite")
    os.environ["COLUMNS"] = "120"
    config = Path(tempfile.gettempdir()) / "wattprint-json-baseline" / "config.json"
    config.parent.mkdir(exist_ok=True)
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    from wattprint.testing import cli_call

    codes = {}
    for name, args in COMMANDS.items():
        argv = args.replace("{config}", str(config)).split()
        for suffix, extra in ((".json", ["--json"]), (".txt", [])):
            code, stdout, stderr = cli_call(*argv, *extra)
            (out / f"{name}{suffix}").write_text(stdout + ("\n# stderr\n" + stderr if stderr
                                                           else ""), encoding="utf-8")
            codes[name + suffix] = code
    (out / "codes.json").write_text(json.dumps(codes, indent=1), encoding="utf-8")


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8").split("\n# stderr\n")[0].strip()
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return text


def _text(path: Path) -> str:
    return TIMING.sub("in T s (R/s)", path.read_text(encoding="utf-8"))


def json_diffs(a: Any, b: Any, path: str = "") -> list[tuple[str, str, str]]:
    """(path, before, after) of every differing leaf; lists compared element by element."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) if k not in IGNORED
                for d in json_diffs(a.get(k, "<missing>"), b.get(k, "<missing>"),
                                    f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in json_diffs(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, str(a)[:150], str(b)[:150])]


def diff(before: Path, after: Path, shown: int = 8) -> int:
    """Print one line per recorded output (identical or its differences); count of changed."""
    changed = 0
    for name in COMMANDS:
        p, q = before / f"{name}.json", after / f"{name}.json"
        if not p.exists():
            print(p.name, "not recorded before (skipped)")
            continue
        ds = json_diffs(_load(p), _load(q)) if q.exists() else [("", "present", "missing")]
        changed += bool(ds)
        print(p.name, "identical" if not ds else f"{len(ds)} diffs")
        for d in ds[:shown]:
            print("   ", d)
    for name in COMMANDS:
        p, q = before / f"{name}.txt", after / f"{name}.txt"
        if not p.exists():
            continue
        same = q.exists() and _text(p) == _text(q)
        changed += not same
        print(p.name, "identical" if same else "text differs")
    a, b = _load(before / "codes.json"), _load(after / "codes.json")
    moved = {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)}
    if moved:
        changed += 1
        print("exit codes differ (before, after):", moved)
    return changed


def main(argv: list[str]) -> int:
    """``record OUT`` or ``diff BEFORE AFTER [N]``."""
    if len(argv) >= 2 and argv[0] == "record":
        record(Path(argv[1]))
        return 0
    if len(argv) >= 3 and argv[0] == "diff":
        return 1 if diff(Path(argv[1]), Path(argv[2]),
                         int(argv[3]) if len(argv) > 3 else 8) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
