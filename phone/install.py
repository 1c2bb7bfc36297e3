"""Wire the phone into one hall app: its services, the push of notices, and the owner's workers (via HallProcess)."""

from __future__ import annotations

from flask import Flask

from hall.phone_hall import PhoneHall
from hall.web.context import HallContext

from .live import install_push


def install_phone(app: Flask, ctx: HallContext) -> PhoneHall:
    """``app.extensions["onewindow.phone"]``; every process pushes notices, the owner runs the workers."""
    phone = PhoneHall(ctx.service, ctx.config, str(app.secret_key))
    app.extensions["onewindow.phone"] = phone
    app.extensions.setdefault("onewindow_listeners", []).append(install_push)
    return phone
