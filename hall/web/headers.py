"""Security headers on every response: a Content-Security-Policy the pages pass, no framing, no sniffing.

Every script, style, font and image is served by the hall itself (the screens need no internet), and no
template holds inline script or style (tests/security/test_no_inline_script.py), so the policy allows
'self' and nothing else. Socket.IO connects to the same origin (ws: and wss: of 'self').
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.serving import WSGIRequestHandler

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob:",  # the lobby plays each announcement from a blob it fetched
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Another site gets the hall's origin at most, never a ticket's status page (/t/<token>); the kiosk's own
    # Back button still sees where it came from.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Permitted-Cross-Domain-Policies": "none",
    "X-XSS-Protection": "0",  # the browsers' old XSS auditor stays off: the CSP is the defence
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()",
}
#: One year, once the request came over HTTPS (directly or through the trusted proxy).
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """after_request: the headers above, HSTS over HTTPS, and no caching of pages and API answers."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # one pass, not a scan of the list per header
    missing = [(name, value) for name, value in HEADERS.items() if name.lower() not in present]
    if request.is_secure and "strict-transport-security" not in present:
        missing.append(("Strict-Transport-Security", HSTS))
    if "cache-control" not in present and not _is_static(request.path):
        # Pages and API answers may hold personal data or a ticket's token: never kept by a shared cache.
        missing.append(("Cache-Control", "no-store, max-age=0"))
    headers.extend(missing)
    return response


def _is_static(path: str) -> bool:
    return path.startswith("/static/") or "/static/" in path or path.endswith(".wav")


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without the Server header (it named the server's software and versions)."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
