"""The default site of a measured run: a local machine has no data-centre overhead.

A run measured on a laptop or workstation gets PUE 1.0 and on-site WUE 0 (no facility, no
cooling tower), said in the provenance; a run in a data centre (a batch scheduler,
Kubernetes, a cloud VM, or ``WATTPRINT_DATA_CENTRE=1``, see
:func:`wattprint.meter.launcher.detect_job`) keeps the site's PUE. ``--site``/``site=``
always wins.
"""

from __future__ import annotations

from wattprint.meter.launcher import JobContext, detect_job
from wattprint.quantity import Quantity
from wattprint.site.chain import SiteFactors, resolve_site

LOCAL_NOTE = ("measured on a local machine, not in a data centre: PUE 1.0 and no on-site "
              "water (pass --site, or set WATTPRINT_DATA_CENTRE=1, for a data centre's "
              "overheads)")


def measured_site(site: str | None, job: JobContext | None = None
                  ) -> tuple[SiteFactors, list[str]]:
    """Site factors for a measured run, and notes.

    Args:
        site: the site the user named (used as is), or ``None``.
        job: where the run happens (default: :func:`detect_job`).

    Returns:
        (factors, notes): with ``site=None`` outside a data centre, the default site's grid
        and price with PUE 1.0 and on-site WUE 0 L/kWh (basis ``default``), and a note.
    """
    factors = resolve_site(site)
    if site is not None:
        return factors, []
    where = job if job is not None else detect_job()
    if where.data_centre:
        return factors, []
    pue = Quantity(1.0, "", f"PUE 1.0: {LOCAL_NOTE}", "default")
    wue = Quantity(0.0, "L/kWh", "on-site WUE 0: local machine, no data-centre cooling",
                   "default")
    return factors.replace(pue=pue, wue_l_per_kwh=wue), [LOCAL_NOTE]
