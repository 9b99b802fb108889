"""Validation: predictions against published and measured figures."""
