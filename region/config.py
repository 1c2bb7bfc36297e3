"""The prefecture server's settings: the database URL and a few limits, checked at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .db import check_url
from .errors import InvalidInput


@dataclass(frozen=True)
class RegionConfig:
    """Everything a prefecture process needs; processes share nothing but the database."""

    db_url: str
    #: A hall whose last batch is older than this is marked stale on the console.
    stale_seconds: int = 120
    #: The prefecture's waiting target (minutes) for the service level.
    target_minutes: int = 15
    max_body_bytes: int = 16 * 1024 * 1024
    pool_size: int = 8
    #: The prefecture's time zone: what "today" means for reports and exports.
    timezone: str = "Asia/Shanghai"
    testing: bool = False

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    def validate(self) -> RegionConfig:
        check_url(self.db_url)
        if not 10 <= self.stale_seconds <= 86400:
            raise InvalidInput("stale_seconds must be 10..86400")
        if not 1 <= self.target_minutes <= 60:
            raise InvalidInput("target_minutes must be 1..60")
        return self
