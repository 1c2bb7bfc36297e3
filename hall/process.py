"""The background work of one server process, started by the server — never by ``create_app``.

Every process runs the log feed and its live channel. Exactly one process on a database is the *device
owner*: it runs the devices attached to the server (printers, announcer, keypads), the rating sweeper,
the follow-up watch, the day closer, the scheduled backups, and the phone's work (``hall.phone_hall``): the
SMS sender, the notice watcher, the no-shows of remote tickets not confirmed in time, booking reminders and
the retention job that erases phone numbers no longer needed. The owner is elected with an exclusive
lock on a file beside the database (``flock``): the lock dies with its process, so when the owner stops
or crashes another process takes over within ``ELECTION_SECONDS``. ``[server] role`` can pin it:
``owner`` (wait for the lock), ``web`` (never own), ``auto`` (the default).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from .devices import DeviceOwner
from .memory import CHECK_SECONDS as MEMORY_CHECK_SECONDS
from .memory import CrowdRelease
from .periodic import PeriodicTask
from .service_day import DayCloser
from .web.context import HallContext

logger = logging.getLogger(__name__)

ROLES = ("auto", "owner", "web")
#: How often a process that is not the owner tries to become it.
ELECTION_SECONDS = 2.0
RATING_SWEEP_SECONDS = 5.0
DAY_CHECK_SECONDS = 30.0
FOLLOWUP_SWEEP_SECONDS = 30.0


class OwnerLock:
    """An exclusive, non-blocking ``flock`` on ``<database>.owner``; released when the process ends."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".owner")
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


class _SettingsListener:
    """Managers changed the hall settings (in any process): use them here at once."""

    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    def on_event(self, event: Any) -> None:
        if getattr(event, "kind", None) == "settings_changed":
            self.ctx.service.settings.invalidate()


