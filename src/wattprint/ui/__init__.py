"""``wattprint ui``: a local, read-only dashboard over the ledger (see :mod:`wattprint.ui.app`)."""
