"""The hall objects one app holds, and how views reach them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app

from ..accounts import Accounts
from ..catalogue import Catalogue
from ..commands import Commands
from ..config import Config
from ..devices import DeviceStatusStore, Voice
from ..domain.events import EventBus
from ..feed import LogFeed
from ..service import HallService
from ..storage import Storage

if TYPE_CHECKING:
    from ..cases import BackOffice
    from ..devices import DeviceOwner
    from .auth import LoginLimiter
    from .live import LiveChannel


@dataclass
class HallContext:
    """Everything one hall server process runs on; stored in app.extensions["onewindow"].

    ``live`` is set once the process runs its live channel; ``owner`` only in the process that owns the
    devices, the sweepers and the backups (``hall.process``).
    """

    config: Config
    storage: Storage
    bus: EventBus
    feed: LogFeed
    service: HallService
    commands: Commands
    accounts: Accounts
    catalogue: Catalogue
    voice: Voice
    device_status: DeviceStatusStore
    live: "LiveChannel | None" = None
    owner: "DeviceOwner | None" = None
    backoffice: "BackOffice | None" = None
    login_limiter: "LoginLimiter" = field(default_factory=lambda: _limiter())
    closers: list[Callable[[], Any]] = field(default_factory=list)

    def close(self) -> None:
        """Stop workers and close the database; safe to call twice."""
        while self.closers:
            closer = self.closers.pop()
            closer()


def _limiter() -> "LoginLimiter":
    from .auth import LoginLimiter

    return LoginLimiter()


def hall() -> HallContext:
    """The hall of the current app."""
    return current_app.extensions["onewindow"]


def off_the_loop(report: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a report (a function whose first argument is the storage) on an OS thread of its own, on a
    connection of its own: a year of tickets never holds up the calls (the server's loop runs meanwhile)."""
    from ..concurrency import run_blocking

    storage = hall().storage

    def run() -> Any:
        with storage.isolated() as reader:
            return report(reader, *args, **kwargs)

    return run_blocking(run)
