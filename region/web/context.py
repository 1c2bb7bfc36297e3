"""What every request of a prefecture process can reach: the database and the services over it."""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts import Accounts
from ..catalogue import CatalogueStandard
from ..config import RegionConfig
from ..db import Database
from ..halls import Halls
from ..ingest import Ingest
from ..reports import Reports


@dataclass
class RegionContext:
    """The services of one prefecture process."""

    config: RegionConfig
    db: Database
    accounts: Accounts
    halls: Halls
    ingest: Ingest
    reports: Reports
    catalogue: CatalogueStandard

    @classmethod
    def open(cls, config: RegionConfig) -> RegionContext:
        db = Database(config.db_url, max_size=config.pool_size)
        return cls(config=config, db=db, accounts=Accounts(db), halls=Halls(db, config.stale_seconds),
                   ingest=Ingest(db), reports=Reports(db, config.target_minutes), catalogue=CatalogueStandard(db))

    def close(self) -> None:
        self.db.close()