class HallProcess:
    """Starts and stops what one server process runs in the background; ``close()`` is the graceful stop."""

    def __init__(self, app: Flask, *, role: str = "auto") -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        self.app = app
        self.ctx: HallContext = app.extensions["onewindow"]
        self.role = role
        self.lock = OwnerLock(self.ctx.config.database)
        self.tasks: list[PeriodicTask] = []
        self._election: PeriodicTask | None = None
        self._closers: list[Callable[[], Any]] = []
        self._owner_lock = threading.Lock()
        self.day_closer = DayCloser(self.ctx.service)

    @property
    def is_owner(self) -> bool:
        return self.ctx.owner is not None

    def start(self) -> "HallProcess":
        from .web.extensions import socketio
        from .web.live import LiveChannel

        ctx = self.ctx
        live = LiveChannel(socketio, self.app, ctx)
        live.start()
        ctx.live = live
        self._closers.append(live.close)
        self._closers.append(ctx.bus.subscribe(live.on_event))
        self._closers.append(ctx.device_status.subscribe(live.on_device_status))
        self._closers.append(ctx.bus.subscribe(_SettingsListener(ctx).on_event))
        for install in self.app.extensions.get("onewindow_listeners", []):
            self._closers.append(install(ctx))
        watcher = self.app.extensions.get("onewindow_alerts")
        if watcher is not None:  # every process tells its own consoles when alerts change with time alone
            watcher.start()
            self._closers.append(watcher.close)
        ctx.feed.start()
        self._closers.append(ctx.feed.close)
        # Each process learns the day's wait-estimate prior once, before its first ticket of the day asks for it
        # inside a write transaction (a fraction of a second, at the day start or when the process starts).
        svc = ctx.service
        self._closers.append(PeriodicTask("estimate-prior", DAY_CHECK_SECONDS,
                                          lambda: svc.wait_estimator.warm(svc.storage, svc.today()),
                                          run_at_start=True).start().close)
        # Every process gives its memory back after a crowd of screens has left it.
        self.memory = CrowdRelease(lambda: _connections(socketio))
        self._closers.append(PeriodicTask("memory-release", MEMORY_CHECK_SECONDS, self.memory.check).start().close)
        if self.role != "web":
            if not self._try_to_own() and self.role in ("auto", "owner"):
                self._election = PeriodicTask("owner-election", ELECTION_SECONDS, self._try_to_own).start()
        return self

    def _try_to_own(self) -> bool:
        with self._owner_lock:
            if self.is_owner:
                return True
            if not self.lock.acquire():
                return False
            logger.info("this process (pid %d) owns the devices, sweepers and backups", os.getpid())
            self._start_owner_work()
            return True

    def _start_owner_work(self) -> None:
        ctx = self.ctx
        owner = DeviceOwner(ctx.config, ctx.commands, ctx.catalogue, ctx.device_status, ctx.voice)
        for listener in owner.listeners():
            self._closers.append(ctx.bus.subscribe(listener.on_event))
        owner.start()
        ctx.owner = owner
        self.day_closer.close_past_days()  # a server that was down over the day boundary catches up first
        self.tasks += [
            PeriodicTask("rating-sweeper", RATING_SWEEP_SECONDS, ctx.service.expire_ratings),
            PeriodicTask("day-closer", DAY_CHECK_SECONDS, self.day_closer.close_past_days),
        ]
        from .personal_data import INTERVAL_SECONDS, RetentionJob

        retention = RetentionJob(ctx.storage, ctx.service.clock, ctx.config.privacy, ctx.accounts.sessions)
        self.tasks.append(PeriodicTask("retention", INTERVAL_SECONDS, retention.run, run_at_start=True))
        followups = self.app.extensions.get("onewindow.followups")
        if followups is not None:
            self.tasks.append(PeriodicTask("followup-overdue", FOLLOWUP_SWEEP_SECONDS, followups.sweep_overdue,
                                           run_at_start=True))
        phone = self.app.extensions.get("onewindow.phone")
        if phone is not None:  # the SMS sender, notices, remote no-shows, reminders, phone-number retention
            listeners, tasks = phone.start_owner()
            self._closers.append(phone.close_owner)
            self._closers += [ctx.bus.subscribe(listener) for listener in listeners]
            self.tasks += tasks
        if ctx.config.prefecture.url:
            self._start_outbox()
        if ctx.config.backup.interval_minutes > 0:
            from .backup import BackupScheduler, backup_directory

            backups = BackupScheduler(ctx.storage, backup_directory(ctx.config),
                                      ctx.config.backup.interval_minutes * 60, ctx.config.backup.keep)
            self.app.extensions["onewindow_backups"] = backups
            backups.start()
            self._closers.append(backups.close)
        for task in self.tasks:
            task.start()

    def _start_outbox(self) -> None:
        """Ship the event log to the prefecture: the log is the outbox (hall/outbox.py, docs/prefecture.md)."""
        from .catalogue_sync import apply_version
        from .outbox import Outbox

        ctx = self.ctx
        clock = ctx.service.clock
        outbox = Outbox(ctx.storage, ctx.config.prefecture, ctx.service.hall, clock,
                        apply_catalogue=lambda document: apply_version(ctx.storage, document, clock))
        self.app.extensions["onewindow_outbox"] = outbox
        outbox.start()
        self._closers.append(outbox.close)

    def close(self) -> None:
        """The graceful stop: print and announce what is queued, stop the workers, close the database."""
        if self._election is not None:
            self._election.close()
            self._election = None
        for task in self.tasks:
            task.close()
        self.tasks.clear()
        owner, self.ctx.owner = self.ctx.owner, None
        if owner is not None:
            owner.close()
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:  # stopping: close the rest anyway
                logger.exception("stopping %r failed", closer)
        self.lock.release()


def _connections(socketio: Any) -> int:
    """The websocket and polling clients connected to this process (engine.io sessions)."""
    server = getattr(socketio, "server", None)
    return len(server.eio.sockets) if server is not None else 0
