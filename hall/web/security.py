"""The HTTP side of the hall's security, installed on the app in one call (see docs/security.md).

``install_http_security(app, config, origins)`` sets: the reverse proxy to believe (ProxyFix,
``[server] proxy_hops``), the host names the hall answers to (TRUSTED_HOSTS), the session cookie's flags
(Secure whenever the request came over HTTPS), the security headers, the throttle of logins and
check-ins, and the check of API requests against the OpenAPI document; ``socket_origins`` is the Origin
check of Socket.IO handshakes and of every write. Call it after ``socketio.init_app`` so that ProxyFix
wraps the Socket.IO middleware too.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Config
from .conformance import install_conformance
from .headers import add_security_headers
from .hosts import OriginCheck, allowed_hosts
from .throttle import install_throttle

logger = logging.getLogger(__name__)

EXTENSION = "onewindow.security"


class HallSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, marked Secure whenever this request came over HTTPS (via the proxy too)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class HallJSONProvider(DefaultJSONProvider):
    """JSON as Flask reads it, except that 3.0 is the whole number 3: JSON Schema (the API document) calls it
    an integer, so the views must too."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_float", _number)
        return super().loads(s, **kwargs)


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def socket_origins(config: Config) -> OriginCheck:
    """The Origin check for ``socketio.init_app(cors_allowed_origins=…)``: engine.io asks it at every
    handshake, so a page of another site cannot open the hall's sockets with the staff's cookie."""
    return OriginCheck(allowed_hosts(config), config.hall.public_url)


def install_http_security(app: Flask, config: Config, origins: OriginCheck) -> None:
    """Proxy, hosts, cookies and headers for *app*; *origins* (from socket_origins) also guards writes."""
    hosts = origins.trusted_hosts
    app.config.update(
        TRUSTED_HOSTS=hosts,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = HallSessionInterface()
    ensure_ascii = app.json.ensure_ascii  # type: ignore[attr-defined]
    app.json = HallJSONProvider(app)
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = origins
    if config.server.proxy_hops:
        hops = config.server.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,  # type: ignore[method-assign]
                                x_port=hops)
    app.after_request(add_security_headers)
    app.register_error_handler(SecurityError, _unknown_host)
    install_throttle(app, config)
    install_conformance(app)
    logger.info("answering for hosts %s; %d proxy hop(s) trusted", ", ".join(hosts), config.server.proxy_hops)


def origin_check(app: Flask) -> OriginCheck:
    """The hall's own origins, as installed by install_http_security."""
    return app.extensions[EXTENSION]


def _unknown_host(exc: SecurityError) -> Any:
    """A request for a host this hall does not answer to (no template: URLs cannot be built for it)."""
    response = jsonify(error="unknown_host",
                       message=_("This server does not answer for the host %(host)s.",
                                 host=request.headers.get("Host", "")[:100]))
    response.status_code = 400
    return response
