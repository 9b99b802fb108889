"""``python -m wattprint`` runs the CLI."""

from wattprint.cli.main import run

run()
