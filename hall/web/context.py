"""The hall objects one app holds, and how views reach them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

from ..accounts import Accounts
from ..catalogue import Catalogue
from ..config import Config
from ..domain.events import EventBus
from ..service import HallService
from ..storage import Storage

if TYPE_CHECKING:
    from ..cases import BackOffice
    from .devices import DeviceHub
    from .live import LiveChannel


@dataclass
class HallContext:
    """Everything one hall server runs on; stored in app.extensions["onewindow"]."""

    config: Config
    storage: Storage
    bus: EventBus
    service: HallService
    accounts: Accounts
    catalogue: Catalogue
    devices: "DeviceHub"
    live: "LiveChannel | None" = None
    backoffice: "BackOffice | None" = None
    closers: list = field(default_factory=list)

    def close(self) -> None:
        """Stop workers and close the database; safe to call twice."""
        while self.closers:
            closer = self.closers.pop()
            closer()


def hall() -> HallContext:
    """The hall of the current app."""
    return current_app.extensions["onewindow"]
