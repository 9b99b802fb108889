"""``wattprint exporter``: Prometheus metrics of this node's devices (see :mod:`.metrics`)."""

from __future__ import annotations

from typing import Any

from wattprint.exporter.metrics import FleetCollector

__all__ = ["FleetCollector", "serve", "push"]


def serve(collector: FleetCollector, port: int, addr: str = "127.0.0.1") -> Any:
    """Serve ``/metrics`` on ``addr:port`` in a background thread; returns the server (call
    ``shutdown()`` on it to stop). Needs ``prometheus-client``."""
    from prometheus_client import CollectorRegistry, start_http_server

    reg = CollectorRegistry()
    reg.register(collector)
    out = start_http_server(port, addr=addr, registry=reg)
    return out[0] if isinstance(out, tuple) else out


def push(collector: FleetCollector, gateway: str, job: str = "wattprint") -> None:
    """Push the current metrics to a Prometheus Pushgateway (batch jobs), grouped by node."""
    from prometheus_client import CollectorRegistry, push_to_gateway

    reg = CollectorRegistry()
    reg.register(collector)
    push_to_gateway(gateway, job=job, registry=reg, grouping_key={"node": collector.node})
