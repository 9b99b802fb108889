"""Framework integrations: training callbacks (import the one you need)."""
