"""Edge vs cloud: the same request on a phone/laptop (NPU or GPU) or in a data centre.

Edge: the engine's estimate at batch 1 on the device; energy at the wall = (accelerator +
rest of the device) / charging efficiency (battery devices); CO2e, water and cost through
the site chain at the home site (residential: PUE 1, WUE 0, household grid and price); the
device's embodied carbon amortised over its active use:
``E_emb · t / (lifetime · active_hours_per_day / 24)``.
Cloud: the engine's estimate at a serving batch in a data centre (PUE, WUE, grid, embodied)
divided per request, plus network transfer ``bytes × J/byte`` (defaults.toml [network]) and a
round trip for latency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.planning import planning_value
from wattprint.catalog.schema import Hardware
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.edge_results import CloudSide, EdgeMisfit, EdgeSide, EdgeVsCloud
from wattprint.quantity import J_PER_KWH, Quantity
from wattprint.workload.model_spec import ModelSpec

__all__ = ["CloudSide", "EdgeMisfit", "EdgeSide", "EdgeVsCloud", "cloud_request",
           "edge_request", "edge_vs_cloud", "home_chain", "network_bytes"]


def _device_class(hw: Hardware) -> str:
    return "phone" if hw.segment == "edge" and hw.charging_efficiency is not None else "laptop"


def edge_request(spec: ModelSpec, hw: Hardware, prompt_tokens: int, output_tokens: int, *,
                 precision: str | None = None, home: str = "residential-world",
                 stack: str | None = None) -> EdgeSide | EdgeMisfit:
    """One request on a personal device, or why it does not fit."""
    from wattprint.engine import compute_rate, estimate_inference, inference_memory_bytes
    from wattprint.workload.precision import precision_plan

    cls = _device_class(hw)
    usable = planning_value("edge", f"{cls}_usable_memory")
    have = hw.memory_bytes.value * usable.value
    tried = []
    chosen = None
    for name in ([precision] if precision else planning_value_raw("edge", "precisions")):
        plan = precision_plan(name)
        try:
            compute_rate(hw, plan)  # the one rule: a precision the chip lacks is refused
        except UnsupportedError:
            tried.append(f"{name}: not supported")
            continue
        need = inference_memory_bytes(spec, plan, 1, prompt_tokens + output_tokens)
        tried.append(f"{name}: needs {need / 1e9:.1f} GB")
        if need <= have:
            chosen = plan
            break
    if chosen is None:
        return EdgeMisfit(hw.id, cls, have / 1e9,
                          f"{spec.name} does not fit on {hw.id}: an app can use about "
                          f"{have / 1e9:.1f} GB of its {hw.memory_bytes.value / 1e9:.0f} GB "
                          f"({usable.value:.0%}, {usable.cite()}); tried {'; '.join(tried)}")
    st = stack or default_stack("edge")
    fp = estimate_inference(spec, hw, batch=1, prompt_tokens=prompt_tokens,
                            output_tokens=output_tokens, precision=chosen.name, stack=st,
                            site=home)
    it = fp["it_energy"].value
    ce = hw.charging_efficiency.value if hw.charging_efficiency is not None else 1.0
    wall = it / ce
    site = fp.details["site"]
    t = fp["time"].value
    life = planning_value("edge", f"{cls}_lifetime_s")
    active = planning_value("edge", f"{cls}_active_h_per_day")
    from wattprint.site.embodied import embodied_per_chip

    emb_dev = embodied_per_chip(hw).value
    emb = emb_dev * t / (life.value * active.value / 24.0)
    chain = home_chain(wall, emb, home)
    co2, water = chain["co2e_g"], chain["water_l"]
    latency = fp["time_to_first_token"].value + (output_tokens - 1) * \
        fp["time_per_output_token"].value
    energy_prov = (f"estimate_inference on {hw.id} at batch 1 ({chosen.name}, {st}): "
                   f"{fp['it_energy'].provenance}; wall = IT / charging efficiency ("
                   + (hw.charging_efficiency.cite() if hw.charging_efficiency else
                      "mains powered: 1") + ")")
    return EdgeSide(
        device=hw.id, device_class=cls, precision=chosen.name, stack=st,
        home_site=site["site"], time_s=t, latency_s=latency,
        ttft_s=fp["time_to_first_token"].value, it_energy_j=it, charging_efficiency=ce,
        energy=Quantity(wall, "J", energy_prov), co2e_g=co2,
        embodied=Quantity(emb, "gCO2e",
                          f"E_emb {emb_dev:g} g ({hw.embodied_co2e_g.cite()}) × t / "
                          f"(lifetime × active share): {life.cite()}; {active.cite()}"),
        total_co2e_g=chain["total_co2e_g"], water_l=water, cost_usd=chain["cost_usd"],
        provenance={"grid": site["grid_gco2e_per_kwh"]["provenance"],
                    "memory": f"usable share {usable.cite()}"})


def home_chain(wall_j: float, embodied_g: float, home: str) -> dict[str, float]:
    """CO2e [g], water [L] and cost [USD] of ``wall_j`` J drawn at home, through the one site
    chain (:func:`wattprint.engine.site_chain`): the device's wall energy is its IT energy
    (the home site's PUE, 1 by definition, and WUE, 0, apply as for any site)."""
    from wattprint.catalog import get_site
    from wattprint.engine import SiteArrays, site_chain

    out = site_chain(wall_j, 0.0, embodied_g, SiteArrays.build([get_site(home)]))
    return {k: float(out[k][0]) for k in ("co2e_g", "total_co2e_g", "water_l", "cost_usd")}


def planning_value_raw(section: str, name: str) -> Any:
    """A raw (unsourced) value of planning.toml."""
    from wattprint.catalog.planning import planning_data

    return planning_data()[section][name]


def network_bytes(prompt_tokens: int, output_tokens: int) -> tuple[float, str]:
    """Bytes on the wire per request and the provenance."""
    bp = planning_value("network", "bytes_per_prompt_token")
    bo = planning_value("network", "bytes_per_output_token")
    ov = planning_value("network", "request_overhead_bytes")
    n = ov.value + prompt_tokens * bp.value + output_tokens * bo.value
    return n, (f"bytes = overhead {ov.value:g} ({ov.cite()}) + prompt × {bp.value:g} "
               f"({bp.cite()}) + output × {bo.value:g} ({bo.cite()})")


def cloud_request(spec: ModelSpec, hardware: str, prompt_tokens: int, output_tokens: int, *,
                  batch: int = 32, chips: int | None = None, precision: str = "bf16",
                  region: str | None = None, stack: str | None = None,
                  home: str = "residential-world") -> CloudSide:
    """One request served in a data centre at ``batch``, plus the network to the user."""
    from wattprint.catalog import get_site
    from wattprint.engine import (
        USABLE_MEMORY,
        estimate_inference,
        inference_memory_bytes,
        resolve_hardware,
    )
    from wattprint.workload.precision import precision_plan
    from wattprint.workload.tensor_parallel import tensor_parallel_problem

    hw = resolve_hardware(hardware)
    stack = stack or default_stack("serve")
    if chips is None:
        need = inference_memory_bytes(spec, precision_plan(precision), batch,
                                      prompt_tokens + output_tokens)
        chips = max(1, -(-int(need) // int(hw.memory_bytes.value * USABLE_MEMORY)))
        # the fewest chips that hold it AND that it can be split over (64 heads: 3 -> 4)
        while tensor_parallel_problem(spec, chips) is not None and chips < max(spec.heads, 1):
            chips += 1
    fp = estimate_inference(spec, hw, batch=batch, prompt_tokens=prompt_tokens,
                            output_tokens=output_tokens, precision=precision, chips=chips,
                            stack=stack, site=region)
    per = 1.0 / batch
    nbytes, nprov = network_bytes(prompt_tokens, output_tokens)
    jpb = default_value("network", "j_per_byte")
    net_j = nbytes * jpb.value
    home_site = get_site(home)
    net_co2 = net_j / J_PER_KWH * home_site.grid_gco2e_per_kwh.value
    rtt = planning_value("network", "round_trip_s")
    dc_energy = fp["facility_energy"].value * per
    latency = fp["time_to_first_token"].value + (output_tokens - 1) * \
        fp["time_per_output_token"].value + rtt.value
    return CloudSide(
        hardware=hw.id, chips=chips, batch=batch, precision=precision, stack=stack,
        region=fp.inputs["site"], latency_s=latency,
        ttft_s=fp["time_to_first_token"].value + rtt.value,
        datacenter=Quantity(dc_energy, "J", fp["facility_energy"].provenance),
        network_bytes=nbytes,
        network=Quantity(net_j, "J", f"{nprov}; × {jpb.value:g} J/B ({jpb.cite()}); CO2e at "
                                     f"the user's grid ({home_site.id})"),
        co2e_g=fp["co2e"].value * per + net_co2,
        embodied_co2e_g=fp["embodied_co2e"].value * per,
        total_co2e_g=fp["total_co2e"].value * per + net_co2,
        water_l=fp["water"].value * per, cost_usd=fp["cost"].value * per,
        round_trip=rtt.cite())


def edge_vs_cloud(model: str | ModelSpec | Path, device: str, *, prompt_tokens: int = 500,
                  output_tokens: int = 200, precision: str | None = None,
                  home: str = "residential-world", cloud_hardware: str = "h100",
                  cloud_region: str | None = None, cloud_batch: int = 32,
                  cloud_chips: int | None = None, cloud_precision: str = "bf16",
                  cloud_stack: str | None = None) -> EdgeVsCloud:
    """Energy, CO2e and latency per request on ``device`` vs in the cloud, and break-evens."""
    from wattprint.engine import resolve_hardware, resolve_model

    for v, what in ((prompt_tokens, "prompt tokens"), (output_tokens, "output tokens"),
                    (cloud_batch, "cloud batch")):
        if int(v) != v or v < 1:
            raise InputError(f"{what} must be a whole number ≥ 1, got {v}")
    spec = resolve_model(model)
    hw = resolve_hardware(device)
    notes = []
    if hw.segment == "datacenter":
        notes.append(f"{hw.id} is a data-centre part; the edge side treats it as a personal "
                     "device")
    edge = edge_request(spec, hw, prompt_tokens, output_tokens, precision=precision, home=home)
    cloud = cloud_request(spec, cloud_hardware, prompt_tokens, output_tokens,
                          batch=cloud_batch, chips=cloud_chips, precision=cloud_precision,
                          region=cloud_region, stack=cloud_stack, home=home)
    if isinstance(edge, EdgeMisfit):
        return EdgeVsCloud(spec.name, prompt_tokens, output_tokens, edge, cloud,
                           edge.message + "; only the cloud can serve it", notes)
    cmp = {}
    for k in ("energy_j", "total_co2e_g", "latency_s", "water_l", "cost_usd"):
        e, c = getattr(edge, k), getattr(cloud, k)
        cmp[k] = {"edge": e, "cloud": c, "winner": "edge" if e < c else "cloud",
                  "ratio_edge_over_cloud": e / c if c else None}
    be = _break_even(spec, edge, cloud, cloud_hardware, prompt_tokens, output_tokens,
                     cloud_chips=cloud_chips, cloud_precision=cloud_precision,
                     cloud_region=cloud_region, cloud_stack=cloud_stack, home=home)
    w = cmp["energy_j"]["winner"]
    ratio = cmp["energy_j"]["ratio_edge_over_cloud"]
    verdict = (f"{w} uses less energy per request ({edge.energy_j:.3g} J on "
               f"{hw.id} vs {cloud.energy_j:.3g} J in the cloud, ×{ratio:.2g}); "
               f"{cmp['total_co2e_g']['winner']} emits less CO2e; "
               f"{cmp['latency_s']['winner']} answers faster")
    return EdgeVsCloud(spec.name, prompt_tokens, output_tokens, edge, cloud, verdict, notes,
                       cmp, be)


def _break_even(spec: ModelSpec, edge: EdgeSide, cloud: CloudSide, cloud_hardware: str,
                prompt_tokens: int, output_tokens: int, *, cloud_chips: int | None,
                cloud_precision: str, cloud_region: str | None, cloud_stack: str | None,
                home: str) -> dict[str, Any]:
    """Where the answer flips: the network J/byte, the home grid intensity and the cloud
    batch at which the cloud would match the edge."""
    from wattprint.catalog import get_site

    be: dict[str, Any] = {}
    jpb = default_value("network", "j_per_byte").value
    dc_only = cloud.datacenter_energy_j
    if edge.energy_j > dc_only:
        be["network_j_per_byte"] = (edge.energy_j - dc_only) / cloud.network_bytes
        be["network_text"] = (f"the cloud uses less energy while the network costs less than "
                              f"{be['network_j_per_byte']:.3g} J/byte (now {jpb:.3g})")
    else:
        be["network_j_per_byte"] = None
        be["network_text"] = "the edge uses less energy even with a free network"
    e_kwh = edge.energy_j / J_PER_KWH
    if e_kwh > 0:
        g_star = (cloud.total_co2e_g - edge.embodied_co2e_g) / e_kwh
        be["home_grid_gco2e_per_kwh"] = g_star if g_star > 0 else None
        be["grid_text"] = (f"on CO2e the edge wins while the home grid is below {g_star:.0f} "
                           f"gCO2e/kWh (now {get_site(home).grid_gco2e_per_kwh.value:g})"
                           if g_star > 0 else "the device's embodied carbon alone exceeds the "
                           "cloud's CO2e per request")
    batch_be = None
    for b in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        try:
            c = cloud_request(spec, cloud_hardware, prompt_tokens, output_tokens, batch=b,
                              chips=cloud_chips, precision=cloud_precision, region=cloud_region,
                              stack=cloud_stack, home=home)
        except UnsupportedError:
            break
        if c.energy_j <= edge.energy_j:
            batch_be = b
            break
    be["cloud_batch"] = batch_be
    be["batch_text"] = (f"the cloud uses less energy per request from batch {batch_be} "
                        "(requests sharing each pass)" if batch_be else
                        "the cloud does not beat the edge on energy at any batch up to 256")
    return be
