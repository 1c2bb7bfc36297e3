"""Absolute addresses for phones (ticket QR codes, guides): from the hall's public address, never from a request.

``[hall] public_url`` is the address citizens' phones reach the hall at (behind nginx, its https name).
``onewindow serve`` fills it in with the machine's LAN address when it is not set, and says so. Taking
the address from the configuration — not from the request's Host header — keeps a forged Host out of
printed QR codes, and gives a ticket's first print and its reprint the same URL.
"""

from __future__ import annotations

from flask import has_request_context, request, url_for

from .context import hall


def public_base() -> str:
    """The hall's public address without a trailing slash."""
    configured = hall().config.hall.public_url.rstrip("/")
    if configured:
        return configured
    if has_request_context():  # only without a configured address (tests, a hall run without `serve`)
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def public_url(endpoint: str, **values: object) -> str:
    """The absolute public URL of *endpoint*."""
    return public_base() + url_for(endpoint, **values)


def status_url_of(token: str) -> str:
    """The live status page of the ticket with *token*, as printed in its QR code."""
    return public_base() + "/t/" + token
