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


def push(collector: FleetCollector, gateway: str, job: str | None = None) -> None:
    """Push the current metrics to a Prometheus Pushgateway (batch jobs), grouped by job
    (default: the collector's job, so the gateway keeps the ``job`` label as exported) and
    node. ``gateway``: ``host:port`` or an ``http://`` URL."""
    from prometheus_client import CollectorRegistry, push_to_gateway

    reg = CollectorRegistry()
    reg.register(collector)
    push_to_gateway(gateway, job=job or collector.job, registry=reg,
                    grouping_key={"node": collector.node})
