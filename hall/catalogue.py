"""Read access to the catalogue of service items, bundles and categories, per language."""

from __future__ import annotations

from typing import Any

from .domain.errors import N_, UnknownService
from .domain.models import Bundle, Localised, ServiceItem
from .storage import Storage, repo


def _guide(item: ServiceItem, lang: str) -> dict[str, Any]:
    guide = item.guide or {}
    other = "en" if lang == "zh" else "zh"

    def pick(key: str) -> Any:
        value = guide.get(key) or {}
        return value.get(lang) or value.get(other) or ([] if key != "summary" else "")

    return {key: pick(key) for key in ("summary", "conditions", "materials", "forms", "basis")}


def item_payload(item: ServiceItem, lang: str, letters: dict[str, str], *, with_guide: bool = False) -> dict[str, Any]:
    payload = {
        "code": item.code, "name": item.name.get(lang), "name_zh": item.name.zh, "name_en": item.name.en,
        "category": item.category, "letter": letters.get(item.category, ""), "kind": item.kind,
        "time_limit_days": item.time_limit_days, "avg_service_minutes": item.avg_service_minutes,
    }
    if with_guide:
        payload["guide"] = _guide(item, lang)
    return payload


def bundle_payload(bundle: Bundle, lang: str, items: dict[str, ServiceItem], *,
                   with_guide: bool = False) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "code": bundle.code, "name": bundle.name.get(lang), "name_zh": bundle.name.zh, "name_en": bundle.name.en,
        "items": list(bundle.items), "summary": bundle.summary.get(lang) or bundle.summary.get("zh", ""),
    }
    if with_guide:
        materials: list[str] = []
        forms: list[str] = []
        for code in bundle.items:
            guide = _guide(items[code], lang) if code in items else {}
            materials += [m for m in guide.get("materials", []) if m not in materials]
            forms += [f for f in guide.get("forms", []) if f not in forms]
        payload["materials"] = materials
        payload["forms"] = forms
        payload["item_names"] = [items[c].name.get(lang) for c in bundle.items if c in items]
    return payload


class Catalogue:
    """The hall's offer, as data for the kiosk, the API and the panels."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._names: dict[tuple[str | None, str | None], Localised | None] = {}
        self._names_version = -1

    def overview(self, lang: str) -> dict[str, Any]:
        with self.storage.read() as db:
            cats = repo.categories(db)
            items = repo.service_items(db)
            bundles = repo.bundles(db)
        letters = {c.code: c.letter for c in cats}
        by_code = {i.code: i for i in items}
        return {
            "categories": [{"code": c.code, "letter": c.letter, "name": c.name.get(lang)} for c in cats],
            "items": [item_payload(i, lang, letters) for i in items],
            "bundles": [bundle_payload(b, lang, by_code) for b in bundles],
        }

    def item(self, code: str, lang: str) -> dict[str, Any]:
        with self.storage.read() as db:
            item = repo.service_item(db, code)
            letters = {c.code: c.letter for c in repo.categories(db)}
        if item is None:
            raise UnknownService(N_("unknown service item {code!r}"), code=code)
        return item_payload(item, lang, letters, with_guide=True)

    def bundle(self, code: str, lang: str) -> dict[str, Any]:
        with self.storage.read() as db:
            bundle = repo.bundle(db, code)
            items = {i.code: i for i in repo.service_items(db)}
        if bundle is None:
            raise UnknownService(N_("unknown bundle {code!r}"), code=code)
        return bundle_payload(bundle, lang, items, with_guide=True)

    def service_name(self, *, item: str | None, bundle: str | None, lang: str, db: Any = None) -> str:
        """The name to print or show for a ticket's item or bundle (read in *db* if the caller has a transaction).

        Names are cached per catalogue version (bumped by triggers on every catalogue change), so a burst of
        tickets costs one small query per ticket for the version, not a name lookup each.
        """
        if db is None:
            with self.storage.read() as db:
                return self.service_name(item=item, bundle=bundle, lang=lang, db=db)
        key = (item, bundle)
        version = db.execute("SELECT version FROM hall_versions WHERE name = 'catalogue'").fetchone()[0]
        if version != self._names_version:
            self._names.clear()
            self._names_version = version
        name = self._names.get(key)
        if name is None and key not in self._names:
            name = repo.service_name(db, item=item, bundle=bundle)
            if len(self._names) < 5000:
                self._names[key] = name
        return name.get(lang) if name else ""
