"""What the kiosk shows besides the catalogue itself: the hall's most-used items and the search targets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from .catalogue import Catalogue
from .search import Searchable
from .service import HallService
from .storage import appointments as store
from .storage import catalogue_admin as catalogue_store

#: "Most used" looks at this many recent service days.
MOST_USED_DAYS = 14


def most_used(service: HallService, limit: int = 6) -> dict[str, list[str]]:
    """Codes of the items and bundles taken most often over the recent days, most used first."""
    since = (date.fromisoformat(service.today()) - timedelta(days=MOST_USED_DAYS - 1)).isoformat()
    with service.storage.read() as db:
        return store.most_used(db, since, limit)


def searchables(overview_zh: dict[str, Any], overview_en: dict[str, Any],
                aliases: Mapping[tuple[str, str], tuple[str, ...]] | None = None) -> list[Searchable]:
    """Search targets from the catalogue overview in both languages (names are matched in either) and the
    aliases of each item and bundle, keyed ("item" | "bundle", code)."""
    aliases = aliases or {}
    en_items = {i["code"]: i["name"] for i in overview_en["items"]}
    en_bundles = {b["code"]: b["name"] for b in overview_en["bundles"]}
    category_zh = {c["code"]: c["name"] for c in overview_zh["categories"]}
    targets = [Searchable("item", i["code"], i["name"], en_items.get(i["code"], ""), category_zh.get(i["category"], ""),
                          aliases.get(("item", i["code"]), ())) for i in overview_zh["items"]]
    targets += [Searchable("bundle", b["code"], b["name"], en_bundles.get(b["code"], ""), "",
                           aliases.get(("bundle", b["code"]), ())) for b in overview_zh["bundles"]]
    return targets


def search_targets(catalogue: Catalogue) -> list[Searchable]:
    """What the kiosk search looks through: every active item and bundle, its names and its aliases."""
    with catalogue.storage.read() as db:
        aliases = catalogue_store.aliases(db)
    return searchables(catalogue.overview("zh"), catalogue.overview("en"), aliases)
