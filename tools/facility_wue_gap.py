"""Where the facility model's missing water goes: a what-if per outside-air WUE row.

For every ``evaporative`` row of ``data/validation/facility_pue.csv`` that publishes WUE, print
the published value, the model, the model with the 2008/2011 ASHRAE humidity floor (5.5 C dew
point instead of -9 C), the same climate with a chiller + cooling tower plant, and the share of
tower-cooled load that would close the gap, ``(published - model) / (tower - model)``. Then the
per-site WUE median |error| and bias over all WUE rows, with Microsoft's rows on the 2011 floor
and without the Microsoft and Tokyo rows. Nothing here changes the model (no Microsoft humidity
set point or tower share is published); it locates the bias. Usage::

    PYTHONPATH=src python tools/facility_wue_gap.py
"""

from __future__ import annotations

from statistics import median


def _wue(row: dict[str, str], **change: str) -> float:
    from wattprint.validation.facility import row_facility_year

    return row_facility_year({**row, **change}).wue_l_per_kwh


def _summary(label: str, errors: list[float]) -> None:
    print(f"{label}: n {len(errors)}, median |error| {median(abs(e) for e in errors):.1%}, "
          f"bias {median(errors):+.1%}, within 25 % {sum(abs(e) < 0.25 for e in errors)}")


def main() -> None:
    from wattprint.validation.facility import load_pue_rows

    rows = [r for r in load_pue_rows() if (r.get("wue_l_per_kwh") or "").strip()]
    print(f"{'row':24s} {'published':>9s} {'model':>14s} {'2011 floor':>15s} {'tower':>6s} "
          f"{'tower share':>11s}")
    base, floor_ms, rest = [], [], []
    for r in rows:
        pub = float(r["wue_l_per_kwh"])
        model = _wue(r)
        base.append(model / pub - 1.0)
        microsoft = r["id"].startswith("microsoft-")
        floor_ms.append((_wue(r, humidity_envelope="ashrae-2011") if microsoft else model) / pub
                        - 1.0)
        if not microsoft and r["id"] != "aws-ap-northeast-1":
            rest.append(model / pub - 1.0)
        if r["cooling"] != "evaporative":
            continue
        floor = _wue(r, humidity_envelope="ashrae-2011")
        tower = _wue(r, cooling="chiller-tower")
        share = (pub - model) / (tower - model)
        print(f"{r['id']:24s} {pub:9.2f} {model:6.3f} ({model / pub - 1:+5.0%}) "
              f"{floor:6.3f} ({floor / pub - 1:+6.0%}) {tower:6.2f} {share:11.0%}")
    _summary("all WUE rows", base)
    _summary("Microsoft rows on the 2011 humidity floor", floor_ms)
    _summary("without the Microsoft and AWS Tokyo rows", rest)


if __name__ == "__main__":
    main()
