"""The prefecture's catalogue standard: item codes (事项编码), guides and bundles, in numbered versions."""

from __future__ import annotations

from typing import Any

from hall.catalogue_sync import check_document
from hall.domain.errors import InvalidInput as HallInvalidInput

from .db import Database
from .errors import InvalidInput, NotFound
from .store import audit
from .store import catalogue as store


class CatalogueStandard:
    """Publishes versions; halls fetch the newest and apply it themselves (hall.catalogue_sync)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def publish(self, document: dict[str, Any], actor: str, note: str = "") -> int:
        """Store *document* as the next version (its 'version' is set here); audited."""
        with self.db.transaction() as conn:
            latest = store.latest_version(conn) or 0
            version = latest + 1
            document = {**document, "version": version}
            try:
                check_document(document)
            except HallInvalidInput as exc:
                raise InvalidInput(str(exc)) from None
            missing = [i.get("code") for i in document.get("items", []) if not i.get("item_code")]
            if missing:
                raise InvalidInput(f"every item needs its item code (事项编码): missing for {', '.join(missing)}")
            store.insert_version(conn, version, actor, note[:500], document)
            audit.record(conn, actor, "catalogue.published", f"version {version}", {"version": latest or None},
                         {"version": version, "items": len(document.get("items", [])), "note": note[:500]})
        return version

    def version(self, number: int) -> dict[str, Any]:
        with self.db.transaction() as conn:
            row = store.version(conn, number)
        if row is None:
            raise NotFound(f"no catalogue version {number}")
        return row["document"]

    def versions(self) -> list[dict[str, Any]]:
        with self.db.transaction() as conn:
            return store.versions(conn)

    def latest(self) -> int | None:
        with self.db.transaction() as conn:
            return store.latest_version(conn)
