"""Serve the dashboard: stdlib ``wsgiref`` with one thread per request.

Why the standard library: the dashboard is a read-only local view for one person; a WSGI
app on ``wsgiref`` needs no dependency and no service, and the same app runs unchanged under
any production WSGI server (waitress, gunicorn) if a team wants to host it. It binds
127.0.0.1 on a free port by default; another address needs ``allow_remote`` and a token.
"""

from __future__ import annotations

import ipaddress
import socketserver
import sys
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from wattprint.errors import InputError

MIN_TOKEN = 16


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, allow_remote: bool, token: str | None) -> None:
    """Refuse a non-loopback bind without ``allow_remote`` and a token of ≥ 16 characters.

    Raises:
        InputError: the bind is not allowed.
    """
    if token is not None and len(token) < MIN_TOKEN:
        raise InputError(f"--token must have at least {MIN_TOKEN} characters")
    if is_loopback(host):
        return
    if not allow_remote:
        raise InputError(f"refusing to serve the ledger on {host}: a non-loopback address "
                         "needs --allow-remote and --token")
    if token is None:
        raise InputError(f"refusing to serve the ledger on {host} without --token")


def make_dashboard_server(db: str | Path | None, *, host: str = "127.0.0.1", port: int = 0,
                          allow_remote: bool = False, token: str | None = None
                          ) -> tuple[Any, str]:
    """A ready server (not yet serving) and its URL (with the token when one is set)."""
    from wattprint.ledger.readonly import ReadOnlyLedger
    from wattprint.ui.app import Dashboard

    check_bind(host, allow_remote=allow_remote, token=token)
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be 0-65535, got {port}")
    app = Dashboard(ReadOnlyLedger(db), token=token, loopback=is_loopback(host))
    try:
        server = make_server(host, port, app, server_class=_ThreadingServer,
                             handler_class=_QuietHandler)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    name = "127.0.0.1" if host == "localhost" else host
    url = f"http://{name if ':' not in name else f'[{name}]'}:{server.server_port}/"
    return server, url + (f"?token={token}" if token else "")


def serve(db: str | Path | None, *, host: str = "127.0.0.1", port: int = 0,
          allow_remote: bool = False, token: str | None = None) -> None:
    """Serve until Ctrl-C; prints the URL first (one line on stdout)."""
    server, url = make_dashboard_server(db, host=host, port=port, allow_remote=allow_remote,
                                        token=token)
    sys.stdout.write(f"wattprint dashboard (read only) on {url}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
