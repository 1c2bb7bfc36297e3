"""Which names the hall answers to, which origins may open its sockets, and the absolute URLs it hands out.

The hall is reached three ways: by its public address (``[hall] public_url``, what printed QR codes and
phone links use), by the server's own LAN addresses and host name (counter PCs, lobby screens), and by
localhost. A request naming any other host is refused (Flask's ``TRUSTED_HOSTS``), so a forged ``Host``
header can neither reach the application nor end up in a URL. Behind a reverse proxy, ``[server] proxy_hops``
says how many proxies to believe for ``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port`` (werkzeug's
ProxyFix); with 0 (the default) those headers are ignored.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from ..config import Config

logger = logging.getLogger(__name__)

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def public_origin(public_url: str) -> tuple[str, str] | None:
    """(host, port) of ``[hall] public_url`` (port empty for the scheme's default), or None when unset."""
    if not public_url:
        return None
    parts = urlsplit(public_url)
    if not parts.hostname:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = "" if parts.port in (None, default) else str(parts.port)
    return parts.hostname.lower(), port


def machine_addresses() -> list[str]:
    """The IP addresses of this machine's network interfaces, and its host names."""
    import psutil

    found: list[str] = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                found.append(address.address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            found.append(name.lower())
    return found


def allowed_hosts(config: Config, *, interfaces: Iterable[str] | None = None) -> list[str]:
    """The host names and addresses this hall answers to (for TRUSTED_HOSTS and the Origin check)."""
    hosts: list[str] = []
    origin = public_origin(config.hall.public_url)
    if origin:
        hosts.append(origin[0])
    hosts.extend(h.lower() for h in config.server.trusted_hosts)
    hosts.extend(LOCAL_NAMES)
    hosts.extend(machine_addresses() if interfaces is None else interfaces)
    unique: list[str] = []
    for host in hosts:
        # werkzeug compares bracketed IPv6 literals as written in the Host header
        entry = f"[{host}]" if _is_ipv6(host) else host
        if entry not in unique:
            unique.append(entry)
    return unique


def _is_ipv6(host: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        return False


class OriginCheck:
    """The Socket.IO handshake's Origin test: the hall's own origins only (engine.io calls it per handshake).

    An origin is the hall's own when its host is one the hall answers to and its host:port is either the
    address this request reached (the page was served from here) or the public URL's, over http or https:
    a page served through the HTTPS proxy sends ``https://<public host>``.
    """

    def __init__(self, hosts: Iterable[str], public_url: str) -> None:
        #: As TRUSTED_HOSTS wants them (IPv6 in brackets).
        self.trusted_hosts = list(hosts)
        self.hosts = {h.strip("[]") for h in self.trusted_hosts}
        self.public = public_origin(public_url)

    def __call__(self, origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        if not origin:
            return True  # not a browser (scripts, devices): they authenticate with tokens
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.hostname.lower() not in self.hosts:
            return False
        default = {"http": 80, "https": 443}[parts.scheme]
        netloc = (parts.hostname.lower(), "" if port in (None, default) else str(port))
        if self.public and netloc == self.public:
            return True
        # ProxyFix sits outside the Socket.IO middleware, so HTTP_HOST is already the forwarded host.
        return _netloc((environ or {}).get("HTTP_HOST", ""), parts.scheme) == netloc


def _netloc(host_header: str, scheme: str) -> tuple[str, str]:
    parts = urlsplit(f"//{host_header}")
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        return ("", "")
    return ((parts.hostname or "").lower(), "" if port in (None, default) else str(port))

