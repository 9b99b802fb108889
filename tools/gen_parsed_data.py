"""Generate ``src/wattprint/data/parsed/<file>.json``: the parsed twins of the data files a
single estimate reads (see :mod:`wattprint.catalog.parsed`).

The TOML files stay the one source of truth and are still validated entry by entry; a twin
only replaces ``tomllib`` (slow, pure Python) by ``json`` (C) and is used only while the
length and CRC-32 of the TOML bytes match (``wattprint.catalog.parsed.toml_check``).
``tests/test_parsed_data.py`` fails when a twin is stale; regenerate with::

    PYTHONPATH=src python tools/gen_parsed_data.py
"""

from __future__ import annotations

import tomllib

from wattprint.catalog.loader import catalog_from_doc
from wattprint.catalog.parsed import (
    CATALOG_TABLES,
    TWINNED,
    packaged_data_dir,
    render_twin,
    twin_path,
)


def render(name: str) -> str:
    """The twin's text for packaged data file ``name``, from the TOML on disk. A catalog
    file's name index is built (and its ids and aliases checked) as the loader does."""
    raw = (packaged_data_dir() / name).read_bytes()
    doc = tomllib.loads(raw.decode("utf-8"))
    table = CATALOG_TABLES.get(name)
    index = None if table is None else catalog_from_doc(doc, name, table, "").index
    return render_twin(name, raw, doc, index)


def main() -> None:
    for name in TWINNED:
        target = twin_path(name)
        target.parent.mkdir(exist_ok=True)
        target.write_text(render(name), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
