"""The dashboard as a WSGI application: whitelisted routes over a read-only ledger.

Security model (a local, read-only view):

* routes are an exact whitelist (:data:`ROUTES` plus ``/run/<id>`` and ``/api/runs/<id>`` where
  the id must match :data:`RUN_ID`); anything else is 404, so no request path ever reaches the
  filesystem (the one static file is Plotly's JS, read from the installed package);
* the ledger is opened read only and every query is fixed SQL with ``?`` parameters;
* only GET and HEAD; a loopback server also checks the ``Host`` header (DNS rebinding);
* with a token, every request must carry it (``?token=``, ``Authorization: Bearer`` or the
  cookie set on first use), compared in constant time.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from wattprint.errors import WattprintError

#: A run id (or unique prefix) as the dashboard accepts it.
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")

#: Hosts a loopback-bound dashboard answers to.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

Response = tuple[int, str, bytes]
StartResponse = Callable[..., Any]


class HttpError(Exception):
    """A response with an error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Dashboard:
    """The WSGI app. ``ledger`` is a :class:`~wattprint.ledger.readonly.ReadOnlyLedger`.

    Args:
        ledger: the read-only ledger.
        token: required access token, or None (loopback only).
        loopback: the server is bound to a loopback address (Host header checked).
    """

    def __init__(self, ledger: Any, *, token: str | None = None, loopback: bool = True) -> None:
        self.ledger = ledger
        self.token = token
        self.loopback = loopback

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        headers: list[tuple[str, str]] = []
        try:
            self._check(environ, headers)
            status, ctype, body = self.route(environ)
        except HttpError as exc:
            status, ctype, body = exc.status, "text/plain; charset=utf-8", \
                f"{exc.status} {exc}\n".encode()
        except WattprintError as exc:
            status, ctype, body = 400, "text/plain; charset=utf-8", f"400 {exc}\n".encode()
        headers += [("Content-Type", ctype), ("Content-Length", str(len(body))),
                    ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def _check(self, environ: dict[str, Any], headers: list[tuple[str, str]]) -> None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            raise HttpError(405, "read-only dashboard: GET only")
        if self.loopback and _host_name(str(environ.get("HTTP_HOST", ""))) not in LOOPBACK_NAMES:
            raise HttpError(403, "this dashboard answers to localhost only")
        if self.token is None:
            return
        given = _token_of(environ)
        if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise HttpError(401, "token required (?token=...)")
        headers.append(("Set-Cookie", f"wattprint_token={self.token}; HttpOnly; "
                        "SameSite=Strict; Path=/"))

    def route(self, environ: dict[str, Any]) -> Response:
        """Dispatch a request to its handler (exact whitelist)."""
        from wattprint.ui import pages

        path = str(environ.get("PATH_INFO") or "/")
        query = {k: v[-1] for k, v in parse_qs(str(environ.get("QUERY_STRING", "")),
                                               max_num_fields=40).items()}
        exact: dict[str, Callable[[Any, dict[str, str]], Response]] = {
            "/": pages.runs_page, "/api/runs": pages.runs_api, "/compare": pages.compare_page,
            "/api/compare": pages.compare_api, "/estimate": pages.estimate_page,
            "/api/estimate": pages.estimate_api, "/plan": pages.plan_page,
            "/api/plan": pages.plan_api, "/static/plotly.min.js": pages.plotly_static,
        }
        if path in exact:
            return exact[path](self.ledger, query)
        for prefix, handler in (("/run/", pages.run_page), ("/api/runs/", pages.run_api),
                                ("/report/", pages.run_report_page)):
            if path.startswith(prefix):
                rid = path[len(prefix):]
                if not RUN_ID.match(rid):
                    raise HttpError(404, "no such page")
                return handler(self.ledger, rid, query)
        raise HttpError(404, "no such page")


def _host_name(host: str) -> str:
    """The name part of a Host header (``[::1]:8000`` → ``[::1]``)."""
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0]


def _token_of(environ: dict[str, Any]) -> str | None:
    q = parse_qs(str(environ.get("QUERY_STRING", ""))).get("token")
    if q:
        return q[-1]
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    for part in str(environ.get("HTTP_COOKIE", "")).split(";"):
        name, _, value = part.strip().partition("=")
        if name == "wattprint_token":
            return value
    return None
